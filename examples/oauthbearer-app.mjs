// A service on a Kafka that wants SASL/OAUTHBEARER, its token in a file that something
// else keeps fresh (a token agent, a sidecar, Kubernetes' projected service account token):
//   KAFKA_BROKERS=broker:9093 KAFKA_TOKEN_FILE=/var/run/secrets/kafka/token node examples/oauthbearer-app.mjs [topic] [count]
// The producer reads the file before it connects and again ahead of the token's expiry (a
// JWT's exp claim, or every minute), so connections re-authenticate with a fresh token.
// KAFKA_SECURITY_PROTOCOL: sasl_ssl (the default) or sasl_plaintext (a local test broker).
// Prints one JSON line at the end (what was logged and delivered).
import pino from 'pino'
import { kafkaTransport } from 'kafka-log-transport/pino'

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9093'
const file = process.env.KAFKA_TOKEN_FILE ?? '/var/run/secrets/kafka/token'
const topic = process.argv[2] ?? 'app-logs'
const count = Number(process.argv[3] ?? 1000)

const stream = kafkaTransport({
  brokers,
  topic,
  oauthbearerToken: { file }, // the worker target takes a token or a file: functions cannot cross into it
  rdkafka: { 'security.protocol': process.env.KAFKA_SECURITY_PROTOCOL ?? 'sasl_ssl' }
})
const logger = pino(stream)
for (let i = 0; i < count; i++) logger.info({ i }, 'authenticated with a token from a file')
await new Promise((resolve) => {
  const keepAlive = setInterval(() => {}, 1000) // pino unrefs its worker
  stream.once('close', () => {
    clearInterval(keepAlive)
    resolve()
  })
  stream.end()
})
console.log(JSON.stringify({ topic, written: count }))
