// Memory under a broker outage (issue #8): 10,000 logs/s through the core while the broker
// (this benchmark's own, so it may be stopped) is down for OUTAGE seconds, maxBufferBytes
// 32 MiB. RSS is sampled every second; after the broker returns, every record must be
// accounted for (delivered + dropped + failed = written) and the topic must hold exactly
// the delivered ones.
//   node benchmarks/outage.bench.mjs [--quick] [--outage S] [--rate N]
// Writes benchmarks/RESULTS-outage.md and results-outage.json (not in --quick mode).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { countRecords, createTopic } from '../test/helpers/kafka.mjs'
import { startSingle } from '../test/kafka/harness.mjs'
import { ownPort } from '../test/kafka/ports.mjs'
import { machineInfo, writeResults } from './utils/results.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, outage: { type: 'string' }, rate: { type: 'string' } } })
const RATE = Number(args.rate ?? 10000)
const OUTAGE = Number(args.outage ?? (args.quick ? 4 : 60))
const BEFORE = args.quick ? 2 : 5
const AFTER = args.quick ? 3 : 10
const BUFFER = 32 * 1024 * 1024
const PORT = ownPort('outage.bench') // a broker of its own, apart from the tests' (see test/kafka/ports.mjs)
const log = (m) => process.stderr.write(`[bench] ${m}\n`)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const kafka = await startSingle({ port: PORT })
try {
  const node = kafka.nodes[0]
  const topic = await createTopic(`bench-outage-${Date.now()}`, { partitions: 6, bootstrap: kafka.brokers })
  const seconds = BEFORE + OUTAGE + AFTER
  const app = spawn(process.execPath, [path.join(here, 'utils', 'steady-app.mjs'), kafka.brokers, topic, String(RATE), String(seconds), String(BUFFER)], { stdio: ['ignore', 'pipe', 'inherit'] })
  const samples = []
  let final
  createInterface({ input: app.stdout }).on('line', (l) => {
    const x = JSON.parse(l)
    if (x.final) final = x
    else samples.push(x)
  })
  const exited = once(app, 'exit')
  await sleep(BEFORE * 1000)
  log(`stopping the broker for ${OUTAGE} s`)
  node.signal('SIGKILL')
  await node.waitExit(10000)
  await sleep(OUTAGE * 1000)
  log('starting the broker again')
  node.start()
  await node.waitReady({ timeoutMs: 60000 })
  await exited
  if (final === undefined) throw new Error('the app printed no final line')
  const inTopic = await countRecords(topic, { bootstrap: kafka.brokers })
  const rssBefore = samples.filter((s) => s.t <= BEFORE).at(-1)?.rss ?? samples[0]?.rss
  const rssMax = Math.max(...samples.map((s) => s.rss))
  const mib = (b) => Math.round(b / 1048576)
  const summary = {
    rate: RATE, outageS: OUTAGE, maxBufferMiB: mib(BUFFER), rssBeforeMiB: mib(rssBefore), rssMaxMiB: mib(rssMax), rssGrowthMiB: mib(rssMax - rssBefore),
    written: final.written, delivered: final.delivered, dropped: final.dropped, failed: final.failed, pending: final.pending, inTopic,
    accountedFor: final.delivered + final.dropped + final.failed + final.pending === final.written && inTopic === final.delivered
  }
  log(JSON.stringify(summary))
  process.stdout.write(JSON.stringify(summary) + '\n')
  if (!summary.accountedFor) throw new Error('records not accounted for')
  if (!args.quick) {
    writeResults('outage', [
      '# Memory under a broker outage', '',
      `${new Date().toISOString()}; ${RATE.toLocaleString('en-US')} logs/s, broker killed (SIGKILL) after ${BEFORE} s and started again ${OUTAGE} s later, maxBufferBytes ${summary.maxBufferMiB} MiB, overflow dropOldest. Produced by \`node benchmarks/outage.bench.mjs\`.`, '',
      '| RSS before | RSS max | growth | written | delivered | dropped | failed | in topic |', '|---|---|---|---|---|---|---|---|',
      `| ${summary.rssBeforeMiB} MiB | ${summary.rssMaxMiB} MiB | ${summary.rssGrowthMiB} MiB | ${summary.written} | ${summary.delivered} | ${summary.dropped} | ${summary.failed} | ${summary.inTopic} |`, '',
      `Goal (issue #8): RSS ≤ buffer + 80 MiB, i.e. growth ≤ ${summary.maxBufferMiB + 80} MiB; delivered + dropped + failed = written: ${summary.accountedFor ? 'yes' : 'NO'}.`, '',
      '## RSS per second', '', '| s | RSS MiB | buffered | written | delivered | dropped |', '|---|---|---|---|---|---|',
      ...samples.map((s) => `| ${s.t} | ${mib(s.rss)} | ${s.buffered} | ${s.written} | ${s.delivered} | ${s.dropped} |`), ''],
    { date: new Date().toISOString(), summary, samples, machine: machineInfo() })
  }
} finally {
  await kafka.stop()
}
