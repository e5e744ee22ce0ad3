// `npm run bench`: every benchmark, one after another, against one broker (KAFKA_BROKERS,
// or the one `npm run kafka:start` left, or one started here), then benchmarks/RESULTS.md
// gathering their summaries. Each benchmark also writes its own RESULTS-*.md and JSON.
//   npm run bench [-- --quick]   (--quick: small counts, one round, nothing written; a smoke run)
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchBroker } from './utils/broker.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const quick = process.argv.includes('--quick')
const log = (m) => process.stderr.write(`[bench] ${m}\n`)
// outage.bench.mjs starts a broker of its own (it stops it in the middle)
const BENCHES = ['core', 'pino', 'winston', 'latency', 'outage', 'spool']

const broker = await benchBroker(log)
const summaries = {}
let failed = 0
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
if (!quick && failed === 0) {
  const part = (name, title) => {
    const file = path.join(here, `RESULTS-${name}.md`)
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(1).join('\n').trim() : '(not run)'
    return [`## ${title}`, '', text.replace(/^## /gm, '### '), '']
  }
  fs.writeFileSync(path.join(here, 'RESULTS.md'), [
    '# kafka-log-transport benchmarks', '',
    `${new Date().toISOString()}; ${os.cpus().length} cores (${os.cpus()[0]?.model}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}. ` +
    'Produced by `npm run bench`; every figure beside kcat or a baseline measured in the same run.', '',
    ...part('core', 'Throughput: the core beside kcat'),
    ...part('pino', 'pino: app-thread cost and end to end'),
    ...part('winston', 'winston: per-call cost and end to end'),
    ...part('latency', 'Latency at a steady rate'),
    ...part('outage', 'Memory under an outage'),
    ...part('spool', 'The durable spool')
  ].join('\n'))
}
process.exitCode = failed > 0 ? 1 : 0
