// node-rdkafka is built from source; without the -dev packages it silently loses codecs and SASL.
import t from 'tap'
import { createRequire } from 'node:module'

const { features, librdkafkaVersion } = createRequire(import.meta.url)('node-rdkafka')

t.test('node-rdkafka was built with zstd, lz4, ssl and SASL/SCRAM', async (t) => {
  for (const f of ['zstd', 'lz4', 'ssl', 'sasl', 'sasl_scram', 'sasl_plain', 'sasl_oauthbearer', 'gzip', 'snappy']) {
    t.ok(features.includes(f), `feature ${f} (install libzstd-dev liblz4-dev libssl-dev libsasl2-dev zlib1g-dev, then npm rebuild node-rdkafka)`)
  }
  const [major, minor] = librdkafkaVersion.split('.').map(Number)
  t.ok(major > 2 || (major === 2 && minor >= 6), `librdkafka ${librdkafkaVersion} is new enough for Kafka 4 (and SCRAM, >= 2.6.1)`)
})
