// The app of benchmarks/outage-app.bench.mjs: pino logging ~250-byte lines at RATE a second
// through WIRING with the default options, for SECONDS; every second it prints
// { t, rss, appRss, heapTotal, heapUsed, external } with the RSS of its whole process tree (the
// worker target's producer process included) and its own process's memory, and at the end { final: true }.
//   node outage-pino-app.mjs <worker|destination> <brokers> <topic> <rate> <seconds>
import pino from 'pino'
import { logAtRate } from '../../test/helpers/log-load.mjs'
import { getHeapSpaceStatistics } from 'node:v8'
import { treeRss } from './tree-rss.mjs'

const [wiring, brokers, topic, rate, seconds] = process.argv.slice(2)
const options = { brokers, topic }
const { kafkaDestination } = wiring === 'destination' ? await import('kafka-log-transport/pino') : {}
const log = pino({}, wiring === 'destination' ? kafkaDestination(options) : pino.transport({ target: 'kafka-log-transport/pino', options }))
log.on?.('error', () => {})


const t0 = performance.now()
const load = logAtRate(log, rate)
const sampler = setInterval(() => {
  const m = process.memoryUsage()
  process.stdout.write(JSON.stringify({ t: Math.round((performance.now() - t0) / 1000), rss: treeRss(), appRss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, spaces: Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, x.space_size])), written: load.written() }) + '\n')
}, 1000)
setTimeout(() => {
  load.stop()
  clearInterval(sampler)
  process.stdout.write(JSON.stringify({ final: true, written: load.written() }) + '\n')
  process.exit(0)
}, Number(seconds) * 1000)
