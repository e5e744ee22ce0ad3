// node-rdkafka is built from source; without the -dev packages it quietly loses codecs and
// SASL. rdkafkaFeatures() says what the build has; asking for what it lacks is a ConfigError
// that names the package and the rebuild. A missing feature fails in CI (test/helpers/features.mjs).
import t from 'tap'
import { EXPECTED_FEATURES, describeFeatures, rdkafkaFeatures } from 'kafka-log-transport'
import { checkFeatures, featuresNeeded } from '../../dist/internal.js'
import { hasFeature } from '../helpers/features.mjs'

const build = rdkafkaFeatures()

t.test('the build has every codec and security mechanism we offer', async (t) => {
  t.comment(describeFeatures(build))
  for (const f of EXPECTED_FEATURES) if (hasFeature(t, f)) t.pass(`feature ${f}`)
  const [major, minor] = build.librdkafka.split('.').map(Number)
  t.ok(major > 2 || (major === 2 && minor >= 6), `librdkafka ${build.librdkafka} is new enough for Kafka 4 (and SCRAM, >= 2.6.1)`)
})

t.test('what a configuration needs: codec, TLS, SASL mechanism', async (t) => {
  const needs = (global, topic = {}) => featuresNeeded({ global, topic }).map((n) => `${n.feature}@${n.option}`)
  t.same(needs({ 'compression.codec': 'zstd' }), ['zstd@compression'])
  t.same(needs({ 'compression.codec': 'none' }), [])
  t.same(needs({}, { 'compression.type': 'gzip' }), ['gzip@rdkafka.compression.type'])
  t.same(needs({ 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'SCRAM-SHA-512' }),
    ['ssl@rdkafka.security.protocol', 'sasl_scram@rdkafka.sasl.mechanisms'])
  t.same(needs({ 'security.protocol': 'sasl_plaintext', 'sasl.mechanism': 'OAUTHBEARER' }), ['sasl_oauthbearer@rdkafka.sasl.mechanism'])
  t.same(needs({ 'security.protocol': 'SASL_PLAINTEXT' }), ['sasl_gssapi@rdkafka.sasl.mechanisms'], "librdkafka's default mechanism is GSSAPI")
})

t.test('asking for what the build lacks: a ConfigError with the package and the commands', async (t) => {
  // the "feature absent" behaviour, checked on every build with a feature list that lacks it
  const without = (f) => build.features.filter((x) => x !== f)
  t.throws(() => checkFeatures({ global: { 'compression.codec': 'zstd' }, topic: {} }, without('zstd')), {
    code: 'KLT_INVALID_OPTIONS',
    option: 'compression',
    message: /built without zstd \(libzstd was missing.*install the libzstd-dev package.*sudo apt-get install libzstd-dev && npm rebuild node-rdkafka/
  })
  t.throws(() => checkFeatures({ global: { 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'SCRAM-SHA-256' }, topic: {} }, without('sasl_scram')),
    { option: 'rdkafka.sasl.mechanisms', message: /without sasl_scram.*libssl-dev/ })
  t.throws(() => checkFeatures({ global: { 'security.protocol': 'SSL' }, topic: {} }, without('ssl')),
    { option: 'rdkafka.security.protocol', message: /without ssl.*libssl-dev/ })
  t.doesNotThrow(() => checkFeatures({ global: { 'compression.codec': 'zstd' }, topic: {} }, ['zstd']))
  t.doesNotThrow(() => checkFeatures({ global: { 'compression.codec': 'lz4' }, topic: {} }, without('zstd')))
})
