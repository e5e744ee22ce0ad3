// A small "application" logging through winston into Kafka, or alone:
//   KAFKA_BROKERS=127.0.0.1:19092 node examples/winston-app.mjs [topic] [count]
// Prints one JSON line at the end (what was written, delivered, how long), like core-app.mjs.
import winston from 'winston'
import { KafkaTransport } from 'kafka-log-transport/winston'

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092'
const topic = process.argv[2] ?? 'app-logs'
const count = Number(process.argv[3] ?? 20000)
const services = ['checkout', 'payments', 'search']

const kafka = new KafkaTransport({
  brokers,
  topic, // or a template: 'logs.{service}.{level}'
  key: 'reqId', // records of one request land on one partition
  level: 'debug',
  handleExceptions: true, // an uncaught exception is logged and delivered before winston exits
  handleRejections: true
})
const logger = winston.createLogger({
  level: 'debug',
  format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.timestamp(), winston.format.json()),
  transports: [kafka, new winston.transports.Console({ level: 'error', stderrLevels: ['error'] })]
})
// Kafka problems (broker unreachable, unknown topic) arrive as 'warn' events
logger.on('warn', (err) => console.error(`[app] ${err.code ?? ''} ${err.message}`))

const t0 = performance.now()
const levels = ['info', 'info', 'info', 'debug', 'warn']
let i = 0
// log in bursts so the event loop breathes, like a busy service does
await new Promise((resolve) => {
  const burst = () => {
    for (let n = 0; n < 1000 && i < count; n++, i++) {
      const log = logger.child({ service: services[i % services.length], reqId: `req-${i % 500}` })
      log[levels[i % levels.length]](`handled request ${i}`, { durationMs: i % 97 })
    }
    if (i < count) setImmediate(burst)
    else resolve()
  }
  burst()
})
// logger.end() flushes the transport before 'finish'; await it before exiting
await new Promise((resolve) => {
  logger.on('finish', resolve)
  logger.end()
})
const m = kafka.producer.metrics()
const seconds = (performance.now() - t0) / 1000
console.log(JSON.stringify({ written: count, delivered: m.delivered, failed: m.failed, pending: m.pending, seconds, metrics: m }))
process.exitCode = m.delivered === count ? 0 : 1
