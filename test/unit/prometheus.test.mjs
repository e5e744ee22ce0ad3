import t from 'tap'
import { KafkaLogProducer, toPrometheus } from 'kafka-log-transport'

t.test('a snapshot renders as Prometheus text with labels', async (t) => {
  const p = new KafkaLogProducer({ brokers: '127.0.0.1:9', topic: 'x', exitHook: false })
  p.write(null) // a counted drop
  const text = toPrometheus(p.metrics(), { labels: { service: 'say "hi"' } })
  t.match(text, /^# HELP kafka_log_transport_records_written_total /m)
  t.match(text, /^# TYPE kafka_log_transport_records_written_total counter$/m)
  t.match(text, /^kafka_log_transport_records_written_total\{service="say \\"hi\\""\} 1$/m)
  t.match(text, /^kafka_log_transport_records_dropped_total\{service="say \\"hi\\"",reason="bad-record"\} 1$/m)
  t.match(text, /^kafka_log_transport_connected\{service="say \\"hi\\""\} 0$/m)
  for (const line of text.trim().split('\n')) {
    t.ok(/^# (HELP|TYPE) \w+ .+$/.test(line) || /^\w+(\{[^}]*\})? -?[\d.e+]+$/.test(line), `valid line: ${line}`)
  }
  await p.close(100)
})
