// A steady logger for the latency and outage benchmarks:
//   node steady-app.mjs <brokers> <topic> <logs-per-second> <seconds> [maxBufferBytes]
// Writes pino-shaped records through the core at a steady rate (every 10 ms, rate/100),
// with a delivery report per record (write-to-ack latency histogram). Once a second it
// prints a JSON line { t, rss, buffered, written, delivered, dropped }; at the end it
// closes (up to 120 s) and prints { final: true, ...metrics }.
import { KafkaLogProducer } from 'kafka-log-transport'
import { pinoLine } from './lines.mjs'

const [brokers, topic, rate, seconds, maxBufferBytes] = process.argv.slice(2)
const producer = new KafkaLogProducer({
  brokers, topic, key: 'reqId', deliveryReports: 'all', exitHook: false, connectTimeoutMs: 120000,
  ...(maxBufferBytes ? { maxBufferBytes: Number(maxBufferBytes), maxBufferMessages: 10000000 } : {})
})
producer.on('error', () => {}) // broker outages are the point of the exercise
await producer.connect()
// topic metadata and the first batch's set-up before the clock starts (counted, one record)
producer.write(pinoLine(-1, Date.now()))
await producer.flush(30000)
const perTick = Number(rate) / 100
const t0 = performance.now()
let i = 0
const sample = () => {
  const m = producer.metrics()
  process.stdout.write(JSON.stringify({ t: Math.round((performance.now() - t0) / 1000), rss: process.memoryUsage.rss(), buffered: m.buffered, bufferedBytes: m.bufferedBytes, written: m.written, delivered: m.delivered, dropped: m.dropped, failed: m.failed }) + '\n')
}
const sampler = setInterval(sample, 1000)
await new Promise((resolve) => {
  const tick = setInterval(() => {
    // catch up on the schedule, so a slow tick does not lower the rate
    const due = Math.min(Math.floor(((performance.now() - t0) / 10) * perTick), Number(rate) * Number(seconds))
    for (; i < due; i++) producer.write(pinoLine(i, Date.now()))
    if (i >= Number(rate) * Number(seconds)) {
      clearInterval(tick)
      resolve()
    }
  }, 10)
})
sample()
const result = await producer.close(120000)
clearInterval(sampler)
const m = producer.metrics()
process.stdout.write(JSON.stringify({ final: true, ...result, written: m.written, dropped: m.dropped, failed: m.failed, latencyMs: m.latencyMs, rss: process.memoryUsage.rss() }) + '\n')
