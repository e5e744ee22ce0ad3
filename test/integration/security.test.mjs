// Issue #9: the producer connects over TLS with SASL/SCRAM-SHA-512 to a broker started by
// the test (certificates made with openssl, the SCRAM user created with the Kafka jars'
// storage tool); a wrong password gives one clear error, no storm, no crash, bounded close.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { KafkaLogProducer } from 'kafka-log-transport'
import { startSecure } from '../kafka/secure.mjs'
import { consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { ownPort } from '../kafka/ports.mjs'

const PORT = ownPort('security') // a broker of this test's own (see test/kafka/ports.mjs)
let kafka
t.before(async () => { kafka = await startSecure({ port: PORT }) })
t.teardown(() => kafka?.stop())

const secured = (password) => ({
  'security.protocol': 'sasl_ssl',
  'sasl.mechanisms': 'SCRAM-SHA-512',
  'sasl.username': kafka.user,
  'sasl.password': password,
  'ssl.ca.location': kafka.ca
})

t.test('TLS + SCRAM-SHA-512: records arrive', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-tls'), { bootstrap: kafka.brokers })
  const producer = new KafkaLogProducer({ brokers: kafka.secureBrokers, topic, rdkafka: secured(kafka.password) })
  const errors = []
  producer.on('error', (e) => errors.push(e))
  for (let i = 0; i < 500; i++) producer.write({ level: 30, i, msg: 'over TLS' })
  t.same(await producer.close(20000), { delivered: 500, failed: 0, pending: 0 })
  t.same(errors, [], 'no errors')
  t.equal((await consumeAll(topic, 500, { bootstrap: kafka.brokers, settleMs: 300 })).length, 500)
})

t.test('a wrong password: one clear authentication error, no storm, no crash, close() keeps its bound', async (t) => {
  const producer = new KafkaLogProducer({ brokers: kafka.secureBrokers, topic: 'never', connectTimeoutMs: 3000, rdkafka: secured('not-the-password') })
  const errors = []
  producer.on('error', (e) => errors.push(e))
  for (let i = 0; i < 10; i++) producer.write({ level: 30, i })
  await sleep(8000)
  t.ok(errors.length >= 1 && errors.length <= 2, `${errors.length} error(s) in 8 s: ${errors.map((e) => `${e.code}: ${e.message}`).join(' | ')}`)
  t.ok(errors.some((e) => /SASL authentication error/.test(e.message) && /sasl.password/.test(e.message)), 'it says authentication failed, and what to check')
  t.notOk(errors.some((e) => e.message.includes('not-the-password')), 'without the password')
  const t0 = Date.now()
  await producer.close(2000)
  t.ok(Date.now() - t0 < 13000, `close returned in ${Date.now() - t0} ms`)
  t.equal(producer.metrics().dropped, 10, 'the unsent records are counted')
})
