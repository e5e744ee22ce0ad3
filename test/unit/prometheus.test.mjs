import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
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

t.test('the spool appears when configured', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-prom-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const p = new KafkaLogProducer({ brokers: '127.0.0.1:9', topic: 'x', exitHook: false, maxBufferMessages: 1, spool: { dir } })
  p.on('error', () => {})
  for (let i = 0; i < 3; i++) p.write({ level: 30, i })
  const text = toPrometheus(p.metrics())
  t.match(text, /^kafka_log_transport_spool_records 2$/m, 'one in memory, two in the spool')
  t.match(text, /^kafka_log_transport_spool_records_spooled_total 2$/m)
  t.match(text, /^kafka_log_transport_spool_oldest_age_seconds [\d.]+$/m)
  t.match(text, /^kafka_log_transport_spool_segments 1$/m)
  await p.close(100)
  const plain = new KafkaLogProducer({ brokers: '127.0.0.1:9', topic: 'x', exitHook: false })
  t.notMatch(toPrometheus(plain.metrics()), /spool/, 'absent without a spool')
  await plain.close(100)
})
