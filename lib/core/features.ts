import type { RdkafkaConfig } from './config/rdkafka-config'
import { ConfigError } from './errors'
import { loadRdkafka } from './native'

/**
 * What node-rdkafka's librdkafka was built with. It is compiled at install time and quietly
 * leaves out what the machine has no development package for: this is the one place that
 * says what the build has, what it lacks, and how to get it.
 */

/** A feature librdkafka builds only when a system library is there, and the Debian/Ubuntu package that has it. */
interface Need {
  readonly library: string
  readonly debian: string
}

const NEEDS: Readonly<Record<string, Need>> = {
  zstd: { library: 'libzstd', debian: 'libzstd-dev' },
  lz4: { library: 'liblz4', debian: 'liblz4-dev' },
  gzip: { library: 'zlib', debian: 'zlib1g-dev' },
  ssl: { library: 'OpenSSL', debian: 'libssl-dev' },
  sasl_scram: { library: 'OpenSSL', debian: 'libssl-dev' },
  sasl_gssapi: { library: 'Cyrus SASL', debian: 'libsasl2-dev' },
  sasl_oauthbearer: { library: 'OpenSSL', debian: 'libssl-dev' }
}

/** The features this package is tested with: each codec and security mechanism we offer. */
export const EXPECTED_FEATURES: readonly string[] = ['gzip', 'snappy', 'lz4', 'zstd', 'ssl', 'sasl_plain', 'sasl_scram', 'sasl_gssapi', 'sasl_oauthbearer']

export interface MissingFeature {
  feature: string
  /** The system library librdkafka was built without. */
  library: string
  /** The Debian/Ubuntu package with that library's headers. */
  debian: string
  /** The commands that add it to this install. */
  fix: string
}

export interface RdkafkaFeatures {
  librdkafka: string
  /** What librdkafka reports it was built with (`builtin.features`). */
  features: string[]
  /** Of {@link EXPECTED_FEATURES}, what this build lacks. */
  missing: MissingFeature[]
}

function missing (feature: string): MissingFeature {
  const need = NEEDS[feature] ?? { library: `the library behind ${feature}`, debian: 'build-essential' }
  return { feature, ...need, fix: `sudo apt-get install ${need.debian} && npm rebuild node-rdkafka` }
}

/** What this install's librdkafka has and lacks. Loads node-rdkafka (main thread only). */
export function rdkafkaFeatures (): RdkafkaFeatures {
  const rdkafka = loadRdkafka()
  const features = [...rdkafka.features]
  return { librdkafka: rdkafka.librdkafkaVersion, features, missing: EXPECTED_FEATURES.filter((f) => !features.includes(f)).map(missing) }
}

/** One line: the version and features, and what is missing with its package. */
export function describeFeatures (b: RdkafkaFeatures = rdkafkaFeatures()): string {
  const lacks = b.missing.length === 0 ? '' : `; missing: ${b.missing.map((m) => `${m.feature} (${m.debian})`).join(', ')}`
  return `librdkafka ${b.librdkafka} with ${b.features.join(', ')}${lacks}`
}

/** The features a configuration needs (its codec, security protocol, SASL mechanism), each with the option that asks for it. */
export function featuresNeeded (config: RdkafkaConfig): Array<{ feature: string, option: string }> {
  const all = { ...config.global, ...config.topic }
  const needed: Array<{ feature: string, option: string }> = []
  for (const property of ['compression.codec', 'compression.type']) {
    const codec = String(all[property] ?? 'none').toLowerCase()
    if (codec !== 'none' && codec !== 'inherit') needed.push({ feature: codec, option: property === 'compression.codec' ? 'compression' : `rdkafka.${property}` })
  }
  const protocol = String(all['security.protocol'] ?? 'plaintext').toLowerCase()
  if (protocol.includes('ssl')) needed.push({ feature: 'ssl', option: 'rdkafka.security.protocol' })
  if (protocol.startsWith('sasl')) {
    const property = all['sasl.mechanisms'] === undefined && all['sasl.mechanism'] !== undefined ? 'sasl.mechanism' : 'sasl.mechanisms'
    const mechanism = String(all[property] ?? 'GSSAPI').toUpperCase()
    needed.push({ feature: mechanism.startsWith('SCRAM') ? 'sasl_scram' : `sasl_${mechanism.toLowerCase()}`, option: `rdkafka.${property}` })
  }
  return needed
}

/**
 * Throws a ConfigError naming the missing system library, its package and the commands that
 * fix it, when this install's librdkafka lacks what `config` asks for.
 */
export function checkFeatures (config: RdkafkaConfig, features: readonly string[] = loadRdkafka().features): void {
  for (const { feature, option } of featuresNeeded(config)) {
    if (features.includes(feature) || NEEDS[feature] === undefined) continue
    const m = missing(feature)
    throw new ConfigError(option, `this install's librdkafka was built without ${feature} (${m.library} was missing when ` +
      `node-rdkafka was compiled): install the ${m.debian} package and rebuild node-rdkafka: ${m.fix}`)
  }
}
