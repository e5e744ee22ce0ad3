// A small "application" logging through pino into Kafka, or alone:
//   KAFKA_BROKERS=127.0.0.1:19092 node examples/pino-app.mjs [topic] [count] [worker|destination]
// worker (default): pino's transport mechanism; the Kafka client runs in a producer process
// of its own, off the app's threads. destination: the Kafka client on the app's main thread.
// Prints one JSON line at the end (what was logged, how long), like core-app.mjs.
import pino from 'pino'
import { kafkaDestination, kafkaTransport } from 'kafka-log-transport/pino'

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092'
const topic = process.argv[2] ?? 'app-logs'
const count = Number(process.argv[3] ?? 20000)
const mode = process.argv[4] ?? 'worker'
const services = ['checkout', 'payments', 'search']
const levels = ['info', 'info', 'info', 'debug', 'warn', 'error']

const options = { brokers, topic, key: 'reqId' } // records of one request land on one partition
// kafkaTransport() is pino.transport({ target: 'kafka-log-transport/pino', options }) plus a
// SIGTERM/SIGINT hook that flushes the worker before the signal ends the process
const stream = mode === 'destination' ? kafkaDestination(options) : kafkaTransport(options)
const logger = pino({ level: 'debug' }, stream)

const t0 = performance.now()
let i = 0
// log in bursts so the event loop breathes, like a busy service does
await new Promise((resolve) => {
  const burst = () => {
    for (let n = 0; n < 1000 && i < count; n++, i++) {
      logger[levels[i % levels.length]]({ service: services[i % services.length], reqId: `req-${i % 500}` }, `handled request ${i}`)
    }
    if (i < count) setImmediate(burst)
    else resolve()
  }
  burst()
})
// end() delivers what was logged (bounded) before 'close'; the worker waits for its producer process
await new Promise((resolve) => {
  const keepAlive = setInterval(() => {}, 1000) // pino unrefs its worker
  stream.once('close', () => {
    clearInterval(keepAlive)
    resolve()
  })
  stream.end()
})
const seconds = (performance.now() - t0) / 1000
const m = mode === 'destination' ? stream.producer.metrics() : undefined
console.log(JSON.stringify({ mode, written: count, seconds, ...(m ? { delivered: m.delivered, failed: m.failed, dropped: m.dropped } : {}) }))
