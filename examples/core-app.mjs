// A small "application" that logs through the core producer: run by the demo, or alone:
//   KAFKA_BROKERS=127.0.0.1:19092 node examples/core-app.mjs [topic] [count]
import { KafkaLogProducer } from 'kafka-log-transport'

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092'
const topic = process.argv[2] ?? 'app-logs'
const count = Number(process.argv[3] ?? 20000)
const services = ['checkout', 'payments', 'search']
const levels = [[30, 'info'], [30, 'info'], [30, 'info'], [20, 'debug'], [40, 'warn'], [50, 'error']]

const producer = new KafkaLogProducer({ brokers, topic, key: 'reqId' })
producer.on('error', (err) => console.error(`[app] ${err.code}: ${err.message}`))

const t0 = performance.now()
let i = 0
// log in bursts so the event loop breathes, like a busy service does
await new Promise((resolve) => {
  const burst = () => {
    for (let n = 0; n < 1000 && i < count; n++, i++) {
      const [level] = levels[i % levels.length]
      producer.write({ level, time: Date.now(), service: services[i % services.length], reqId: `req-${i % 500}`, msg: `handled request ${i}` })
    }
    if (i < count) setImmediate(burst)
    else resolve()
  }
  burst()
})
const result = await producer.close(30000)
const seconds = (performance.now() - t0) / 1000
console.log(JSON.stringify({ written: count, ...result, seconds, metrics: producer.metrics() }))
process.exitCode = result.delivered === count ? 0 : 1
