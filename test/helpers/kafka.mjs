// Helpers for integration tests: the broker address, fresh topics, and a consumer that
// reads a topic back so tests count what is really in Kafka (not what counters say).
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const Kafka = require('node-rdkafka')

/** The broker to test against. Fails (never skips) when there is none. */
export function brokers () {
  const b = process.env.KAFKA_BROKERS
  if (!b) {
    throw new Error('KAFKA_BROKERS is not set: integration tests need a real Kafka broker. ' +
      'Run them with `npm test` (it starts one from the Kafka jars; needs Java 17+ and Maven), ' +
      'or start one with `npm run kafka:start`, or export KAFKA_BROKERS=host:port for your own.')
  }
  return b
}

export function uniqueTopic (prefix = 'klt-test') {
  return `${prefix}-${randomUUID().slice(0, 8)}`
}

/** Create a topic and wait until its metadata shows every partition. */
export async function createTopic (topic, { partitions = 1, replicationFactor = 1, config = {}, bootstrap = brokers() } = {}) {
  const admin = Kafka.AdminClient.create({ 'metadata.broker.list': bootstrap, 'client.id': 'klt-test-admin' })
  try {
    await new Promise((resolve, reject) => {
      admin.createTopic({ topic, num_partitions: partitions, replication_factor: replicationFactor, config }, 15000,
        (err) => (err ? reject(err) : resolve()))
    })
  } finally {
    admin.disconnect()
  }
  return topic
}

/**
 * Read `topic` from the beginning until `expected` messages arrived (or `timeoutMs`),
 * then keep reading for `settleMs` more so extra (duplicate) records are seen too.
 * Resolves with the messages (value, key as Buffers; headers as { name: string }); `onMessage`
 * sees each as it is read (the demo measures latency with it).
 *
 * A consumer that reads nothing for `stuckMs` while the topic's watermarks show records it
 * has not read is replaced by a new one that reads from the beginning again (said on stderr):
 * librdkafka consumers have been seen to stall on a freshly created topic, and a test is about
 * what is in Kafka, not about this helper's consumer. `onMessage` is not called again for as
 * many messages as the replaced consumer had read.
 */
export async function consumeAll (topic, expected, { timeoutMs = 60000, settleMs = 1000, stuckMs = 10000, bootstrap = brokers(), onMessage } = {}) {
  const deadline = Date.now() + timeoutMs
  let seen = 0
  const onRead = onMessage && ((m, i) => { if (i >= seen) onMessage(m) })
  for (let attempt = 1; ; attempt++) {
    const { messages, stuck } = await readFromStart(topic, expected, { deadline, settleMs, stuckMs, bootstrap, onRead })
    if (!stuck) return messages
    seen = Math.max(seen, messages.length)
    process.stderr.write(`consumeAll(${topic}): consumer ${attempt} read ${messages.length} of the ${stuck} records in Kafka ` +
      `and nothing for ${stuckMs} ms; reading again from the start with a new consumer\n`)
  }
}

/**
 * One consumer's read of `topic` from offset 0: stops when settled, at `deadline`, or when it
 * read nothing for `stuckMs` although Kafka holds more than it read (`stuck`: how many).
 */
async function readFromStart (topic, expected, { deadline, settleMs, stuckMs, bootstrap, onRead }) {
  const consumer = new Kafka.KafkaConsumer({
    'metadata.broker.list': bootstrap,
    'group.id': `klt-test-${randomUUID()}`,
    'enable.auto.commit': false,
    'enable.partition.eof': false,
    'fetch.wait.max.ms': 20 // read soon after records land (the demo measures latency)
  }, { 'auto.offset.reset': 'earliest' })
  consumer.setDefaultConsumeTimeout(100)
  await new Promise((resolve, reject) => consumer.connect({ timeout: 15000 }, (err) => (err ? reject(err) : resolve())))
  const messages = []
  try {
    // assign every partition from the beginning: no consumer-group join to wait for
    const partitions = await waitForPartitions(consumer, topic, Math.max(0, deadline - Date.now()))
    consumer.assign(partitions.map((p) => ({ topic, partition: p.id, offset: -2 /* RD_KAFKA_OFFSET_BEGINNING */ })))
    let until = deadline
    let settling = false
    let lastRead = Date.now()
    while (Date.now() < until) {
      if (!settling && messages.length >= expected) {
        settling = true
        until = Math.min(deadline, Date.now() + settleMs)
      }
      if (!settling && Date.now() - lastRead > stuckMs) {
        const inKafka = await countRecords(topic, { bootstrap }).catch(() => 0) // cannot tell: read on
        if (inKafka > messages.length) return { messages, stuck: inKafka }
        lastRead = Date.now() // nothing more there yet: the records may still be on their way
      }
      const batch = await new Promise((resolve, reject) => consumer.consume(500, (err, m) => (err ? reject(err) : resolve(m))))
      if (batch.length > 0) lastRead = Date.now()
      for (const m of batch) {
        const headers = {}
        for (const h of m.headers ?? []) for (const [k, v] of Object.entries(h)) headers[k] = Buffer.from(v).toString()
        const msg = { value: m.value, key: m.key, partition: m.partition, offset: m.offset, timestamp: m.timestamp, headers }
        onRead?.(msg, messages.length)
        messages.push(msg)
      }
    }
  } finally {
    await new Promise((resolve) => consumer.disconnect(() => resolve()))
  }
  return { messages, stuck: 0 }
}

/** Metadata of one topic: `[{ id, leader, replicas, isrs }]` per partition. */
export async function topicPartitions (topic, { bootstrap = brokers() } = {}) {
  const client = new Kafka.Producer({ 'metadata.broker.list': bootstrap, 'client.id': 'klt-test-metadata' })
  await new Promise((resolve, reject) => client.connect({ timeout: 15000 }, (err) => (err ? reject(err) : resolve())))
  try {
    const md = await new Promise((resolve, reject) => client.getMetadata({ topic, timeout: 10000 }, (err, m) => (err ? reject(err) : resolve(m))))
    return md.topics.find((x) => x.name === topic)?.partitions ?? []
  } finally {
    await new Promise((resolve) => client.disconnect(() => resolve()))
  }
}

async function waitForPartitions (client, topic, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const md = await new Promise((resolve, reject) => client.getMetadata({ topic, timeout: 5000 }, (err, m) => (err ? reject(err) : resolve(m))))
    const partitions = md.topics.find((x) => x.name === topic)?.partitions ?? []
    if (partitions.length > 0 || Date.now() > deadline) return partitions
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Number of records in `topic` (sum of high - low watermarks over its partitions). */
export async function countRecords (topic, { bootstrap = brokers() } = {}) {
  const consumer = new Kafka.KafkaConsumer({ 'metadata.broker.list': bootstrap, 'group.id': `klt-count-${randomUUID()}` }, {})
  await new Promise((resolve, reject) => consumer.connect({ timeout: 15000 }, (err) => (err ? reject(err) : resolve())))
  try {
    // a loaded broker can be slow to list a new topic's partitions: wait, and never take
    // "none listed yet" for "no records"
    const partitions = await waitForPartitions(consumer, topic, 30000)
    if (partitions.length === 0) throw new Error(`countRecords: no partitions listed for ${topic} within 30 s`)
    let total = 0
    for (const p of partitions) {
      const w = await new Promise((resolve, reject) => consumer.queryWatermarkOffsets(topic, p.id, 10000, (err, o) => (err ? reject(err) : resolve(o))))
      total += w.highOffset - w.lowOffset
    }
    return total
  } finally {
    await new Promise((resolve) => consumer.disconnect(() => resolve()))
  }
}
