// Issue #29: the second engine (@platformatic/kafka) reads the same librdkafka configuration
// the core builds, refuses what it cannot do by name, partitions keys as the Java client
// does, and speaks librdkafka's error codes (pure: no broker).
import t from 'tap'
import { compatibilityPartitioner, ProtocolError, MultipleErrors, UserError } from '@platformatic/kafka'
import { ConfigError, KafkaLogProducer } from 'kafka-log-transport'
import fc from 'fast-check'
import { buildRdkafkaConfig, createPlatformaticProducer, errorText, kafkaCode, keyHash, murmur2, platformaticSettings, resolveOptions, retriable } from '../../dist/internal.js'
import { thrown } from '../helpers/thrown.mjs'

const config = (options) => buildRdkafkaConfig(resolveOptions({ brokers: 'a:9092,b:9093', topic: 'logs', ...options }))

t.test('our defaults become the engine\'s settings', async (t) => {
  const s = platformaticSettings(config({}))
  t.same(s.brokers, ['a:9092', 'b:9093'])
  t.equal(s.acks, -1)
  t.equal(s.idempotent, true)
  t.equal(s.compression, 'lz4')
  t.equal(s.lingerMs, 5)
  t.equal(s.messageTimeoutMs, 120000)
  t.equal(s.allReports, false, 'failures only, as librdkafka is told')
  t.equal(s.tls, undefined)
  t.equal(s.sasl, undefined)
  t.equal(platformaticSettings(config({ acks: 1, compression: 'zstd', deliveryReports: 'all' })).acks, 1)
  t.equal(platformaticSettings(config({ deliveryReports: 'all' })).allReports, true)
})

t.test('TLS and SASL from librdkafka\'s properties', async (t) => {
  const s = platformaticSettings(config({
    rdkafka: {
      'security.protocol': 'sasl_ssl', 'sasl.mechanisms': 'SCRAM-SHA-512', 'sasl.username': 'u', 'sasl.password': 'p',
      'ssl.ca.pem': '-----BEGIN CERTIFICATE-----', 'enable.ssl.certificate.verification': false
    }
  }))
  t.same(s.sasl, { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' })
  t.equal(s.tls.ca, '-----BEGIN CERTIFICATE-----')
  t.equal(s.tls.rejectUnauthorized, false)
  t.same(platformaticSettings(config({ oauthbearerToken: 'x' })).sasl, { mechanism: 'OAUTHBEARER' })
})

t.test('what the engine cannot do is a ConfigError naming the property, never ignored', async (t) => {
  for (const [rdkafka, property] of [
    [{ 'sasl.mechanisms': 'GSSAPI', 'security.protocol': 'sasl_plaintext' }, 'rdkafka.sasl.mechanisms'],
    [{ 'queue.buffering.backpressure.threshold': 10 }, 'rdkafka.queue.buffering.backpressure.threshold'],
    [{ partitioner: 'consistent_random' }, 'rdkafka.partitioner'],
    [{ 'ssl.ca.location': '/nonexistent/ca.pem', 'security.protocol': 'ssl' }, 'rdkafka.ssl.ca.location']
  ]) {
    const err = thrown(() => platformaticSettings(config({ rdkafka })))
    t.ok(err instanceof ConfigError, `${property}: a ConfigError`)
    t.equal(err.option, property)
    t.match(err.message, /engine|cannot read/)
  }
  // and so does the producer's constructor, at once
  const err = thrown(() => new KafkaLogProducer({ brokers: 'a:1', topic: 'x', engine: 'platformatic', exitHook: false, rdkafka: { 'sasl.mechanisms': 'GSSAPI', 'security.protocol': 'sasl_plaintext' } }))
  t.ok(err instanceof ConfigError)
  const bad = thrown(() => new KafkaLogProducer({ brokers: 'a:1', topic: 'x', engine: 'kafkajs' }))
  t.ok(bad instanceof ConfigError, 'an unknown engine')
})

t.test('keys land where the Java client puts them (Kafka\'s own murmur2 test vectors)', async (t) => {
  // org.apache.kafka.common.utils.UtilsTest#testMurmur2: murmur2(bytes) for these inputs
  const vectors = [['21', -973932308], ['foobar', -790332482], ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829], ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971], ['abc', 479470107]]
  for (const [key, murmur] of vectors) {
    // the Java client: toPositive(murmur2(key)) % partitions; the engine applies the modulo
    t.equal(murmur2(Buffer.from(key)), murmur, `murmur2(${key})`)
    t.equal(keyHash(Buffer.from(key)), murmur & 0x7fffffff, `the partitioner's number for ${key}`)
    t.equal(compatibilityPartitioner({}, Buffer.from(key)), murmur & 0x7fffffff, `the engine's own Java-compatible partitioner agrees (${key})`)
  }
})

t.test('our murmur2 in 32-bit arithmetic agrees with the engine\'s BigInt one on every length and byte', async (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    const key = Buffer.from(bytes)
    return keyHash(key) === compatibilityPartitioner({}, key)
  }), { numRuns: 20000 })
  t.pass('20,000 generated keys')
})

t.test('errors in librdkafka\'s terms', async (t) => {
  const tooLarge = new MultipleErrors('Producing messages failed.', [new ProtocolError('MESSAGE_TOO_LARGE')])
  t.equal(kafkaCode(tooLarge), 10)
  t.equal(retriable(tooLarge), false)
  const stale = new MultipleErrors('Producing messages failed.', [new ProtocolError('NOT_LEADER_OR_FOLLOWER')])
  t.equal(kafkaCode(stale), 6)
  t.equal(retriable(stale), true)
  t.equal(kafkaCode(new UserError('Unknown topic logs.')), 0)
  t.match(errorText(new MultipleErrors('outer', [new ProtocolError('INVALID_TIMESTAMP', 'Timestamp 1 of message is out of range')])), /out of range/)
})

t.test('at exit it gives back what it holds, in order, and keeps the process alive only while it holds records', async (t) => {
  const ignore = () => {}
  const p = createPlatformaticProducer(config({}), { delivery: ignore, error: ignore, stats: ignore, loggedError: ignore })
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  const before = timers()
  p.produce('logs', null, Buffer.from('a'), 'k1', null, [1, 0, undefined], [])
  p.produce('logs', null, Buffer.from('b'), null, 1732500000000, undefined, [{ level: 'info' }])
  t.equal(timers(), before + 1, 'one ref\'d timer while records wait (not connected: none is sent)')
  const held = p.takeHeld()
  t.same(held.map((r) => r.value.toString()), ['a', 'b'], 'in the order produced')
  t.same(held[0].key, Buffer.from('k1'), 'a string key as bytes')
  t.same(held[0].opaque, [1, 0, undefined], 'with its opaque (the core finds a spooled record in it)')
  t.equal(held[1].key, undefined)
  t.equal(held[1].timestamp, 1732500000000)
  t.same(held[1].headers, [{ level: 'info' }])
  t.equal(timers(), before, 'nothing held: the process may end')
  t.same(p.takeHeld(), [], 'given back once')
})
