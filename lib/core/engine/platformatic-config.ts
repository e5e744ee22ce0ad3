import { readFileSync } from 'node:fs'
import type { ConnectionOptions as TlsOptions } from 'node:tls'
import type { RdkafkaConfig } from '../config/rdkafka-config'
import type { RdkafkaValue } from '../config/types'
import { ConfigError } from '../errors'
import { keyHash } from './murmur2'

/** What the pure-JS engine runs with, read from the librdkafka configuration the core builds. */
export interface PlatformaticSettings {
  brokers: string[]
  clientId: string
  idempotent: boolean
  /** -1 (all), 0 or 1. */
  acks: number
  compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'
  lingerMs: number
  batchMessages: number
  queueMessages: number
  queueBytes: number
  maxMessageBytes: number
  messageTimeoutMs: number
  requestTimeoutMs: number
  retryBackoffMs: number
  /** librdkafka's statistics.interval.ms: 0 for none. */
  statsIntervalMs: number
  /** A report for every record (else failures only). */
  allReports: boolean
  /** Reports carry the record's value. */
  reportValues: boolean
  tls: TlsOptions | undefined
  sasl: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER', username?: string, password?: string } | undefined
}

// librdkafka properties the core sets, and what they become; the rest of librdkafka's
// properties a user may pass through `rdkafka` are refused by name (never ignored)
const HANDLED = new Set([
  'metadata.broker.list', 'bootstrap.servers', 'client.id', 'enable.idempotence', 'compression.codec', 'compression.type',
  'linger.ms', 'queue.buffering.max.ms', 'batch.num.messages', 'queue.buffering.max.messages', 'queue.buffering.max.kbytes',
  'message.max.bytes', 'dr_cb', 'dr_msg_cb', 'delivery.report.only.error', 'socket.keepalive.enable',
  'reconnect.backoff.max.ms', 'socket.timeout.ms', 'request.required.acks', 'acks', 'partitioner', 'message.timeout.ms',
  'delivery.timeout.ms', 'request.timeout.ms', 'security.protocol', 'sasl.mechanisms', 'sasl.mechanism', 'sasl.username',
  'sasl.password', 'ssl.ca.location', 'ssl.ca.pem', 'ssl.certificate.location', 'ssl.certificate.pem', 'ssl.key.location',
  'ssl.key.pem', 'ssl.key.password', 'enable.ssl.certificate.verification', 'ssl.endpoint.identification.algorithm',
  'max.in.flight.requests.per.connection', 'max.in.flight', 'statistics.interval.ms', 'log_level', 'debug',
  // how long librdkafka waits for a new topic to appear; this engine asks the broker (with retries) and then fails its records
  'topic.metadata.propagation.max.ms'
])

const text = (v: RdkafkaValue | undefined): string | undefined => v === undefined ? undefined : String(v)
const num = (v: RdkafkaValue | undefined, dflt: number): number => v === undefined ? dflt : Number(v)

function refuse (property: string, why: string): never {
  throw new ConfigError(`rdkafka.${property}`, `engine 'platformatic' ${why}; use engine: 'rdkafka' (node-rdkafka) for it`)
}

/** A PEM from `*.pem` or a file named by `*.location`. */
function pem (all: Record<string, RdkafkaValue>, name: string): string | undefined {
  const inline = text(all[`ssl.${name}.pem`])
  if (inline !== undefined) return inline
  const file = text(all[`ssl.${name}.location`])
  if (file === undefined) return undefined
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError(`rdkafka.ssl.${name}.location`, `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

function tlsOptions (all: Record<string, RdkafkaValue>): TlsOptions {
  const verify = String(all['enable.ssl.certificate.verification'] ?? 'true') !== 'false'
  const identify = String(all['ssl.endpoint.identification.algorithm'] ?? 'https').toLowerCase() !== 'none'
  const tls: TlsOptions = { rejectUnauthorized: verify }
  const ca = pem(all, 'ca')
  const cert = pem(all, 'certificate')
  const key = pem(all, 'key')
  if (ca !== undefined) tls.ca = ca
  if (cert !== undefined) tls.cert = cert
  if (key !== undefined) tls.key = key
  const passphrase = text(all['ssl.key.password'])
  if (passphrase !== undefined) tls.passphrase = passphrase
  // librdkafka checks the broker's name only with ssl.endpoint.identification.algorithm=https
  if (!identify) tls.checkServerIdentity = () => undefined
  return tls
}

function saslOptions (all: Record<string, RdkafkaValue>): PlatformaticSettings['sasl'] {
  const mechanism = String(all['sasl.mechanisms'] ?? all['sasl.mechanism'] ?? 'GSSAPI').toUpperCase()
  if (mechanism !== 'PLAIN' && mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512' && mechanism !== 'OAUTHBEARER') {
    refuse('sasl.mechanisms', `does not speak SASL ${mechanism}`)
  }
  const sasl: NonNullable<PlatformaticSettings['sasl']> = { mechanism }
  const username = text(all['sasl.username'])
  const password = text(all['sasl.password'])
  if (username !== undefined) sasl.username = username
  if (password !== undefined) sasl.password = password
  return sasl
}

/** Our librdkafka configuration in the pure-JS engine's terms. Throws ConfigError for what it cannot do. */
export function platformaticSettings (config: RdkafkaConfig): PlatformaticSettings {
  const all = { ...config.global, ...config.topic }
  for (const property of Object.keys(all)) {
    if (!HANDLED.has(property)) refuse(property, 'has no such setting')
  }
  if (text(all['partitioner']) !== 'murmur2_random') refuse('partitioner', 'partitions keys as the Java client does (murmur2_random) only')
  const protocol = String(all['security.protocol'] ?? 'plaintext').toLowerCase()
  if (!['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl'].includes(protocol)) refuse('security.protocol', `does not know ${protocol}`)
  const codec = String(all['compression.codec'] ?? all['compression.type'] ?? 'none').toLowerCase()
  if (codec !== 'none' && codec !== 'gzip' && codec !== 'snappy' && codec !== 'lz4' && codec !== 'zstd') refuse('compression.codec', `does not know ${codec}`)
  const acks = num(all['request.required.acks'] ?? all['acks'], -1)
  const queueMessages = num(all['queue.buffering.max.messages'], 100000)
  return {
    brokers: String(all['metadata.broker.list'] ?? all['bootstrap.servers'] ?? '').split(',').map((b) => b.trim()).filter((b) => b !== ''),
    clientId: text(all['client.id']) ?? 'kafka-log-transport',
    idempotent: String(all['enable.idempotence'] ?? 'false') === 'true',
    acks: acks === -1 || String(all['acks']) === 'all' ? -1 : acks,
    compression: codec,
    lingerMs: num(all['linger.ms'] ?? all['queue.buffering.max.ms'], 5),
    batchMessages: Math.min(num(all['batch.num.messages'], 10000), queueMessages),
    queueMessages,
    queueBytes: num(all['queue.buffering.max.kbytes'], 1048576) * 1024,
    maxMessageBytes: num(all['message.max.bytes'], 1000000),
    messageTimeoutMs: num(all['message.timeout.ms'] ?? all['delivery.timeout.ms'], 300000),
    requestTimeoutMs: Math.max(num(all['request.timeout.ms'], 30000), num(all['socket.timeout.ms'], 10000)),
    retryBackoffMs: num(all['reconnect.backoff.max.ms'], 1000),
    statsIntervalMs: num(all['statistics.interval.ms'], 0),
    allReports: String(all['delivery.report.only.error'] ?? 'false') !== 'true',
    reportValues: String(all['dr_msg_cb'] ?? 'false') === 'true',
    tls: protocol.endsWith('ssl') ? tlsOptions(all) : undefined,
    sasl: protocol.startsWith('sasl') ? saslOptions(all) : undefined
  }
}

type ClientOptions = import('@platformatic/kafka').ProducerOptions<Buffer, Buffer, Buffer, Buffer>

/** The engine's client options for `s`; `token`: the OAUTHBEARER token now. */
export function clientOptions (s: PlatformaticSettings, token: () => string): ClientOptions {
  return {
    clientId: s.clientId,
    bootstrapBrokers: s.brokers,
    idempotent: s.idempotent,
    acks: s.acks,
    compression: s.compression,
    // a key lands where the Java client (and librdkafka's murmur2_random) puts it: murmur2,
    // sign bit cleared, modulo the partitions (the engine's default partitioner keeps the sign
    // bit's place, and 130 of 300 keys land elsewhere); a keyless record comes with its partition
    partitioner: (_message, key) => keyHash(key as Buffer),
    // as librdkafka's producer (allow.auto.create.topics): the broker decides
    autocreateTopics: true,
    timeout: s.requestTimeoutMs,
    connectTimeout: Math.min(s.requestTimeoutMs, 10000),
    // a request is retried twice within the engine, then the batch goes back to our queue
    // (retried until message.timeout.ms). Left unset, an idempotent producer retries
    // forever, and a record would never time out.
    retries: 2,
    retryDelay: Math.min(s.retryBackoffMs, 1000),
    ...(s.tls === undefined ? {} : { tls: s.tls }),
    ...(s.sasl === undefined ? {} : { sasl: { ...s.sasl, ...(s.sasl.mechanism === 'OAUTHBEARER' ? { token } : {}) } })
  }
}
