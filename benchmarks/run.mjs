// `npm run bench`: every benchmark, one after another, against one broker (KAFKA_BROKERS,
// or the one `npm run kafka:start` left, or one started here), then benchmarks/RESULTS.md
// gathering their summaries. Each benchmark also writes its own RESULTS-*.md and JSON.
//   npm run bench [-- --quick]   (--quick: small counts, one round, nothing written; a smoke run)
//   node benchmarks/run.mjs --report   (rewrite RESULTS.md from results.json and the RESULTS-*.md
//                                      files, e.g. after editing a hand-written reading; runs nothing)
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchBroker } from './utils/broker.mjs'
import { machineInfo } from './utils/results.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const quick = process.argv.includes('--quick')
const reportOnly = process.argv.includes('--report')
const log = (m) => process.stderr.write(`[bench] ${m}\n`)
// outage.bench.mjs starts a broker of its own (it stops it in the middle)
const BENCHES = ['app', 'core', 'pino', 'winston', 'latency', 'outage', 'spool']

const summaries = {}
let failed = 0
let date = new Date().toISOString()
// --report: the Node of the run that measured, not of this process
let node = process.version
if (reportOnly) {
  const saved = JSON.parse(fs.readFileSync(path.join(here, 'results.json'), 'utf8'))
  Object.assign(summaries, saved.summaries)
  date = saved.date
  node = saved.machine?.node ?? node
} else {
  await runAll()
}

async function runAll () {
  const broker = await benchBroker(log)
  try {
    for (const name of BENCHES) {
      log(`--- ${name}${quick ? ' (quick)' : ''}`)
      const r = spawnSync(process.execPath, [path.join(here, `${name}.bench.mjs`), ...(quick ? ['--quick'] : [])],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, KAFKA_BROKERS: broker.brokers }, maxBuffer: 1 << 26 })
      if (r.status !== 0) {
        failed++
        log(`${name} failed (${r.status ?? r.signal})`)
        continue
      }
      summaries[name] = JSON.parse(r.stdout.trim().split('\n').pop())
    }
  } finally {
    await broker.stop()
  }
  process.stdout.write(JSON.stringify(summaries) + '\n')
}
/** Issue #8's goals, each beside this run's figure. */
function targets (s) {
  const find = (list, key, name) => list?.find((x) => x[key] === name)
  const core = find(s.core, 'name', 'core')
  const perSend = find(s.core, 'name', 'kafkajs-per-send')
  const worker = find(s.pino?.e2e, 'name', 'worker')
  const workerCall = find(s.pino?.perCall, 'mode', 'worker')
  const destCall = find(s.pino?.perCall, 'mode', 'destination')
  const x = (v) => v === undefined ? '-' : `${v.toFixed(2)}x`
  const rows = [
    ['core ≥ 1.0x kcat', x(core?.ratioToKcat), core && core.ratioToKcat >= 1],
    ['pino worker target ≥ 0.8x kcat (end to end)', x(worker?.ratioToKcat), worker && worker.ratioToKcat >= 0.8],
    ['core ≥ 3x the KafkaJS per-send transport', x(core && perSend && core.msgsPerS / perSend.msgsPerS), core && perSend && core.msgsPerS / perSend.msgsPerS >= 3],
    ['app-thread cost, worker target ≤ 1.2x pino → /dev/null', x(workerCall?.ratioToDevnull), workerCall && workerCall.ratioToDevnull <= 1.2],
    ['app-thread cost, destination ≤ 2x pino → /dev/null', x(destCall?.ratioToDevnull), destCall && destCall.ratioToDevnull <= 2],
    ['write-to-ack p99 ≤ 20 ms at 10,000 logs/s', s.latency ? `${s.latency.p99} ms` : '-', s.latency && s.latency.p99 <= 20],
    ['RSS growth ≤ buffer + 80 MiB in a 60 s outage', s.outage ? `${s.outage.rssGrowthMiB} MiB (buffer ${s.outage.maxBufferMiB} MiB)` : '-', s.outage && s.outage.rssGrowthMiB <= s.outage.maxBufferMiB + 80],
    ['outage: delivered + dropped + failed = written', s.outage ? String(s.outage.accountedFor) : '-', s.outage?.accountedFor === true]
  ]
  const app = (w) => s.app?.rows?.find((r) => r.wiring === w)
  for (const [w, label] of [['worker', 'worker target'], ['destination', 'kafkaDestination()']]) {
    rows.push([`real app (#18): ${label} ≥ 0.90x pino → no-op stream in req/s`, x(app(w)?.ratio), app(w) && app(w).ratio >= 0.9])
    rows.push([`real app (#18): ${label} shipping CPU per line ≤ 1.5x kcat's`, app(w) ? `${app(w).shipUsPerLine.toFixed(1)} µs, ${x(app(w).shipToKcat)}` : '-', app(w) && app(w).shipToKcat <= 1.5])
  }
  rows.push(['core (#18) ≥ 0.5x kcat, default options', x(core?.ratioToKcat), core && core.ratioToKcat >= 0.5])
  return ['| goal | this run | met |', '|---|---|---|', ...rows.map(([goal, figure, met]) => `| ${goal} | ${figure} | ${met ? 'yes' : '**no**'} |`), '']
}

if (!quick && failed === 0) {
  if (!reportOnly) fs.writeFileSync(path.join(here, 'results.json'), JSON.stringify({ date, machine: machineInfo(), summaries }, null, 2) + '\n')
  const part = (name, title) => {
    const file = path.join(here, `RESULTS-${name}.md`)
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(1).join('\n').trim() : '(not run)'
    return [`## ${title}`, '', text.replace(/^## /gm, '### '), '']
  }
  fs.writeFileSync(path.join(here, 'RESULTS.md'), [
    '# kafka-log-transport benchmarks', '',
    `${date}; ${os.cpus().length} cores (${os.cpus()[0]?.model}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${node}. ` +
    'Produced by `npm run bench`; every figure beside kcat or a baseline measured in the same run. ' +
    'Every figure, with machine and versions: `results.json` (and `results-*.json` per benchmark).', '',
    '## Goals (issues #8 and #18)', '', ...targets(summaries),
    ...part('app', 'The cost to a real app'),
    ...part('core', 'Throughput: the core beside kcat and KafkaJS'),
    ...part('pino', 'pino: app-thread cost and end to end'),
    ...part('winston', 'winston: per-call cost and end to end'),
    ...part('latency', 'Latency at a steady rate'),
    ...part('outage', 'Memory under an outage'),
    ...part('spool', 'The durable spool')
  ].join('\n'))
}
process.exitCode = failed > 0 ? 1 : 0
