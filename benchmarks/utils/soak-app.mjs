// The service of benchmarks/soak.bench.mjs: Fastify with pino's request logging, through the
// worker target or the main-thread destination, logging RATE lines a second of its own
// (each carrying `seq`, 0, 1, 2, ...) and serving the soak's requests.
//   node soak-app.mjs <worker|destination> <brokers> <topic> <rate>
// stderr: `listening <port>`. stdout, every 10 s: { t, rss (this process and its children,
// the worker target's producer process among them), heap, eldP99Ms, written }. On SIGTERM
// it closes its server, prints { final: true, written } and exits through its own handler.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import pino from 'pino'
import { treeRss } from './tree-rss.mjs'
import Fastify from 'fastify'

const [wiring, brokers, topic, rate] = process.argv.slice(2)
// a broker restart every few minutes is the point: a record waits for it rather than failing
const options = { brokers, topic, logHeaders: ['log-id'], messageTimeoutMs: 300000 }
const { kafkaDestination } = wiring === 'destination' ? await import('kafka-log-transport/pino') : {}
const stream = wiring === 'destination' ? kafkaDestination(options) : pino.transport({ target: 'kafka-log-transport/pino', options })
const log = pino({}, stream)
const app = Fastify({ loggerInstance: log })
app.get('/', async () => ({ ok: true }))
await app.listen({ port: 0, host: '127.0.0.1' })
process.stderr.write(`listening ${app.server.address().port}\n`)


const eld = monitorEventLoopDelay({ resolution: 10 })
eld.enable()
const t0 = performance.now()
let seq = 0
const perMs = Number(rate) / 1000
const tick = setInterval(() => {
  // catch up on the schedule, so a slow tick does not lower the rate
  const due = Math.floor((performance.now() - t0) * perMs)
  for (; seq < due; seq++) log.info({ seq, user: { id: seq % 5000, plan: seq % 2 ? 'pro' : 'free' }, route: '/api/v1/orders' }, 'order priced')
}, 10)
const sampler = setInterval(() => {
  const m = process.memoryUsage()
  process.stdout.write(JSON.stringify({ t: Math.round((performance.now() - t0) / 1000), rss: treeRss(), heap: m.heapUsed, eldP99Ms: eld.percentile(99) / 1e6, written: seq }) + '\n')
  eld.reset()
}, 10000)

process.once('SIGTERM', () => {
  clearInterval(tick)
  clearInterval(sampler)
  void app.close().then(() => {
    process.stdout.write(JSON.stringify({ final: true, written: seq }) + '\n')
    process.exit(0)
  })
})
