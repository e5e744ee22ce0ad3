// A service that logs in Elastic Common Schema (for Elasticsearch / Kibana), through pino
// and @elastic/ecs-pino-format, into Kafka, with an app-specific `audit` level:
//   KAFKA_BROKERS=127.0.0.1:19092 node examples/ecs-app.mjs [topic] [count]
// The records go to Kafka as ECS wrote them, with `@timestamp` as the Kafka timestamp; here
// each also gets a `level` header from `log.level` (`audit` too), asked for with
// `logHeaders`, so consumers can filter without parsing (a JSON line gets no per-record
// header unless asked: each costs CPU per record).
// Prints one JSON line at the end (what was logged).
import pino from 'pino'
import { ecsFormat } from '@elastic/ecs-pino-format'
import { kafkaTransport } from 'kafka-log-transport/pino'

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092'
const topic = process.argv[2] ?? 'app-logs-ecs'
const count = Number(process.argv[3] ?? 1000)

// key: records of one request on one partition
const stream = kafkaTransport({ brokers, topic, key: 'reqId', logHeaders: ['level'] })
const logger = pino({ ...ecsFormat(), customLevels: { audit: 35 }, level: 'info' }, stream)

for (let i = 0; i < count; i++) {
  if (i % 10 === 0) logger.audit({ reqId: `req-${i}`, 'user.id': `u-${i % 7}` }, 'permission changed')
  else if (i % 10 === 9) logger.warn({ reqId: `req-${i}` }, 'slow upstream')
  else logger.info({ reqId: `req-${i}`, 'http.response.status_code': 200 }, 'request handled')
}
// end() delivers what was logged (bounded) before 'close'
await new Promise((resolve) => {
  const keepAlive = setInterval(() => {}, 1000) // pino unrefs its worker
  stream.once('close', () => {
    clearInterval(keepAlive)
    resolve()
  })
  stream.end()
})
console.log(JSON.stringify({ topic, written: count }))
