// One Kafka process (combined broker + controller, KRaft) run from the Maven jars.
// A node owns its directory (config, data, logs); it only ever signals the pid it
// spawned, and checks that pid still runs its own config before signalling it.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fetchBrokers } from './metadata-probe.mjs'

// SerialGC + C1 only: the fastest start and smallest RSS measured on 2 cores
// (one node answers metadata ~1.5 s after launch, three nodes ~4 s).
const DEFAULT_JVM = ['-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true']

const BROKER_LOG4J = `status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = \${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
`
export const TOOLS_LOG4J = `status = warn
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
`

/** A Kafka cluster id: 16 random bytes, URL-safe base64; never starting with '-' (it would parse as a flag). */
export function newClusterId () {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

function toProperties (obj) {
  return Object.entries(obj).map(([k, v]) => `${k}=${v}`).join('\n') + '\n'
}

/** Is `pid` alive and running the config file `marker`? (never signal a recycled pid) */
export function ownsPid (pid, marker) {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  let cmdline
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
  } catch {
    const r = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' })
    cmdline = r.stdout ?? ''
  }
  return cmdline.includes(marker)
}

export class KafkaNode {
  /**
   * @param {object} o
   * @param {string} o.dir node directory (created)
   * @param {string} o.jarsDir
   * @param {number} o.nodeId
   * @param {number} o.port client port
   * @param {number} o.controllerPort
   * @param {Record<string, string|number|boolean>} o.properties extra/overriding server properties
   * @param {string} [o.heap]
   */
  constructor ({ dir, jarsDir, nodeId, port, controllerPort, properties, heap }) {
    this.dir = dir
    this.jarsDir = jarsDir
    this.nodeId = nodeId
    this.port = port
    this.address = `127.0.0.1:${port}`
    this.heap = heap ?? process.env.KAFKA_HEAP ?? '128m'
    this.configFile = path.join(dir, 'server.properties')
    this.logsDir = path.join(dir, 'logs')
    /** @type {number|undefined} */
    this.pid = undefined
    /** @type {import('node:child_process').ChildProcess|undefined} */
    this.child = undefined
    fs.mkdirSync(this.logsDir, { recursive: true })
    fs.writeFileSync(path.join(dir, 'log4j2.properties'), BROKER_LOG4J)
    fs.writeFileSync(path.join(dir, 'tools-log4j2.properties'), TOOLS_LOG4J)
    fs.writeFileSync(this.configFile, toProperties({
      'process.roles': 'broker,controller',
      'node.id': nodeId,
      listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name': 'PLAINTEXT',
      'controller.listener.names': 'CONTROLLER',
      'log.dirs': path.join(dir, 'data'),
      'auto.create.topics.enable': true,
      'group.initial.rebalance.delay.ms': 0,
      // the 128 MiB default makes small heaps fail with OutOfMemoryError at start
      'log.cleaner.dedupe.buffer.size': 8388608,
      ...properties
    }))
  }

  #java (mainClass, args, log4j) {
    return ['-cp', path.join(this.jarsDir, '*'), `-Dlog4j2.configurationFile=${path.join(this.dir, log4j)}`, mainClass, ...args]
  }

  /** Write the metadata log: `standalone` for a single dynamic-quorum node; `extraArgs` e.g. `--add-scram`. */
  format (clusterId, { standalone, extraArgs = [] }) {
    const args = ['format', '--config', this.configFile, '--cluster-id', clusterId, ...extraArgs]
    if (standalone) args.push('--standalone')
    const r = spawnSync('java', [...DEFAULT_JVM, ...this.#java('kafka.tools.StorageTool', args, 'tools-log4j2.properties')],
      { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`formatting Kafka node ${this.nodeId} failed:\n${r.stdout}${r.stderr}`)
  }

  /** Spawn the broker JVM (same command line every time, so a restart reuses its data). */
  start ({ detached = false } = {}) {
    if (this.isRunning()) return
    const out = fs.openSync(path.join(this.logsDir, 'stdout.log'), 'a')
    const jvm = [`-Xms${this.heap}`, `-Xmx${this.heap}`, ...DEFAULT_JVM,
      ...(process.env.KAFKA_JVM_OPTS ? process.env.KAFKA_JVM_OPTS.split(/\s+/).filter(Boolean) : []),
      `-Dkafka.logs.dir=${this.logsDir}`]
    const child = spawn('java', [...jvm, ...this.#java('kafka.Kafka', [this.configFile], 'log4j2.properties')],
      { stdio: ['ignore', out, out], detached })
    fs.closeSync(out)
    if (detached) child.unref()
    child.on('error', () => {}) // reported through waitReady's log tail
    this.child = child
    this.pid = child.pid
  }

  /**
   * Is our JVM alive? A JVM this object spawned is judged by its exit event: until Node has
   * reaped it its pid cannot be reused, and /proc/<pid>/cmdline can read empty for a moment
   * while exec is still loading java (that once failed a start-up as "exited"). Otherwise
   * (a pid from another process) by the pid and its command line.
   */
  isRunning () {
    if (this.pid === undefined) return false
    if (this.child && this.child.pid === this.pid) return this.child.exitCode === null && this.child.signalCode === null
    return ownsPid(this.pid, this.configFile)
  }

  /** Send a signal to our JVM only (e.g. SIGKILL for fault tests, SIGSTOP to freeze it). */
  signal (sig) {
    if (this.isRunning()) process.kill(/** @type {number} */ (this.pid), sig)
  }

  /** How the JVM ended, when this object spawned it and it has. */
  exitText () {
    const c = this.child
    if (!c || c.pid !== this.pid) return ''
    if (c.signalCode !== null) return ` (killed by ${c.signalCode})`
    return c.exitCode !== null ? ` (exit code ${c.exitCode})` : ''
  }

  /** Wait for our JVM to exit; true when it did within `timeoutMs`. */
  async waitExit (timeoutMs) {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (!this.isRunning()) return true
      await sleep(50)
    }
    return !this.isRunning()
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop (graceMs = 5000) {
    if (!this.isRunning()) return
    this.signal('SIGCONT') // a frozen (SIGSTOP) JVM cannot act on SIGTERM
    this.signal('SIGTERM')
    if (!(await this.waitExit(graceMs))) {
      this.signal('SIGKILL')
      await this.waitExit(5000)
    }
    this.pid = undefined
  }

  logTail (lines = 40) {
    const parts = []
    for (const f of ['server.log', 'stdout.log']) {
      const file = path.join(this.logsDir, f)
      if (!fs.existsSync(file)) continue
      const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
      if (text) parts.push(`--- ${file} (last ${lines} lines) ---\n${text}`)
    }
    return parts.join('\n') || '(no broker log was written)'
  }

  /**
   * Wait until this node answers metadata listing `expectBrokers` brokers.
   * Fails fast when the JVM dies, and with the broker's log tail on timeout.
   */
  async waitReady ({ expectBrokers = 1, timeoutMs = 60000 } = {}) {
    const deadline = Date.now() + timeoutMs
    let last = 'no answer yet'
    while (Date.now() < deadline) {
      if (!this.isRunning()) {
        throw new Error(`Kafka node ${this.nodeId} (${this.address}) exited during start-up${this.exitText()}.\n${this.logTail()}`)
      }
      try {
        const brokers = await fetchBrokers(this.address, 1000)
        if (brokers.length >= expectBrokers) return brokers
        last = `metadata lists ${brokers.length} of ${expectBrokers} brokers`
      } catch (err) {
        last = err instanceof Error ? err.message : String(err)
      }
      await sleep(100)
    }
    throw new Error(`Kafka node ${this.nodeId} did not answer metadata on ${this.address} within ${timeoutMs} ms (${last}).\n${this.logTail()}`)
  }
}
