// Memory of an app's whole process tree while Kafka does not answer (issue #33), as a user
// meets it: a pino app logging ~250-byte lines at 20,000 a second with the default options
// (maxBufferBytes 64 MiB), through the worker target and kafkaDestination(). The broker (this
// benchmark's own) is frozen (SIGSTOP) after BEFORE seconds, for OUTAGE seconds. Goal: the
// tree's RSS grows by at most maxBufferBytes + 40 MiB.
//   node benchmarks/outage-app.bench.mjs [--outage 30] [--rate 20000] [--node PATH]... [--wiring destination|worker]...
// --node (repeatable): run the apps on other Node binaries of the same ABI (node-rdkafka is
// built for one). Writes RESULTS-outage-app.md.
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createTopic } from '../test/helpers/kafka.mjs'
import { startSingle } from '../test/kafka/harness.mjs'
import { ownPort } from '../test/kafka/ports.mjs'
import { machineInfo, writeResults } from './utils/results.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({ options: { outage: { type: 'string' }, rate: { type: 'string' }, node: { type: 'string', multiple: true }, wiring: { type: 'string', multiple: true } } })
const OUTAGE = Number(args.outage ?? 30)
const RATE = Number(args.rate ?? 20000)
const BEFORE = 5
const BUFFER_MIB = 64
const nodes = [process.execPath, ...(args.node ?? [])]
const log = (m) => process.stderr.write(`[bench] ${m}\n`)
const mib = (b) => Math.round(b / 1048576)

const rows = []
for (const node of nodes) {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()
  const abi = execFileSync(node, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim()
  if (abi !== process.versions.modules) {
    // node-rdkafka is built for one Node ABI: another Node needs an install of its own (.ci/nodes.sh)
    throw new Error(`--node ${node} is Node ${version} (ABI ${abi}); this install's node-rdkafka is built for ABI ${process.versions.modules}: run the benchmark from an install made with that Node`)
  }
  for (const wiring of args.wiring ?? ['destination', 'worker']) {
    const kafka = await startSingle({ port: ownPort('outage-app.bench') })
    try {
      const topic = await createTopic(`bench-outage-app-${Date.now()}`, { partitions: 6, bootstrap: kafka.brokers })
      const app = spawn(node, [path.join(here, 'utils', 'outage-pino-app.mjs'), wiring, kafka.brokers, topic, String(RATE), String(BEFORE + OUTAGE)], { stdio: ['ignore', 'pipe', 'ignore'] })
      const samples = []
      createInterface({ input: app.stdout }).on('line', (l) => { const x = JSON.parse(l); if (!x.final) samples.push(x) })
      const exited = once(app, 'exit')
      await new Promise((resolve) => setTimeout(resolve, BEFORE * 1000))
      kafka.nodes[0].signal('SIGSTOP')
      log(`${version} ${wiring}: broker frozen for ${OUTAGE} s`)
      await exited
      kafka.nodes[0].signal('SIGCONT')
      const before = samples.filter((s) => s.t <= BEFORE).at(-1)?.rss ?? samples[0]?.rss ?? 0
      const max = Math.max(...samples.map((s) => s.rss))
      const row = { node: version, wiring, rssBeforeMiB: mib(before), rssMaxMiB: mib(max), growthMiB: mib(max - before), goalMiB: BUFFER_MIB + 40, written: samples.at(-1)?.written, samples }
      row.met = row.growthMiB <= row.goalMiB
      log(`${version} ${wiring}: RSS ${row.rssBeforeMiB} -> ${row.rssMaxMiB} MiB (+${row.growthMiB}; goal +${row.goalMiB})`)
      rows.push(row)
    } finally {
      await kafka.stop()
    }
  }
}
writeResults('outage-app', [
  '# Memory of the whole process tree while Kafka does not answer',
  '',
  `${new Date().toISOString()}; ${machineInfo().cpus} cores. A pino app logs ~250-byte lines at ${RATE} a second with the default options`,
  `(maxBufferBytes ${BUFFER_MIB} MiB, overflow dropOldest); its broker is frozen (SIGSTOP) after ${BEFORE} s, for ${OUTAGE} s. RSS of the app and`,
  "every process below it (the worker target's producer process). Goal (issue #33): growth ≤ maxBufferBytes + 40 MiB.",
  'Made by `node benchmarks/outage-app.bench.mjs`.',
  '',
  '| Node | wiring | RSS before (MiB) | RSS max | growth | goal | met |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.node} | ${r.wiring} | ${r.rssBeforeMiB} | ${r.rssMaxMiB} | ${r.growthMiB} | ${r.goalMiB} | ${r.met ? 'yes' : 'no'} |`),
  ''
], { date: new Date().toISOString(), machine: machineInfo(), rate: RATE, outageS: OUTAGE, rows })
