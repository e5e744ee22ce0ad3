// Issue #3: 10,000 keyed records through the core, read back with a KafkaConsumer.
import t from 'tap'
import { KafkaLogProducer } from 'kafka-log-transport'
import { brokers, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const N = 10000
const KEYS = 50
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test('10,000 keyed records arrive with content, key, headers and one partition per key', async (t) => {
  const topic = await createTopic(uniqueTopic(), { partitions: 6 })
  const producer = new KafkaLogProducer({ brokers: brokers(), topic, key: 'reqId', headers: { service: 'checkout' }, logHeaders: true })
  t.teardown(() => producer.close())
  const base = Date.now() - 60000
  for (let i = 0; i < N; i++) {
    const line = JSON.stringify({ level: i % 7 === 0 ? 40 : 30, time: base + i, reqId: `req-${i % KEYS}`, seq: i, msg: `hello ${i}` })
    producer.write(i % 2 === 0 ? line + '\n' : { level: 30, time: base + i, reqId: `req-${i % KEYS}`, seq: i, msg: `hello ${i}` })
  }
  const flushed = await producer.flush(30000)
  t.same(flushed, { delivered: N, failed: 0, pending: 0 }, 'every record acknowledged')
  t.equal(producer.metrics().engine, process.env.KLT_ENGINE ?? 'rdkafka', 'on the engine this run asks for')

  const got = await consumeAll(topic, N)
  t.equal(got.length, N, 'every record is in the topic')
  const partitionOfKey = new Map()
  const seen = new Set()
  const logIds = new Set()
  let bad = 0
  for (const m of got) {
    const rec = JSON.parse(m.value.toString())
    const key = m.key.toString()
    if (key !== rec.reqId) bad++
    if (m.timestamp !== rec.time) bad++
    if (m.headers['content-type'] !== 'application/json' || m.headers.service !== 'checkout') bad++
    if (m.headers.level !== (rec.level === 40 ? 'warn' : 'info')) bad++
    if (!UUID_V7.test(m.headers['log-id'] ?? '')) bad++
    logIds.add(m.headers['log-id'])
    seen.add(rec.seq)
    const p = partitionOfKey.get(key)
    if (p === undefined) partitionOfKey.set(key, m.partition)
    else if (p !== m.partition) bad++
  }
  t.equal(bad, 0, 'key, timestamp and headers match each record')
  t.equal(seen.size, N, 'no record missing or duplicated')
  t.equal(logIds.size, N, 'every record has its own log-id')
  t.equal(partitionOfKey.size, KEYS, 'all keys seen')
  t.ok(new Set(partitionOfKey.values()).size > 1, 'keys spread over several partitions')
  const v = got.find((m) => JSON.parse(m.value.toString()).seq === 0)
  t.notOk(v.value.toString().endsWith('\n'), 'the trailing newline of a line is not sent')
})
