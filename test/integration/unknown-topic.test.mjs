// Issue #4: a topic that does not exist on a broker with auto-create off yields one clear
// error (not one per record), and its records are counted as failed.
import t from 'tap'
import { KafkaLogProducer } from 'kafka-log-transport'
import { startSingle } from '../kafka/harness.mjs'
import { ownPort } from '../kafka/ports.mjs'

t.test('unknown topic with auto-create off: one error, records counted as failed', async (t) => {
  const kafka = await startSingle({ port: ownPort('unknown-topic'), properties: { 'auto.create.topics.enable': false } })
  t.teardown(() => kafka.stop())
  const producer = new KafkaLogProducer({
    brokers: kafka.brokers,
    topic: 'no-such-topic',
    rdkafka: { 'topic.metadata.propagation.max.ms': 1000 }
  })
  const errors = []
  producer.on('error', (e) => errors.push(e))
  for (let i = 0; i < 50; i++) producer.write({ level: 30, i })
  const r = await producer.flush(20000)
  t.same(r, { delivered: 0, failed: 50, pending: 0 })
  t.equal(errors.length, 1, 'one error for the topic')
  t.equal(errors[0]?.code, 'KLT_DELIVERY_FAILED')
  t.match(errors[0]?.message, /topic "no-such-topic" does not exist .*auto\.create\.topics\.enable/)
  await producer.close()
})
