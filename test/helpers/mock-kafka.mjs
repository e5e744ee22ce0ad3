// librdkafka's in-process mock cluster (`test.mock.num.brokers`), for tests of what the
// producer hands librdkafka, not of the broker: the records go through librdkafka's real
// produce and partitioner and are read back with a real consumer, with no Kafka running.
// Tests of behaviour against the broker use the real one (helpers/kafka.mjs).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const Kafka = require('node-rdkafka')

const call = (fn) => new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))))

/** Start a mock cluster; resolves with its bootstrap list and stop(). Topics are made on first use. */
export async function startMockKafka () {
  const host = new Kafka.Producer({ 'bootstrap.servers': 'localhost:1', 'test.mock.num.brokers': 1, 'client.id': 'klt-mock-host' })
  await call((cb) => host.connect({ timeout: 10000 }, cb))
  const md = await call((cb) => host.getMetadata({ timeout: 10000 }, cb))
  const bootstrap = md.brokers.map((b) => `${b.host}:${b.port}`).join(',')
  return {
    bootstrap,
    /** The topic `prefix` and those named `prefix-...`, with their partition counts. */
    async topics (prefix) {
      const all = await call((cb) => host.getMetadata({ allTopics: true, timeout: 10000 }, cb))
      return all.topics.filter((t) => t.name === prefix || t.name.startsWith(prefix + '-')).map((t) => ({ name: t.name, partitions: t.partitions.length }))
    },
    stop: () => call((cb) => host.disconnect(cb))
  }
}

/**
 * Every record of these topics (from the start) once `expected` of them were read and
 * nothing more came for `settleMs`; fails after `timeoutMs`.
 */
export async function readTopics (bootstrap, topics, expected, { timeoutMs = 120000, settleMs = 300 } = {}) {
  const consumer = new Kafka.KafkaConsumer({
    'bootstrap.servers': bootstrap, 'group.id': `klt-mock-${process.pid}-${Date.now()}`, 'enable.auto.commit': false
  }, {})
  await call((cb) => consumer.connect({ timeout: 10000 }, cb))
  consumer.assign(topics.flatMap((t) => Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition, offset: 0 }))))
  const messages = []
  const deadline = Date.now() + timeoutMs
  let quietSince = Date.now()
  try {
    for (;;) {
      const batch = await call((cb) => consumer.consume(5000, cb))
      if (batch.length > 0) {
        messages.push(...batch)
        quietSince = Date.now()
      }
      if (messages.length >= expected && Date.now() - quietSince >= settleMs) return messages
      if (Date.now() > deadline) throw new Error(`read ${messages.length} of ${expected} records in ${timeoutMs} ms`)
    }
  } finally {
    await call((cb) => consumer.disconnect(cb))
  }
}

/** Kafka's murmur2 (the Java client's default partitioner's hash) of a key's bytes. */
export function murmur2 (key) {
  const m = 0x5bd1e995
  const length = key.length
  let h = (0x9747b28c ^ length) | 0
  const whole = length & ~3
  for (let i = 0; i < whole; i += 4) {
    let k = key[i] | (key[i + 1] << 8) | (key[i + 2] << 16) | (key[i + 3] << 24)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m) ^ k
  }
  const rest = length & 3
  if (rest === 3) h ^= key[whole + 2] << 16
  if (rest >= 2) h ^= key[whole + 1] << 8
  if (rest >= 1) {
    h ^= key[whole]
    h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h
}

/** The partition the Java client (and librdkafka's murmur2 partitioners) picks for a key among `count`. */
export function javaPartition (key, count) {
  return (murmur2(key) & 0x7fffffff) % count
}
