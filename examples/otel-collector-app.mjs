// A service whose logs an OpenTelemetry Collector reads from Kafka: every record is an OTLP
// ExportLogsServiceRequest (encoding 'otlp_proto', or 'otlp_json'), as the Collector's
// Kafka receiver expects with `encoding: otlp_proto`:
//   KAFKA_BROKERS=127.0.0.1:19092 node examples/otel-collector-app.mjs [topic] [count] [otlp_proto|otlp_json]
// Needs OpenTelemetry's serializers: npm install @opentelemetry/otlp-transformer@0.301 @opentelemetry/api@1.10
// The Collector side (its config, not ours):
//   receivers: { kafka: { brokers: [broker:9092], logs: { topic: otlp_logs, encoding: otlp_proto } } }
// pino's level becomes the severity, `time` the timestamp, `msg` the body, trace_id/span_id
// the record's trace context, `service` and `hostname` the resource's service.name and
// host.name, every other field an attribute. Prints one JSON line at the end.
import pino from 'pino'
import { kafkaDestination } from 'kafka-log-transport/pino'

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092'
const topic = process.argv[2] ?? 'otlp_logs'
const count = Number(process.argv[3] ?? 1000)
const encoding = process.argv[4] ?? 'otlp_proto'

const stream = kafkaDestination({ brokers, topic, encoding })
const logger = pino(stream).child({ service: 'checkout' })
const traceId = '5b8efff798038103d269b633813fc60c'
for (let i = 0; i < count; i++) {
  const span = (i + 1).toString(16).padStart(16, '0')
  if (i % 4 === 3) logger.warn({ trace_id: traceId, span_id: span, reqId: `req-${i}`, i }, 'payment slow')
  else logger.info({ trace_id: traceId, span_id: span, reqId: `req-${i}`, i, http: { status: 200 } }, 'order placed')
}
await new Promise((resolve) => stream.end(resolve)) // delivers what was logged (bounded)
const m = stream.producer.metrics()
console.log(JSON.stringify({ topic, encoding, written: count, delivered: m.delivered }))
