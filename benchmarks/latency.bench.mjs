// Write-to-acknowledgement latency through the core at a steady 10,000 logs/s (issue #8):
// p50/p99/p999 from the core's histogram (a delivery report per record), ROUNDS runs.
//   node benchmarks/latency.bench.mjs [--quick] [--rounds N] [--seconds N] [--rate N]
// Writes benchmarks/RESULTS-latency.md and results-latency.json (not in --quick mode).
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { countRecords, createTopic } from '../test/helpers/kafka.mjs'
import { benchBroker } from './utils/broker.mjs'
import { machineInfo, writeResults } from './utils/results.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, rounds: { type: 'string' }, seconds: { type: 'string' }, rate: { type: 'string' } } })
const RATE = Number(args.rate ?? 10000)
const SECONDS = Number(args.seconds ?? (args.quick ? 2 : 20))
const ROUNDS = Number(args.rounds ?? (args.quick ? 1 : 3))
const log = (m) => process.stderr.write(`[bench] ${m}\n`)

let broker
const results = { date: new Date().toISOString(), rate: RATE, seconds: SECONDS, rounds: ROUNDS, runs: [], machine: machineInfo() }
try {
  broker = await benchBroker(log)
  for (let round = 1; round <= ROUNDS; round++) {
    const topic = await createTopic(`bench-latency-${Date.now()}`, { partitions: 6, bootstrap: broker.brokers })
    const r = spawnSync(process.execPath, [path.join(here, 'utils', 'steady-app.mjs'), broker.brokers, topic, String(RATE), String(SECONDS)], { encoding: 'utf8', maxBuffer: 1 << 26 })
    if (r.status !== 0) throw new Error(`steady-app failed: ${r.stderr}`)
    const final = JSON.parse(r.stdout.trim().split('\n').pop())
    const inTopic = await countRecords(topic, { bootstrap: broker.brokers })
    if (inTopic !== RATE * SECONDS + 1 || final.delivered !== inTopic) throw new Error(`round ${round}: ${inTopic} in topic, ${final.delivered} delivered, ${RATE * SECONDS} written`)
    const ms = Object.fromEntries(Object.entries(final.latencyMs).map(([k, v]) => [k, k === 'count' ? v : Math.round(v * 10) / 10]))
    results.runs.push({ round, ...ms })
    log(`round ${round}: p50 ${ms.p50} ms, p99 ${ms.p99} ms, p999 ${ms.p999} ms, max ${ms.max} ms; ${inTopic} records counted`)
  }
  const med = (k) => [...results.runs.map((x) => x[k])].sort((a, b) => a - b)[Math.floor(results.runs.length / 2)]
  results.summary = { p50: med('p50'), p99: med('p99'), p999: med('p999'), max: med('max') }
  process.stdout.write(JSON.stringify(results.summary) + '\n')
  if (!args.quick) {
    writeResults('latency', [
      '# Write-to-acknowledgement latency at a steady rate', '',
      `${results.date}; ${RATE.toLocaleString('en-US')} logs/s for ${SECONDS} s, ${ROUNDS} run(s); acks=all, lz4, linger 5 ms, 6 partitions; a delivery report per record; one warm-up record before the clock starts. Produced by \`node benchmarks/latency.bench.mjs\`.`, '',
      '| run | p50 ms | p99 ms | p999 ms | max ms |', '|---|---|---|---|---|',
      ...results.runs.map((x) => `| ${x.round} | ${x.p50} | ${x.p99} | ${x.p999} | ${x.max} |`),
      `| median | ${results.summary.p50} | ${results.summary.p99} | ${results.summary.p999} | ${results.summary.max} |`, '',
      'Goal (issue #8): p99 ≤ 20 ms.', ''], results)
  }
} finally {
  await broker?.stop()
}
