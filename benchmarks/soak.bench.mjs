// Soak (issue #33): a Fastify app on each of the pino worker target and kafkaDestination(),
// each logging RATE lines a second into a 3-node cluster of its own (RF 3,
// min.insync.replicas 2) for MINUTES, while every PERIOD minutes one broker goes away for
// 20 s: by turns killed (SIGKILL of a partition leader) and restarted cleanly (SIGTERM).
// Every 30 s: RSS of each app's whole process tree, its heap, event-loop delay p99, lines
// written, records in Kafka. At the end every record is read back: each line's `seq` must be
// there once (lost and doubled lines counted).
//   node benchmarks/soak.bench.mjs [--minutes 30] [--rate 5000] [--period 5]
// Not part of `npm test` or `npm run bench`. Writes benchmarks/RESULTS-soak.md and results-soak.json.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import Kafka from 'node-rdkafka'
import { countRecords, createTopic, topicPartitions } from '../test/helpers/kafka.mjs'
import { startCluster } from '../test/kafka/harness.mjs'
import { OWN_BROKER_PORTS } from '../test/kafka/ports.mjs'
import { machineInfo, writeResults } from './utils/results.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({ options: { minutes: { type: 'string' }, rate: { type: 'string' }, period: { type: 'string' } } })
const MINUTES = Number(args.minutes ?? 30)
const RATE = Number(args.rate ?? 5000)
const PERIOD_MS = Number(args.period ?? 5) * 60000
const AWAY_MS = 20000
const WIRINGS = ['worker', 'destination']
const log = (m) => process.stderr.write(`[soak] ${new Date().toISOString().slice(11, 19)} ${m}\n`)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const mib = (b) => Math.round(b / 1048576)

const cluster = await startCluster({ ports: OWN_BROKER_PORTS['soak.bench'], log })
const bootstrap = cluster.brokers
try {
  const runId = Date.now()
  const apps = []
  for (const wiring of WIRINGS) {
    const topic = await createTopic(`soak-${wiring}-${runId}`, { partitions: 6, replicationFactor: 3, config: { 'min.insync.replicas': '2' }, bootstrap })
    const child = spawn(process.execPath, [path.join(here, 'utils', 'soak-app.mjs'), wiring, bootstrap, topic, String(RATE)], { stdio: ['ignore', 'pipe', 'pipe'] })
    const app = { wiring, topic, child, samples: [], final: undefined, port: 0, answered: 0, asked: 0, exited: once(child, 'exit') }
    createInterface({ input: child.stdout }).on('line', (l) => {
      const x = JSON.parse(l)
      if (x.final) app.final = x
      else app.samples.push(x)
    })
    child.stderr.on('data', (d) => {
      const m = /listening (\d+)/.exec(String(d))
      if (m) app.port = Number(m[1])
      else process.stderr.write(`[${wiring}] ${d}`)
    })
    apps.push(app)
  }
  for (const end = Date.now() + 30000; apps.some((a) => a.port === 0) && Date.now() < end;) await sleep(100)
  const t0 = Date.now()
  // a request a second to each app: it must keep answering
  const pinger = setInterval(() => {
    for (const a of apps) {
      a.asked++
      http.get({ host: '127.0.0.1', port: a.port, path: '/', agent: false }, (res) => { res.resume(); if (res.statusCode === 200) a.answered++ }).on('error', () => {})
    }
  }, 1000)
  const faults = []
  const inKafka = []
  let nextFault = t0 + PERIOD_MS
  let nextCount = t0 + 30000
  for (let k = 0; Date.now() - t0 < MINUTES * 60000;) {
    await sleep(1000)
    if (Date.now() >= nextCount) {
      nextCount += 30000
      const row = { t: Math.round((Date.now() - t0) / 1000) }
      for (const a of apps) row[a.wiring] = await countRecords(a.topic, { bootstrap }).catch(() => undefined)
      inKafka.push(row)
    }
    if (Date.now() >= nextFault && Date.now() - t0 < MINUTES * 60000 - AWAY_MS - 30000) {
      nextFault += PERIOD_MS
      const how = k++ % 2 === 0 ? 'SIGKILL' : 'SIGTERM'
      const leader = (await topicPartitions(apps[0].topic, { bootstrap }))[0]?.leader
      const node = cluster.nodes.find((n) => n.nodeId === leader) ?? cluster.nodes[0]
      const at = Math.round((Date.now() - t0) / 1000)
      log(`${how} to node ${node.nodeId} (leader of partition 0) at ${at} s; back in ${AWAY_MS / 1000} s`)
      node.signal(how)
      await node.waitExit(30000)
      await sleep(AWAY_MS)
      node.start()
      await node.waitReady({ expectBrokers: 3, timeoutMs: 90000 })
      faults.push({ at, how, node: node.nodeId, backAt: Math.round((Date.now() - t0) / 1000) })
    }
  }
  clearInterval(pinger)
  log('stopping the apps (SIGTERM: their own handler closes the server and exits)')
  for (const a of apps) a.child.kill('SIGTERM')
  await Promise.all(apps.map((a) => Promise.race([a.exited, sleep(60000)])))
  await sleep(5000) // the worker target's producer process delivers what reached it
  const summary = {}
  for (const a of apps) {
    const written = a.final?.written ?? a.samples.at(-1)?.written ?? 0
    log(`${a.wiring}: reading ${a.topic} back (${written} lines written)`)
    const read = await readBack(a.topic, written)
    const steady = a.samples.filter((s) => s.t >= 60)
    summary[a.wiring] = {
      written,
      ...read,
      answered: a.answered,
      asked: a.asked,
      rssFirstMinuteMiB: mib(a.samples.find((s) => s.t >= 60)?.rss ?? 0),
      rssMaxMiB: mib(Math.max(...a.samples.map((s) => s.rss))),
      rssLastMiB: mib(a.samples.at(-1)?.rss ?? 0),
      heapMaxMiB: mib(Math.max(...a.samples.map((s) => s.heap))),
      eldP99MaxMs: Math.max(...steady.map((s) => s.eldP99Ms)),
      eldP99MedianMs: median(steady.map((s) => s.eldP99Ms))
    }
    log(`${a.wiring}: ${JSON.stringify(summary[a.wiring])}`)
  }
  const result = { date: new Date().toISOString(), machine: machineInfo(), minutes: MINUTES, rate: RATE, periodMin: PERIOD_MS / 60000, faults, summary, inKafka, samples: Object.fromEntries(apps.map((a) => [a.wiring, a.samples])) }
  writeResults('soak', markdown(result), result)
} finally {
  await cluster.stop()
}

function median (xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? 0
}

/** Read `topic` to its end; count each `seq` below `written`: how many are missing, how many came twice, how many records are other lines (Fastify's own). */
async function readBack (topic, written) {
  const seen = new Uint8Array(written)
  const consumer = new Kafka.KafkaConsumer({ 'metadata.broker.list': bootstrap, 'group.id': `soak-${Date.now()}`, 'enable.auto.commit': false }, {})
  await new Promise((resolve, reject) => consumer.connect({ timeout: 30000 }, (err) => (err ? reject(err) : resolve())))
  const partitions = (await topicPartitions(topic, { bootstrap })).map((p) => p.id)
  const ends = new Map()
  for (const p of partitions) {
    const w = await new Promise((resolve, reject) => consumer.queryWatermarkOffsets(topic, p, 10000, (err, o) => (err ? reject(err) : resolve(o))))
    ends.set(p, w.highOffset)
  }
  consumer.assign(partitions.map((p) => ({ topic, partition: p, offset: 0 })))
  let doubled = 0
  let other = 0
  let records = 0
  const done = new Set(partitions.filter((p) => ends.get(p) === 0))
  const SEQ = /"seq":(\d+)/
  while (done.size < partitions.length) {
    const batch = await new Promise((resolve, reject) => consumer.consume(10000, (err, m) => (err ? reject(err) : resolve(m))))
    for (const m of batch) {
      records++
      const s = SEQ.exec(m.value.toString('latin1'))
      if (s === null || Number(s[1]) >= written) other++
      else if (seen[Number(s[1])]++ > 0) doubled++
      if (m.offset + 1 >= ends.get(m.partition)) done.add(m.partition)
    }
  }
  await new Promise((resolve) => consumer.disconnect(() => resolve()))
  let lost = 0
  for (let i = 0; i < written; i++) if (seen[i] === 0) lost++
  return { records, lost, doubled, other }
}

function markdown (r) {
  const rows = WIRINGS.map((w) => {
    const s = r.summary[w]
    return `| ${w} | ${s.written} | ${s.lost} | ${s.doubled} | ${s.answered}/${s.asked} | ${s.rssFirstMinuteMiB} | ${s.rssMaxMiB} | ${s.rssLastMiB} | ${s.heapMaxMiB} | ${s.eldP99MedianMs.toFixed(1)} / ${s.eldP99MaxMs.toFixed(1)} |`
  })
  const over = (w) => r.samples[w].filter((_, i) => i % 6 === 5).map((s) => `| ${w} | ${s.t} | ${mib(s.rss)} | ${mib(s.heap)} | ${s.eldP99Ms.toFixed(1)} | ${s.written} |`)
  return [
    '# Soak: 30 minutes of logging through broker faults',
    '',
    `Run ${r.date} (${r.machine.cpus} cores, Node ${r.machine.node}): ${r.minutes} min, a Fastify app per wiring logging ${r.rate} lines/s`,
    `into a 3-node cluster (RF 3, min.insync.replicas 2); every ${r.periodMin} min one broker (the leader of partition 0)`,
    `went away for ${AWAY_MS / 1000} s, by turns SIGKILL and SIGTERM, then came back. RSS: the app's whole process tree (the`,
    "worker target's producer process included). Made by `node benchmarks/soak.bench.mjs`.",
    '',
    '| wiring | lines written | lost | doubled | requests answered | RSS at 1 min (MiB) | RSS max | RSS at end | heap max | event-loop p99 median / max (ms, with the 10 ms sampling interval) |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Faults: ' + r.faults.map((f) => `${f.how} node ${f.node} at ${f.at} s (back at ${f.backAt} s)`).join('; ') + '.',
    '',
    'Every minute:',
    '',
    '| wiring | t (s) | RSS (MiB) | heap (MiB) | event-loop p99 (ms) | lines written |',
    '|---|---|---|---|---|---|',
    ...WIRINGS.flatMap(over),
    ''
  ]
}
