// Issue #4: a key lands on the same partition as from the Java client (murmur2), checked
// against Kafka's own console producer from the harness jars.
import t from 'tap'
import { KafkaLogProducer } from 'kafka-log-transport'
import { ensureJars } from '../kafka/jars.mjs'
import { runTool } from '../kafka/harness.mjs'
import { brokers, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const KEYS = Array.from({ length: 200 }, (_, i) => `user-${i * 7}`)

function partitionsByKey (messages) {
  return Object.fromEntries(messages.map((m) => [m.key.toString(), m.partition]))
}

t.test('keys land on the partitions the Java producer picks', async (t) => {
  const javaTopic = await createTopic(uniqueTopic('klt-java'), { partitions: 6 })
  const ourTopic = await createTopic(uniqueTopic('klt-ours'), { partitions: 6 })
  runTool(ensureJars(), 'org.apache.kafka.tools.ConsoleProducer',
    ['--bootstrap-server', brokers(), '--topic', javaTopic, '--reader-property', 'parse.key=true',
      '--reader-property', 'key.separator=|', '--command-property', 'acks=all'],
    { input: KEYS.map((k) => `${k}|{"from":"java"}`).join('\n') + '\n' })

  const producer = new KafkaLogProducer({ brokers: brokers(), topic: ourTopic, key: 'user' })
  for (const k of KEYS) producer.write({ user: k, from: 'kafka-log-transport' })
  await producer.close(15000)

  const java = partitionsByKey(await consumeAll(javaTopic, KEYS.length, { settleMs: 200 }))
  const ours = partitionsByKey(await consumeAll(ourTopic, KEYS.length, { settleMs: 200 }))
  t.equal(Object.keys(java).length, KEYS.length, 'Java wrote every key')
  t.same(ours, java, 'same partition for every key')
  t.ok(new Set(Object.values(java)).size === 6, 'the keys cover all 6 partitions')
})
