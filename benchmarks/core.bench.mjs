// Core throughput beside kcat and KafkaJS, on both engines: N pino-shaped NDJSON lines (~265 bytes) into a
// fresh 6-partition topic per run, acks=all, lz4, idempotence on, key = the line's reqId,
// murmur2_random. Contenders alternate (A B A B ...); each is timed as a whole process,
// first write to last acknowledgement, and every run is verified by counting the topic.
// KafkaJS sends one send() per line at ~2,000/s: that contender gets fewer lines
// (--kafkajs-lines, default 50,000) and is compared by rate.
//   node benchmarks/core.bench.mjs [--quick] [--rounds N] [--lines N] [--kafkajs-lines N]
// Writes benchmarks/RESULTS-core.md and benchmarks/results-core.json (not in --quick mode).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { benchBroker } from './utils/broker.mjs'
import { machineInfo, writeResults } from './utils/results.mjs'
import { countRecords, createTopic } from '../test/helpers/kafka.mjs'
import { ensureLines } from './utils/lines.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, rounds: { type: 'string' }, lines: { type: 'string' }, 'kafkajs-lines': { type: 'string' } } })
const LINES = Number(args.lines ?? (args.quick ? 20000 : 1000000))
const KAFKAJS_LINES = Math.min(LINES, Number(args['kafkajs-lines'] ?? (args.quick ? 2000 : 50000)))
const ROUNDS = Number(args.rounds ?? (args.quick ? 1 : 3))
const log = (m) => process.stderr.write(`[bench] ${m}\n`)

function hasKcat () {
  return spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0
}

// jemalloc, where the system has it (Debian: libjemalloc2): librdkafka allocates each
// record's headers on the writing thread and frees them on its broker thread, which
// glibc's allocator pays for with arena locks
const JEMALLOC = { LD_PRELOAD: 'libjemalloc.so.2' }
function hasJemalloc () {
  const r = spawnSync(process.execPath, ['-e', "process.stdout.write(require('fs').readFileSync('/proc/self/maps', 'utf8').includes('jemalloc') ? 'yes' : 'no')"], { encoding: 'utf8', env: { ...process.env, ...JEMALLOC } })
  return r.stdout === 'yes'
}

const contenders = {
  kcat: (brokers, topic, files) => ['kcat', ['-P', '-b', brokers, '-t', topic, '-K', '\t', '-X', 'acks=all', '-X', 'compression.codec=lz4',
    '-X', 'enable.idempotence=true', '-X', 'partitioner=murmur2_random', '-l', files.keyed]],
  // the default options: no per-record header on these JSON lines
  core: (brokers, topic, files) => [process.execPath, [path.join(here, 'utils', 'core-producer.mjs'), brokers, topic, files.plain]],
  // all four per-record headers (logHeaders: true): three on these lines (no trace ids)
  'core-all-headers': (brokers, topic, files) => [process.execPath, [path.join(here, 'utils', 'core-producer.mjs'), brokers, topic, files.plain, 'reqId', 'all']],
  // the same on the second engine, @platformatic/kafka (pure JS: an install without a C toolchain; issue #29)
  'core-platformatic': (brokers, topic, files) => [process.execPath, [path.join(here, 'utils', 'core-producer.mjs'), brokers, topic, files.plain], { KLT_ENGINE: 'platformatic' }],
  'core-all-headers-jemalloc': (brokers, topic, files) => [process.execPath, [path.join(here, 'utils', 'core-producer.mjs'), brokers, topic, files.plain, 'reqId', 'all'], JEMALLOC],
  // how users write a KafkaJS log transport: one send() per line; and batches of 1,000
  'kafkajs-per-send': (brokers, topic, files) => [process.execPath, [path.join(here, 'utils', 'kafkajs-producer.mjs'), brokers, topic, files.kafkajs, 'per-send']],
  'kafkajs-batched': (brokers, topic, files) => [process.execPath, [path.join(here, 'utils', 'kafkajs-producer.mjs'), brokers, topic, files.plain, 'batched']]
}
const linesOf = (name) => name === 'kafkajs-per-send' ? KAFKAJS_LINES : LINES

function median (xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

let broker
const results = { date: new Date().toISOString(), lines: LINES, rounds: ROUNDS, runs: [] }
try {
  broker = await benchBroker(log)
  const brokers = broker.brokers
  const files = { ...ensureLines(LINES), kafkajs: ensureLines(KAFKAJS_LINES).plain }
  const bytes = (n) => { // value bytes of the first n lines (MB/s counts values only)
    const text = fs.readFileSync(n === LINES ? files.plain : files.kafkajs)
    return text.length - n
  }
  const valueBytes = { [LINES]: bytes(LINES), [KAFKAJS_LINES]: bytes(KAFKAJS_LINES) }
  const names = Object.keys(contenders).filter((n) => (n !== 'kcat' || hasKcat()) && (!n.endsWith('-jemalloc') || hasJemalloc()))
  if (!names.includes('kcat')) log('kcat is not installed (apt-get install kcat): running without the reference')
  if (!names.includes('core-all-headers-jemalloc')) log('jemalloc is not installed (apt-get install libjemalloc2): running without core-all-headers-jemalloc')
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of names) {
      const topic = await createTopic(`bench-${name}-${Date.now()}`, { partitions: 6, bootstrap: brokers })
      const [cmd, argv, env] = contenders[name](brokers, topic, files)
      const t0 = performance.now()
      const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } })
      const seconds = (performance.now() - t0) / 1000
      if (r.status !== 0) throw new Error(`${name} failed (${r.status ?? r.signal}): ${r.stderr}`)
      let inTopic = await countRecords(topic, { bootstrap: brokers })
      const expected = linesOf(name)
      if (inTopic !== expected) {
        log(`${name}: ${inTopic} records counted; its output: ${r.stdout.slice(-1500)}`)
        await new Promise((resolve) => setTimeout(resolve, 3000))
        inTopic = await countRecords(topic, { bootstrap: brokers })
        log(`${name}: ${inTopic} records counted 3 s later`)
      }
      const inProcess = name.startsWith('core') || name.startsWith('kafkajs') ? JSON.parse(r.stdout.trim().split('\n').pop()) : undefined
      results.runs.push({ round, name, seconds, inTopic, inProcessMs: inProcess?.totalMs })
      log(`round ${round} ${name}: ${seconds.toFixed(2)} s, ${inTopic} records in topic`)
      if (inTopic !== expected) throw new Error(`${name} left ${inTopic} records in ${topic}, expected ${expected}`)
    }
  }
  const summary = names.map((name) => {
    const runs = results.runs.filter((r) => r.name === name).map((r) => r.seconds)
    const lines = linesOf(name)
    const m = median(runs)
    return { name, lines, median: m, min: Math.min(...runs), max: Math.max(...runs), msgsPerS: lines / m, mbPerS: valueBytes[lines] / m / 1e6 }
  })
  const kcat = summary.find((s) => s.name === 'kcat')
  for (const s of summary) s.ratioToKcat = kcat ? s.msgsPerS / kcat.msgsPerS : undefined
  results.summary = summary
  results.machine = machineInfo()
  process.stdout.write(JSON.stringify(results.summary) + '\n')
  if (!args.quick) {
    const rows = summary.map((s) => `| ${s.name} | ${s.lines.toLocaleString('en-US')} | ${s.median.toFixed(2)} | ${s.min.toFixed(2)}-${s.max.toFixed(2)} | ${Math.round(s.msgsPerS).toLocaleString('en-US')} | ${s.mbPerS.toFixed(1)} | ${s.ratioToKcat?.toFixed(2) ?? '-'} |`)
    const m = results.machine
    writeResults('core', [
      '# Core throughput beside kcat and KafkaJS', '',
      `${results.date}; ${ROUNDS} interleaved rounds; ${m.cpus} cores (${m.cpu}), Node ${m.node}, librdkafka ${m.librdkafka}, KafkaJS ${m.kafkajs}.`,
      'Whole-process wall time (the process reads its line file, connects, sends, waits for the last acknowledgement, exits); every run counted in its topic.',
      'MB/s: record values only. × kcat: by rate. KafkaJS sends without compression (its lz4 needs a separate codec package); the others use lz4.',
      'core: the default options (no per-record header on a JSON line); core-all-headers: `logHeaders: true` (content-type, log-id, level on these lines); core-all-headers-jemalloc: the same with jemalloc preloaded (`LD_PRELOAD=libjemalloc.so.2`); core-platformatic: the default options on the second engine, @platformatic/kafka (pure JS).', '',
      '| contender | lines | median s | range s | msgs/s | MB/s | × kcat |', '|---|---|---|---|---|---|---|', ...rows, '',
      '**pino-kafka** (the npm package, a pino transport over node-rdkafka 2.x) is not in the table: see the Reading below.', ''], results)
  }
} finally {
  await broker?.stop()
}
