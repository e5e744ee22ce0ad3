// winston beside its own transports and kcat. Two measurements, each contender a whole
// process (benchmarks/utils/winston-app.mjs), contenders alternating, one broker:
//  1. per call: logger.info(msg, meta) in bursts of 1000 with the event loop turning
//     between them; time inside the calls per call, and wall time per log including the
//     work a transport defers (File writes after the burst). KafkaTransport (key reqId) vs
//     winston's File transport vs a null transport (winston's own cost).
//  2. end to end: N records (the fields of benchmarks/utils/lines.mjs, ~300 bytes as JSON)
//     from the first logger.info to every record acknowledged (logger.end() -> 'finish'),
//     beside kcat sending the same number of lines, and a null transport; every Kafka run
//     is verified by counting its topic.
//   node benchmarks/winston.bench.mjs [--quick] [--rounds N] [--lines N] [--calls N]
// Writes benchmarks/RESULTS-winston.md (not in --quick mode).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { benchBroker } from './utils/broker.mjs'
import { machineInfo, writeResults } from './utils/results.mjs'
import { countRecords, createTopic } from '../test/helpers/kafka.mjs'
import { DATA_DIR, ensureLines } from './utils/lines.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const app = path.join(here, 'utils', 'winston-app.mjs')
const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, rounds: { type: 'string' }, lines: { type: 'string' }, calls: { type: 'string' } } })
const LINES = Number(args.lines ?? (args.quick ? 20000 : 1000000))
const CALLS = Number(args.calls ?? (args.quick ? 20000 : 200000))
const ROUNDS = Number(args.rounds ?? (args.quick ? 1 : 3))
const log = (m) => process.stderr.write(`[bench] ${m}\n`)

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const hasKcat = () => spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0

function runApp (argv, env = {}) {
  const r = spawnSync(process.execPath, [app, ...argv], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } })
  if (r.status !== 0) throw new Error(`winston-app ${argv.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').pop())
}

let broker
const results = { date: new Date().toISOString(), lines: LINES, calls: CALLS, rounds: ROUNDS, perCall: [], e2e: [] }
try {
  broker = await benchBroker(log)
  const brokers = broker.brokers
  const fileLog = path.join(DATA_DIR, 'winston-file-transport.log')
  fs.mkdirSync(DATA_DIR, { recursive: true })

  // 1. per call
  const perCall = {
    null: () => runApp(['null', String(CALLS), 'percall']),
    file: () => {
      fs.rmSync(fileLog, { force: true })
      return runApp(['file', String(CALLS), 'percall', '', fileLog])
    },
    kafka: async () => runApp(['kafka', String(CALLS), 'percall', brokers, await createTopic(`bench-wpc-${Date.now()}`, { partitions: 6, bootstrap: brokers })]),
    'kafka-no-key': async () => runApp(['kafka', String(CALLS), 'percall', brokers, await createTopic(`bench-wpc-${Date.now()}`, { partitions: 6, bootstrap: brokers })], { BENCH_KEY: 'none' })
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, run] of Object.entries(perCall)) {
      const r = await run()
      const wallUsPerLog = (r.wallMs * 1000) / CALLS
      results.perCall.push({ round, name, nsPerCall: r.nsPerCall, wallUsPerLog })
      log(`per call, round ${round} ${name}: ${(r.nsPerCall / 1000).toFixed(2)} µs in logger.info, ${wallUsPerLog.toFixed(2)} µs wall per log`)
      if (r.metrics && r.metrics.delivered !== r.metrics.written) throw new Error(`${name}: ${JSON.stringify(r.metrics)}`)
    }
  }

  // 2. end to end
  const files = ensureLines(LINES)
  const e2e = {
    kcat: async (topic) => {
      const t0 = performance.now()
      const r = spawnSync('kcat', ['-P', '-b', brokers, '-t', topic, '-K', '\t', '-X', 'acks=all', '-X', 'compression.codec=lz4',
        '-X', 'enable.idempotence=true', '-X', 'partitioner=murmur2_random', '-l', files.keyed], { encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`kcat failed: ${r.stderr}`)
      return { seconds: (performance.now() - t0) / 1000 }
    },
    'winston-kafka': async (topic) => {
      const t0 = performance.now()
      const r = runApp(['kafka', String(LINES), 'e2e', brokers, topic])
      return { seconds: (performance.now() - t0) / 1000, inProcessMs: r.totalMs, rssMiB: r.rssMiB }
    },
    'winston-null': async () => {
      const t0 = performance.now()
      const r = runApp(['null', String(LINES), 'e2e'])
      return { seconds: (performance.now() - t0) / 1000, inProcessMs: r.totalMs, rssMiB: r.rssMiB }
    }
  }
  const names = Object.keys(e2e).filter((n) => n !== 'kcat' || hasKcat())
  if (!names.includes('kcat')) log('kcat is not installed (apt-get install kcat): running without the reference')
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of names) {
      const toKafka = name !== 'winston-null'
      const topic = toKafka ? await createTopic(`bench-we2e-${name}-${Date.now()}`, { partitions: 6, bootstrap: brokers }) : undefined
      const r = await e2e[name](topic)
      const inTopic = toKafka ? await countRecords(topic, { bootstrap: brokers }) : undefined
      results.e2e.push({ round, name, ...r, inTopic })
      log(`end to end, round ${round} ${name}: ${r.seconds.toFixed(2)} s${toKafka ? `, ${inTopic} records in topic` : ''}`)
      if (toKafka && inTopic !== LINES) throw new Error(`${name} left ${inTopic} records in ${topic}, expected ${LINES}`)
    }
  }

  const perCallSummary = Object.keys(perCall).map((name) => {
    const runs = results.perCall.filter((r) => r.name === name)
    return { name, nsPerCall: median(runs.map((r) => r.nsPerCall)), wallUsPerLog: median(runs.map((r) => r.wallUsPerLog)) }
  })
  const e2eSummary = names.map((name) => {
    const runs = results.e2e.filter((r) => r.name === name).map((r) => r.seconds)
    return { name, median: median(runs), min: Math.min(...runs), max: Math.max(...runs) }
  })
  const kcat = e2eSummary.find((s) => s.name === 'kcat')
  for (const s of e2eSummary) s.ratioToKcat = kcat ? kcat.median / s.median : undefined
  const machine = machineInfo()
  process.stdout.write(JSON.stringify({ perCall: perCallSummary, e2e: e2eSummary, machine }) + '\n')
  if (!args.quick) {
    const pc = perCallSummary.map((s) => `| ${s.name} | ${(s.nsPerCall / 1000).toFixed(2)} | ${s.wallUsPerLog.toFixed(2)} |`)
    const ee = e2eSummary.map((s) => `| ${s.name} | ${s.median.toFixed(2)} | ${s.min.toFixed(2)}-${s.max.toFixed(2)} | ${Math.round(LINES / s.median).toLocaleString('en-US')} | ${s.ratioToKcat?.toFixed(2) ?? '-'} |`)
    writeResults('winston', [
      '# winston: KafkaTransport beside winston\'s own transports and kcat', '',
      `${results.date}; ${ROUNDS} interleaved round(s); ${machine.cpus} cores (${machine.cpu}), Node ${machine.node}, winston ${machine.winston}, librdkafka ${machine.librdkafka}.`,
      'Produced by `node benchmarks/winston.bench.mjs' + (args.lines ? ` --lines ${LINES}` : '') + (args.calls ? ` --calls ${CALLS}` : '') + (args.rounds ? ` --rounds ${ROUNDS}` : '') + '`; medians.', '',
      `## Per call: logger.info(msg, meta), ${CALLS.toLocaleString('en-US')} calls in bursts of 1000`, '',
      '"in call": time spent inside logger.info(). "wall per log": first burst to end of the last one, so it includes what a transport does between bursts (File writes) but not the final flush at logger.end().', '',
      '| transport | µs in call | µs wall per log |', '|---|---|---|', ...pc, '',
      `## End to end: ${LINES.toLocaleString('en-US')} records, first call to last acknowledgement`, '',
      '| contender | median s | range s | msgs/s | × kcat |', '|---|---|---|---|---|', ...ee, ''],
    { date: results.date, perCall: perCallSummary, e2e: e2eSummary, machine, runs: results })
  }
} finally {
  await broker?.stop()
}
