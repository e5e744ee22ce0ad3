// Core throughput beside kcat: N pino-shaped NDJSON lines (~265 bytes) into a fresh
// 6-partition topic per run, acks=all, lz4, idempotence on, key = the line's reqId,
// murmur2_random. Contenders alternate (A B A B ...); each is timed as a whole process,
// first write to last acknowledgement, and every run is verified by counting the topic.
//   node benchmarks/core.bench.mjs [--quick] [--rounds N] [--lines N]
// Writes benchmarks/RESULTS-core.md and benchmarks/results-core.json (not in --quick mode).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createRequire } from 'node:module'
import { benchBroker } from './utils/broker.mjs'
import { countRecords, createTopic } from '../test/helpers/kafka.mjs'
import { ensureLines } from './utils/lines.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, rounds: { type: 'string' }, lines: { type: 'string' } } })
const LINES = Number(args.lines ?? (args.quick ? 20000 : 1000000))
const ROUNDS = Number(args.rounds ?? (args.quick ? 1 : 3))
const log = (m) => process.stderr.write(`[bench] ${m}\n`)

function hasKcat () {
  return spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0
}

const contenders = {
  kcat: (brokers, topic, files) => ['kcat', ['-P', '-b', brokers, '-t', topic, '-K', '\t', '-X', 'acks=all', '-X', 'compression.codec=lz4',
    '-X', 'enable.idempotence=true', '-X', 'partitioner=murmur2_random', '-l', files.keyed]],
  core: (brokers, topic, files) => [process.execPath, [path.join(here, 'utils', 'core-producer.mjs'), brokers, topic, files.plain]],
  // the same without per-record headers: node-rdkafka's produce() pays ~0.5-0.7 µs per header
  'core-no-headers': (brokers, topic, files) => [process.execPath, [path.join(here, 'utils', 'core-producer.mjs'), brokers, topic, files.plain, 'reqId', 'no-headers']]
}

function median (xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

let broker
const results = { date: new Date().toISOString(), lines: LINES, rounds: ROUNDS, runs: [] }
try {
  broker = await benchBroker(log)
  const brokers = broker.brokers
  const files = ensureLines(LINES)
  const names = Object.keys(contenders).filter((n) => n !== 'kcat' || hasKcat())
  if (!names.includes('kcat')) log('kcat is not installed (apt-get install kcat): running without the reference')
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of names) {
      const topic = await createTopic(`bench-${name}-${Date.now()}`, { partitions: 6, bootstrap: brokers })
      const [cmd, argv] = contenders[name](brokers, topic, files)
      const t0 = performance.now()
      const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
      const seconds = (performance.now() - t0) / 1000
      if (r.status !== 0) throw new Error(`${name} failed (${r.status ?? r.signal}): ${r.stderr}`)
      let inTopic = await countRecords(topic, { bootstrap: brokers })
      if (inTopic !== LINES) {
        log(`${name}: ${inTopic} records counted; its output: ${r.stdout.slice(-1500)}`)
        await new Promise((resolve) => setTimeout(resolve, 3000))
        inTopic = await countRecords(topic, { bootstrap: brokers })
        log(`${name}: ${inTopic} records counted 3 s later`)
      }
      const inProcess = name.startsWith('core') ? JSON.parse(r.stdout.trim().split('\n').pop()) : undefined
      results.runs.push({ round, name, seconds, inTopic, inProcessMs: inProcess?.totalMs })
      log(`round ${round} ${name}: ${seconds.toFixed(2)} s, ${inTopic} records in topic`)
      if (inTopic !== LINES) throw new Error(`${name} left ${inTopic} records in ${topic}, expected ${LINES}`)
    }
  }
  const summary = names.map((name) => {
    const runs = results.runs.filter((r) => r.name === name).map((r) => r.seconds)
    return { name, median: median(runs), min: Math.min(...runs), max: Math.max(...runs) }
  })
  const kcat = summary.find((s) => s.name === 'kcat')
  for (const s of summary) s.ratioToKcat = kcat ? kcat.median / s.median : undefined
  results.summary = summary
  const rdkafka = createRequire(import.meta.url)('node-rdkafka')
  results.machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, librdkafka: rdkafka.librdkafkaVersion }
  process.stdout.write(JSON.stringify(results.summary) + '\n')
  if (!args.quick) {
    fs.writeFileSync(path.join(here, 'results-core.json'), JSON.stringify(results, null, 2) + '\n')
    const rows = summary.map((s) => `| ${s.name} | ${s.median.toFixed(2)} | ${s.min.toFixed(2)}-${s.max.toFixed(2)} | ${Math.round(LINES / s.median).toLocaleString('en-US')} | ${s.ratioToKcat?.toFixed(2) ?? '-'} |`)
    fs.writeFileSync(path.join(here, 'RESULTS-core.md'), [
      '# Core throughput beside kcat', '',
      `${results.date}; ${LINES.toLocaleString('en-US')} lines, ${ROUNDS} interleaved rounds; ${results.machine.cpus} cores (${results.machine.cpu}), Node ${results.machine.node}, librdkafka ${results.machine.librdkafka}.`,
      'Whole-process wall time, first write to last acknowledgement; every run counted in its topic.', '',
      '| contender | median s | range s | msgs/s | × kcat |', '|---|---|---|---|---|', ...rows, ''].join('\n'))
  }
} finally {
  await broker?.stop()
}
