// pino into Kafka beside pino into /dev/null and kcat (issue #5), on both engines (issue #29). Each contender is a
// process of its own; contenders alternate (A B C D, A B C D, ...); medians and ranges.
// 1. App-thread cost: ns inside `logger.info({...}, 'message')`, CALLS calls in bursts.
// 2. End to end: LINES logs through the worker target and the destination into a fresh
//    6-partition topic, timed from process start until every record is in the topic
//    (counted), beside kcat -P on the same number of pino-shaped lines.
//   node benchmarks/pino.bench.mjs [--quick] [--rounds N] [--lines N] [--calls N]
// Writes benchmarks/RESULTS-pino.md and benchmarks/results-pino.json (not in --quick mode).
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { countRecords, createTopic } from '../test/helpers/kafka.mjs'
import { benchBroker } from './utils/broker.mjs'
import { machineInfo, writeResults } from './utils/results.mjs'
import { ensureLines } from './utils/lines.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, rounds: { type: 'string' }, lines: { type: 'string' }, calls: { type: 'string' } } })
const LINES = Number(args.lines ?? (args.quick ? 20000 : 1000000))
const CALLS = Number(args.calls ?? (args.quick ? 20000 : 200000))
const ROUNDS = Number(args.rounds ?? (args.quick ? 1 : 3))
const log = (m) => process.stderr.write(`[bench] ${m}\n`)
const app = path.join(here, 'utils', 'pino-app.mjs')
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Start `cmd`, then poll the topic until it holds `n` records. Returns seconds from start
 *  until counted and until the process exited, and the app's in-process figures (if any). */
async function timeUntilCounted (cmd, argv, topic, n, brokers, env = {}) {
  const t0 = performance.now()
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  const exited = once(child, 'exit')
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    const count = await countRecords(topic, { bootstrap: brokers })
    if (count >= n) break
    if (performance.now() - t0 > 300000) throw new Error(`${topic}: ${count} of ${n} records after 300 s: ${out.slice(-1000)}`)
  }
  const seconds = (performance.now() - t0) / 1000
  const [code] = await exited
  const exitSeconds = (performance.now() - t0) / 1000
  if (code !== 0) throw new Error(`${cmd} exited with ${code}: ${out.slice(-1000)}`)
  const inTopic = await countRecords(topic, { bootstrap: brokers })
  if (inTopic !== n) throw new Error(`${topic} holds ${inTopic} records, expected ${n}: ${out.slice(-1000)}`)
  let app
  try { app = JSON.parse(out.trim().split('\n').pop()) } catch { app = undefined }
  const wait = (app?.warmUpMs ?? 0) / 1000 // the app's fixed 1.5 s connect wait, not logging time
  return { seconds: seconds - wait, exitSeconds: exitSeconds - wait, inProcessS: app?.closedMs !== undefined ? app.closedMs / 1000 : undefined, inTopic }
}

// [name, the app's mode, environment]: the wirings on node-rdkafka, and on the pure-JS engine
// (an install without a C toolchain; issue #29)
const PLATFORMATIC = { KLT_ENGINE: 'platformatic' }
const CALL_MODES = [['noop', 'noop', {}], ['devnull', 'devnull', {}], ['worker', 'worker', {}], ['destination', 'destination', {}],
  ['worker-platformatic', 'worker', PLATFORMATIC], ['destination-platformatic', 'destination', PLATFORMATIC]]

let broker
const results = { date: new Date().toISOString(), lines: LINES, calls: CALLS, rounds: ROUNDS, perCall: [], e2e: [] }
try {
  broker = await benchBroker(log)
  const brokers = broker.brokers
  const files = ensureLines(LINES)
  const hasKcat = spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, mode, env] of CALL_MODES) {
      const topic = await createTopic(`bench-pino-call-${name}-${Date.now()}`, { partitions: 6, bootstrap: brokers })
      const r = spawnSync(process.execPath, [app, mode, brokers, topic, String(CALLS)], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...env } })
      if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`)
      const res = JSON.parse(r.stdout.trim().split('\n').pop())
      results.perCall.push({ round, ...res, mode: name })
      log(`per call, round ${round} ${name}: ${Math.round(res.nsPerCall)} ns`)
    }
    for (const [name, mode, env] of CALL_MODES.filter(([, mode]) => mode === 'worker' || mode === 'destination')) {
      const topic = await createTopic(`bench-pino-e2e-${name}-${Date.now()}`, { partitions: 6, bootstrap: brokers })
      const r = await timeUntilCounted(process.execPath, [app, mode, brokers, topic, String(LINES)], topic, LINES + 1, brokers, env)
      results.e2e.push({ round, name, ...r })
      log(`end to end, round ${round} ${name}: counted ${r.seconds.toFixed(2)} s, exit ${r.exitSeconds.toFixed(2)} s, in process ${r.inProcessS.toFixed(2)} s, ${r.inTopic} records`)
    }
    if (hasKcat) {
      const topic = await createTopic(`bench-pino-e2e-kcat-${Date.now()}`, { partitions: 6, bootstrap: brokers })
      const r = await timeUntilCounted('kcat', ['-P', '-b', brokers, '-t', topic, '-K', '\t', '-X', 'acks=all', '-X', 'compression.codec=lz4',
        '-X', 'enable.idempotence=true', '-X', 'partitioner=murmur2_random', '-l', files.keyed], topic, LINES, brokers)
      results.e2e.push({ round, name: 'kcat', ...r })
      log(`end to end, round ${round} kcat: counted ${r.seconds.toFixed(2)} s, exit ${r.exitSeconds.toFixed(2)} s, ${r.inTopic} records`)
    }
  }
  const perCall = CALL_MODES.map(([mode]) => {
    const xs = results.perCall.filter((r) => r.mode === mode).map((r) => r.nsPerCall)
    return { mode, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) }
  })
  const devnull = perCall.find((p) => p.mode === 'devnull').median
  for (const p of perCall) p.ratioToDevnull = p.median / devnull
  const e2e = [...new Set(results.e2e.map((r) => r.name))].map((name) => {
    const runs = results.e2e.filter((r) => r.name === name)
    const xs = runs.map((r) => r.seconds)
    const inProc = runs.map((r) => r.inProcessS).filter((x) => x !== undefined)
    return { name, median: median(xs), min: Math.min(...xs), max: Math.max(...xs), exitMedian: median(runs.map((r) => r.exitSeconds)), inProcessMedian: inProc.length ? median(inProc) : undefined }
  })
  const kcat = e2e.find((e) => e.name === 'kcat')
  for (const e of e2e) e.ratioToKcat = kcat ? kcat.median / e.median : undefined
  results.summary = { perCall, e2e }
  results.machine = machineInfo()
  process.stdout.write(JSON.stringify(results.summary) + '\n')
  if (!args.quick) {
    const m = results.machine
    writeResults('pino', [
      '# pino into Kafka beside pino into /dev/null and kcat', '',
      `${results.date}; ${ROUNDS} interleaved round(s); ${m.cpus} cores (${m.cpu}), Node ${m.node}, pino ${m.pino}, librdkafka ${m.librdkafka}. Produced by \`node benchmarks/pino.bench.mjs\`.`, '',
      `## App-thread cost: ns inside \`logger.info({ reqId, user: { id } }, 'message')\`, ${CALLS.toLocaleString('en-US')} calls in bursts of 1000`, '',
      '| destination | median ns | range ns | × /dev/null (sync) |', '|---|---|---|---|',
      ...perCall.map((p) => `| ${p.mode} | ${Math.round(p.median)} | ${Math.round(p.min)}-${Math.round(p.max)} | ${p.ratioToDevnull.toFixed(2)} |`), '',
      `## End to end: ${LINES.toLocaleString('en-US')} logs into a fresh 6-partition topic, key reqId`, '',
      'Whole process: from spawn until every record is counted in the topic (polled every 100 ms), and until the process exited; the pino apps\' fixed 1.5 s wait for the connection before the first call is subtracted.',
      "In process (pino rows): first `logger.info` to the stream's 'close' after `end()` (worker: the worker waits for its producer process to exit; destination: the core's close, all acknowledged).",
      'The pino rows log in bursts of 1000 with setImmediate between bursts; kcat reads the same number of pino-shaped lines from a file.', '',
      '| contender | median s (counted) | range s | logs/s | × kcat | median s (exit) | median s (in process) |', '|---|---|---|---|---|---|---|',
      ...e2e.map((e) => `| ${e.name} | ${e.median.toFixed(2)} | ${e.min.toFixed(2)}-${e.max.toFixed(2)} | ${Math.round(LINES / e.median).toLocaleString('en-US')} | ${e.ratioToKcat?.toFixed(2) ?? '-'} | ${e.exitMedian.toFixed(2)} | ${e.inProcessMedian?.toFixed(2) ?? '-'} |`), ''
    ], results)
  }
} finally {
  await broker?.stop()
}
