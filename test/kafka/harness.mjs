// The local Kafka harness: a single node (127.0.0.1:19092) or a three-node cluster
// (127.0.0.1:29092-29094) started from the Maven jars, in a temp dir, stopped by the
// code that started it. Used by the test runner, the demo, `npm run kafka:start|stop`,
// and by fault tests that kill and restart nodes.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { HARNESS_DIR, ensureJars, requireCommand } from './jars.mjs'
import { KafkaNode, TOOLS_LOG4J, newClusterId, ownsPid } from './node.mjs'

export const SINGLE_PORT = 19092
export const CLUSTER_PORTS = [29092, 29093, 29094]
const STATE_FILE = path.join(HARNESS_DIR, '.run', 'state.json')

function portInUse (port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port })
    s.on('connect', () => { s.destroy(); resolve(true) })
    s.on('error', () => resolve(false))
  })
}

async function assertPortsFree (ports) {
  for (const port of ports) {
    if (await portInUse(port)) {
      throw new Error(`port ${port} on 127.0.0.1 is already in use, so the local Kafka cannot start there.\n` +
        'If it is a harness broker you started, run `npm run kafka:stop`; if it is your own Kafka, set KAFKA_BROKERS=127.0.0.1:' + port + '.')
    }
  }
}

class LocalKafka {
  /** @param {{ root: string, nodes: KafkaNode[], keepData: boolean }} o */
  constructor ({ root, nodes, keepData }) {
    this.root = root
    this.nodes = nodes
    this.keepData = keepData
    this.brokers = nodes.map((n) => n.address).join(',')
  }

  /** Stop every node this harness started, then delete its temp dir. */
  async stop () {
    await Promise.all(this.nodes.map((n) => n.stop()))
    if (!this.keepData) fs.rmSync(this.root, { recursive: true, force: true })
  }

  /** The node whose client port is `port`. */
  node (port) {
    const n = this.nodes.find((x) => x.port === port)
    if (!n) throw new Error(`no harness node on port ${port}`)
    return n
  }

  /** Run a Kafka CLI tool class (e.g. org.apache.kafka.tools.TopicCommand) against this cluster. */
  tool (mainClass, args, { input } = {}) {
    return runTool(this.nodes[0]?.jarsDir ?? ensureJars(), mainClass, ['--bootstrap-server', this.brokers, ...args], { input })
  }
}

/** Run a Kafka tool class from the jars; throws with its output on failure. */
export function runTool (jarsDir, mainClass, args, { input } = {}) {
  const conf = path.join(os.tmpdir(), 'klt-tools-log4j2.properties')
  if (!fs.existsSync(conf)) fs.writeFileSync(conf, TOOLS_LOG4J)
  const r = spawnSync('java', ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${conf}`,
    '-cp', path.join(jarsDir, '*'), mainClass, ...args], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`${mainClass} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`)
  return r.stdout
}

function prepare ({ log }) {
  requireCommand('java', 'to run the local Kafka broker')
  const jarsDir = ensureJars({ log })
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-kafka-'))
  return { jarsDir, root }
}

/**
 * Start `node` and wait until it answers. A JVM that exits during start-up without a word
 * (seen once in CI: no log line, no exit text) is started once more, and says so on stderr;
 * a second exit, or no answer within `timeoutMs`, fails with the broker's log tail.
 */
async function startRetryingOnce (node, { detached, timeoutMs, expectBrokers = 1 }) {
  node.start({ detached })
  try {
    await node.waitReady({ expectBrokers, timeoutMs })
  } catch (err) {
    if (node.isRunning()) throw err
    process.stderr.write(`[kafka] ${err instanceof Error ? err.message.split('\n')[0] : err}; starting it once more\n`)
    node.start({ detached })
    await node.waitReady({ expectBrokers, timeoutMs })
  }
}

/**
 * Start one combined broker+controller on 127.0.0.1:`port`.
 * @param {{ port?: number, detached?: boolean, log?: (m: string) => void, keepData?: boolean, timeoutMs?: number, properties?: object }} [o]
 */
export async function startSingle ({ port = SINGLE_PORT, detached = false, log = () => {}, keepData = false, timeoutMs = 60000, properties = {}, formatArgs = [], extraPorts = [] } = {}) {
  await assertPortsFree([port, port + 1, ...extraPorts])
  const { jarsDir, root } = prepare({ log })
  const node = new KafkaNode({
    dir: path.join(root, 'n1'),
    jarsDir,
    nodeId: 1,
    port,
    controllerPort: port + 1,
    properties: {
      'controller.quorum.bootstrap.servers': `127.0.0.1:${port + 1}`,
      'num.partitions': 1,
      'offsets.topic.replication.factor': 1,
      'transaction.state.log.replication.factor': 1,
      'transaction.state.log.min.isr': 1,
      'share.coordinator.state.topic.replication.factor': 1,
      'share.coordinator.state.topic.min.isr': 1,
      ...properties
    }
  })
  const kafka = new LocalKafka({ root, nodes: [node], keepData })
  try {
    node.format(newClusterId(), { standalone: true, extraArgs: formatArgs })
    await startRetryingOnce(node, { detached, timeoutMs })
  } catch (err) {
    await kafka.stop()
    throw err
  }
  return kafka
}

/**
 * Start three combined broker+controller nodes (static quorum) on CLUSTER_PORTS,
 * replication factor 3 and min.insync.replicas 2 by default. Any node can be
 * killed (`kafka.node(port).signal('SIGKILL')`) and started again (`.start()`).
 */
export async function startCluster ({ ports = CLUSTER_PORTS, detached = false, log = () => {}, keepData = false, timeoutMs = 90000 } = {}) {
  const controllerPorts = ports.map((p) => p + 100)
  await assertPortsFree([...ports, ...controllerPorts])
  const { jarsDir, root } = prepare({ log })
  const voters = ports.map((_, i) => `${i + 1}@127.0.0.1:${controllerPorts[i]}`).join(',')
  const nodes = ports.map((port, i) => new KafkaNode({
    dir: path.join(root, `n${i + 1}`),
    jarsDir,
    nodeId: i + 1,
    port,
    controllerPort: /** @type {number} */ (controllerPorts[i]),
    heap: process.env.KAFKA_HEAP ?? '96m',
    properties: {
      'controller.quorum.voters': voters,
      'num.partitions': 3,
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      'offsets.topic.replication.factor': 3,
      'transaction.state.log.replication.factor': 3,
      'transaction.state.log.min.isr': 2,
      'share.coordinator.state.topic.replication.factor': 3,
      'share.coordinator.state.topic.min.isr': 2,
      // a killed broker is fenced after ~3 s instead of 9 s: faster failover in tests
      'broker.session.timeout.ms': 3000,
      'broker.heartbeat.interval.ms': 500
    }
  }))
  const kafka = new LocalKafka({ root, nodes, keepData })
  try {
    const clusterId = newClusterId()
    for (const n of nodes) n.format(clusterId, { standalone: false })
    await Promise.all(nodes.map((n) => startRetryingOnce(n, { detached, timeoutMs, expectBrokers: nodes.length })))
  } catch (err) {
    await kafka.stop()
    throw err
  }
  return kafka
}

// --- state for `npm run kafka:start` / `kafka:stop` (separate processes) -------------

/** Remember detached nodes so a later `kafka:stop` can stop exactly them. */
export function saveState (kafka, kind) {
  fs.mkdirSync(path.dirname(STATE_FILE), { recursive: true })
  const state = readState()
  state[kind] = { root: kafka.root, brokers: kafka.brokers, nodes: kafka.nodes.map((n) => ({ pid: n.pid, configFile: n.configFile })) }
  fs.writeFileSync(STATE_FILE, JSON.stringify(state, null, 2))
}

export function readState () {
  try {
    return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'))
  } catch {
    return {}
  }
}

/** Stop the nodes recorded by kafka:start (only pids still running their own config). */
export async function stopSaved (kinds = ['single', 'cluster']) {
  const state = readState()
  const stopped = []
  for (const kind of kinds) {
    const entry = state[kind]
    if (!entry) continue
    for (const { pid, configFile } of entry.nodes) {
      if (!ownsPid(pid, configFile)) continue
      process.kill(pid, 'SIGTERM')
      const deadline = Date.now() + 10000
      while (Date.now() < deadline && ownsPid(pid, configFile)) await new Promise((resolve) => setTimeout(resolve, 100))
      if (ownsPid(pid, configFile)) process.kill(pid, 'SIGKILL')
      stopped.push(pid)
    }
    fs.rmSync(entry.root, { recursive: true, force: true })
    delete state[kind]
  }
  fs.writeFileSync(STATE_FILE, JSON.stringify(state, null, 2))
  return stopped
}

/** Brokers of a harness single node started by `kafka:start`, if it is still running. */
export function savedSingleBrokers () {
  const entry = readState().single
  if (entry && entry.nodes.every((n) => ownsPid(n.pid, n.configFile))) return entry.brokers
  return undefined
}
