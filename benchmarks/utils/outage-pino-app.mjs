// The app of benchmarks/outage-app.bench.mjs: pino logging ~250-byte lines at RATE a second
// through WIRING with the default options, for SECONDS; every second it prints
// { t, rss } with the RSS of its whole process tree (the worker target's producer process
// included), and at the end { final: true }.
//   node outage-pino-app.mjs <worker|destination> <brokers> <topic> <rate> <seconds>
import pino from 'pino'
import { treeRss } from './tree-rss.mjs'

const [wiring, brokers, topic, rate, seconds] = process.argv.slice(2)
const options = { brokers, topic }
const { kafkaDestination } = wiring === 'destination' ? await import('kafka-log-transport/pino') : {}
const log = pino({}, wiring === 'destination' ? kafkaDestination(options) : pino.transport({ target: 'kafka-log-transport/pino', options }))
log.on?.('error', () => {})


const t0 = performance.now()
const perMs = Number(rate) / 1000
let i = 0
const pad = 'x'.repeat(120)
const tick = setInterval(() => {
  const due = Math.floor((performance.now() - t0) * perMs)
  for (; i < due; i++) log.info({ i, req: { id: `req-${i}`, route: '/api/v1/orders' }, user: { id: i % 5000 }, pad }, 'order priced')
}, 10)
const sampler = setInterval(() => {
  process.stdout.write(JSON.stringify({ t: Math.round((performance.now() - t0) / 1000), rss: treeRss(), written: i }) + '\n')
}, 1000)
setTimeout(() => {
  clearInterval(tick)
  clearInterval(sampler)
  process.stdout.write(JSON.stringify({ final: true, written: i }) + '\n')
  process.exit(0)
}, Number(seconds) * 1000)
