// Issue #4: producers with the same librdkafka settings share one native producer, and
// each still gets its own delivery accounting.
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { KafkaLogProducer } from 'kafka-log-transport'
import { brokers, countRecords, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

t.test('two loggers, one native producer, separate accounting', async (t) => {
  const okTopic = await createTopic(uniqueTopic())
  // the broker refuses records over 2000 bytes on this topic: delivery errors for B only
  const smallTopic = await createTopic(uniqueTopic(), { config: { 'max.message.bytes': '2000' } })
  const settings = { brokers: brokers(), rdkafka: { 'statistics.interval.ms': 100 } }
  const a = new KafkaLogProducer({ ...settings, topic: okTopic })
  const b = new KafkaLogProducer({ ...settings, topic: smallTopic })
  const errors = []
  b.on('delivery-error', (e) => errors.push(e))
  for (let i = 0; i < 100; i++) a.write({ level: 30, i })
  // random (incompressible) padding: the broker checks the compressed batch size
  for (let i = 0; i < 10; i++) b.write({ level: 30, pad: randomBytes(4000).toString('base64') })
  const [ra, rb] = await Promise.all([a.flush(20000), b.flush(20000)])
  t.same(ra, { delivered: 100, failed: 0, pending: 0 }, 'A: all delivered')
  t.same(rb, { delivered: 0, failed: 10, pending: 0 }, 'B: the broker refused all ten')
  t.equal(errors.length, 10)
  t.equal(errors[0].code, 'KLT_DELIVERY_FAILED')
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.equal(a.metrics().rdkafka?.name, b.metrics().rdkafka?.name, 'the same librdkafka client instance')
  await a.close()
  t.ok(b.metrics().connected, 'B keeps the connection after A closes')
  b.write({ level: 30, small: true })
  t.equal((await b.close()).failed, 10)
  t.equal(b.metrics().delivered, 1)
  t.equal(await countRecords(okTopic), 100)
  t.equal(await countRecords(smallTopic), 1)
})
