import path from 'node:path'
import type { Writable } from 'node:stream'
import { inspect } from 'node:util'
import { ConfigError } from '../errors'
import { shown } from './secrets'

/** Anything `write()` accepts: a serialized line (string/Buffer) or a record object. */
export type LogInput = string | Buffer | Record<string, unknown>

/** A record's fields, as seen by topic/key functions (parsed lazily for lines). */
export type LogFields = Record<string, unknown>

export type TopicOption = string | ((fields: LogFields) => string)
/** `'none'`, `'hostname'`, a field path such as `'req.id'`, or a function. */
export type KeyOption = string | ((fields: LogFields) => string | Buffer | null | undefined)
export type Compression = 'lz4' | 'zstd' | 'gzip' | 'snappy' | 'none'
export type OverflowPolicy = 'block' | 'dropNewest' | 'dropOldest'
export type OversizedPolicy = 'truncate' | 'drop'
export type DeliveryReports = 'errors' | 'all'
export type RdkafkaValue = string | number | boolean

/** Options of {@link KafkaLogProducer}. Only `brokers` and `topic` are required. */
export interface KafkaLogOptions {
  /** Bootstrap brokers: `'host:port,host:port'` or an array. */
  brokers: string | string[]
  /** A topic, a template such as `logs.{service}.{level}`, or a function of the record. */
  topic: TopicOption
  /** Partition key: `'none'` (default), `'hostname'`, a field path such as `'req.id'`, or a function. */
  key?: KeyOption
  /** Default `'lz4'`. */
  compression?: Compression
  /** Default `'all'`. */
  acks?: 'all' | 0 | 1
  /** Idempotent producer (no duplicates on retry). Default true; needs acks `'all'`. */
  idempotence?: boolean
  /** librdkafka `linger.ms`. Default 5. */
  lingerMs?: number
  /** librdkafka `batch.num.messages`. Default 10000. */
  batchMessages?: number
  /** Largest record value sent, in bytes. Default 1000000 (Kafka's own default `message.max.bytes`). */
  maxMessageBytes?: number
  /** A record over `maxMessageBytes`: `'truncate'` (default; keeps its head, marked) or `'drop'`. Counted either way. */
  oversized?: OversizedPolicy
  /**
   * `'errors'` (default): librdkafka reports failed records only, and successes are settled
   * at flush points (3x cheaper). `'all'`: a report per record, which also feeds the
   * write-to-ack latency histogram. With a `spool`, `'all'` is the default and required.
   */
  deliveryReports?: DeliveryReports
  /**
   * Main thread only. Default true: flush and disconnect when nothing else keeps the process
   * alive (node-rdkafka's handles would otherwise keep it running), flush on SIGTERM/SIGINT,
   * and report undelivered records on exit.
   */
  exitHook?: boolean
  /**
   * Bound of the in-process buffer, in bytes: record values plus 768 bytes per record (what a
   * buffered record costs beyond its value). Default 64 MiB. librdkafka's own queue is
   * bounded from it too (half of it), so memory in an outage follows this option.
   */
  maxBufferBytes?: number
  /** Bound of the in-process buffer, in records. Default 100000. */
  maxBufferMessages?: number
  /** What happens when a bound is reached. Default `'dropOldest'`. */
  overflow?: OverflowPolicy
  /** Where dropped or failed records go instead (a writable stream or a file path). */
  fallback?: Writable | string
  /** Headers added to every record. */
  headers?: Record<string, string>
  /**
   * Per-record headers `content-type`, `log-id`, `level`, `traceparent`. Default true.
   * Each header costs ~0.5-0.7 µs in node-rdkafka's produce(): false trades them for throughput.
   */
  logHeaders?: boolean
  /** Any librdkafka property, passed through (TLS, SASL, client.id, ...). */
  rdkafka?: Record<string, RdkafkaValue>
  /**
   * Without a connection after this long, emit one `ConnectError` (`'error'`). Connecting goes
   * on, and records keep waiting within the buffer's bounds. Default 30000.
   */
  connectTimeoutMs?: number
  /** Default timeout of `flush()` and `close()`. Default 5000. */
  flushTimeoutMs?: number
  /**
   * When the process exits (process.exit(), an uncaught exception) with records not yet
   * acknowledged, the 'exit' hook hands them to librdkafka and blocks this long so its
   * threads can send them (JS cannot learn of the acks any more, so the whole time is
   * waited). Main thread, with `exitHook`. Default 1000; 0 turns it off.
   */
  exitFlushMs?: number
  /** How long librdkafka retries one record before reporting it failed. Default 120000. */
  messageTimeoutMs?: number
  /**
   * A durable spool on local disk (off by default): records that would overflow the memory
   * buffer, or that time out in an outage, go to append-only files in `dir` and are sent
   * when Kafka is back, also by the next run after a crash. See RELIABILITY.md.
   */
  spool?: SpoolOptions
}

export type SpoolFsync = 'never' | 'interval' | 'always'

/** Options of the durable spool. */
export interface SpoolOptions {
  /** A directory of its own (created if missing); one live process per directory. */
  dir: string
  /** Bound of the spool on disk, in bytes. Past it the `overflow` policy applies. Default 1 GiB. */
  maxBytes?: number
  /**
   * `'interval'` (default): written at once (a crash of the process loses nothing), synced to
   * the device every `fsyncIntervalMs` (power loss: at most that much). `'always'`: synced per
   * record (slow). `'never'`: left to the OS.
   */
  fsync?: SpoolFsync
  /** Default 1000. */
  fsyncIntervalMs?: number
}

export interface ResolvedSpoolOptions {
  readonly dir: string
  readonly maxBytes: number
  readonly fsync: SpoolFsync
  readonly fsyncIntervalMs: number
}

/** Options after validation and defaults: frozen, never the caller's object. */
export interface ResolvedOptions {
  readonly brokers: string
  readonly topic: TopicOption
  readonly key: KeyOption
  readonly compression: Compression
  readonly acks: 'all' | 0 | 1
  readonly idempotence: boolean
  readonly lingerMs: number
  readonly batchMessages: number
  readonly maxMessageBytes: number
  readonly oversized: OversizedPolicy
  readonly deliveryReports: DeliveryReports
  readonly exitHook: boolean
  readonly maxBufferBytes: number
  readonly maxBufferMessages: number
  readonly overflow: OverflowPolicy
  readonly fallback: Writable | string | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly logHeaders: boolean
  readonly rdkafka: Readonly<Record<string, RdkafkaValue>>
  readonly connectTimeoutMs: number
  readonly flushTimeoutMs: number
  readonly exitFlushMs: number
  readonly messageTimeoutMs: number
  readonly spool: ResolvedSpoolOptions | undefined
}

const KNOWN = new Set(['brokers', 'topic', 'key', 'compression', 'acks', 'idempotence', 'lingerMs', 'batchMessages',
  'maxMessageBytes', 'oversized', 'deliveryReports', 'exitHook',
  'maxBufferBytes', 'maxBufferMessages', 'overflow', 'fallback', 'headers', 'logHeaders', 'rdkafka', 'connectTimeoutMs',
  'flushTimeoutMs', 'exitFlushMs', 'messageTimeoutMs', 'spool'])
const SPOOL_KNOWN = new Set(['dir', 'maxBytes', 'fsync', 'fsyncIntervalMs'])
const COMPRESSIONS: readonly Compression[] = ['lz4', 'zstd', 'gzip', 'snappy', 'none']
const OVERFLOWS: readonly OverflowPolicy[] = ['block', 'dropNewest', 'dropOldest']
// Kafka topic names: 1-249 chars of [a-zA-Z0-9._-]. Template placeholders are checked per record.
const TOPIC_RE = /^[a-zA-Z0-9._-]{1,249}$/
const TEMPLATE_RE = /^(?:[a-zA-Z0-9._-]|\{[a-zA-Z0-9_.$-]+\})+$/

/** Show a value in an error without leaking anything long or secret-looking. */
export function describeValue (value: unknown): string {
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value)
  if (value === null || typeof value !== 'object') return String(value)
  return Array.isArray(value) ? 'an array' : 'an object'
}

function fail (option: string, value: unknown, expected: string): never {
  throw new ConfigError(option, `got ${describeValue(value)}, expected ${expected}`)
}

function positiveInt (opts: Record<string, unknown>, name: string, dflt: number, min = 1): number {
  const v = opts[name]
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(name, v, `an integer >= ${min}`)
  return v
}

function oneOf<T> (opts: Record<string, unknown>, name: string, allowed: readonly T[], dflt: T): T {
  const v = opts[name]
  if (v === undefined) return dflt
  if (!allowed.includes(v as T)) fail(name, v, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`)
  return v as T
}

function resolveBrokers (v: unknown): string {
  const list: unknown[] | undefined = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v as unknown[] : undefined
  const expected = "'host:port' or a list of them, e.g. '127.0.0.1:9092,10.0.0.2:9092'"
  if (list === undefined || list.length === 0) fail('brokers', v, expected)
  const parts = list.map((b) => (typeof b === 'string' ? b.trim() : b))
  for (const b of parts) {
    if (typeof b !== 'string' || !/^[^\s:,]+:\d{1,5}$/.test(b)) fail('brokers', v, expected)
  }
  return parts.join(',')
}

function resolveTopic (v: unknown): TopicOption {
  if (typeof v === 'function') return v as (fields: LogFields) => string
  if (typeof v === 'string' && (TOPIC_RE.test(v) || TEMPLATE_RE.test(v))) return v
  fail('topic', v, 'a topic name of [a-zA-Z0-9._-], a template such as "logs.{service}", or a function')
}

function resolveKey (v: unknown): KeyOption {
  if (v === undefined) return 'none'
  if (typeof v === 'function') return v as KeyOption
  if (typeof v === 'string' && /^[^.\s]+(\.[^.\s]+)*$/.test(v)) return v
  fail('key', v, "'none', 'hostname', a field path such as 'req.id', or a function")
}

function resolveRecord<T> (opts: Record<string, unknown>, name: string, check: (x: unknown) => boolean, expected: string): Record<string, T> {
  const v = opts[name]
  if (v === undefined) return {}
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(name, v, 'an object')
  const out: Record<string, T> = {}
  for (const [k, x] of Object.entries(v)) {
    if (!check(x)) throw new ConfigError(`${name}.${k}`, `got ${String(shown(k, describeValue(x)))}, expected ${expected}`)
    out[k] = x as T
  }
  return out
}

function resolveFallback (v: unknown): Writable | string | undefined {
  if (v === undefined) return undefined
  if (typeof v === 'string' && v.length > 0) return v
  if (v !== null && typeof v === 'object' && typeof (v as Writable).write === 'function') return v as Writable
  fail('fallback', v, 'a writable stream or a file path')
}

/**
 * A spool needs a report per record: a record that fails comes back whole (to be spooled)
 * only through its report's opaque, and node-rdkafka frees an opaque only when a report
 * carries it, so with failure-only reports every successful record's opaque would leak.
 */
function resolveReports (opts: Record<string, unknown>): DeliveryReports {
  const spool = opts['spool'] !== undefined
  const reports = oneOf(opts, 'deliveryReports', ['errors', 'all'] as const, spool ? 'all' : 'errors')
  if (spool && reports === 'errors') {
    throw new ConfigError('deliveryReports', "a spool needs a delivery report per record ('all', its default with a spool): leave deliveryReports out or set 'all'")
  }
  return reports
}

function resolveSpool (v: unknown): ResolvedSpoolOptions | undefined {
  if (v === undefined) return undefined
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('spool', v, "an object such as { dir: '/var/spool/myapp-logs' }")
  const s = v as Record<string, unknown>
  for (const k of Object.keys(s)) {
    if (!SPOOL_KNOWN.has(k)) throw new ConfigError(`spool.${k}`, `unknown option (known: ${[...SPOOL_KNOWN].join(', ')})`)
  }
  if (typeof s['dir'] !== 'string' || s['dir'].length === 0) fail('spool.dir', s['dir'], 'a directory path')
  const int = (name: string, dflt: number, min: number): number => {
    const x = s[name]
    if (x === undefined) return dflt
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min) fail(`spool.${name}`, x, `an integer >= ${min}`)
    return x
  }
  const fsync = s['fsync'] ?? 'interval'
  if (fsync !== 'never' && fsync !== 'interval' && fsync !== 'always') fail('spool.fsync', fsync, "'never', 'interval' or 'always'")
  return Object.freeze({ dir: path.resolve(s['dir']), maxBytes: int('maxBytes', 1024 ** 3, 64 * 1024), fsync, fsyncIntervalMs: int('fsyncIntervalMs', 1000, 1) })
}

/** A copy of the options with secret librdkafka values replaced. */
function redacted (o: ResolvedOptions): Record<string, unknown> {
  const rdkafka = Object.fromEntries(Object.entries(o.rdkafka).map(([k, v]) => [k, shown(k, v)]))
  return { ...o, rdkafka }
}

/** Validate once, apply defaults, return a frozen copy. Throws {@link ConfigError}. */
export function resolveOptions (input: unknown): ResolvedOptions {
  if (input === null || typeof input !== 'object') fail('options', input, 'an object with at least brokers and topic')
  const opts = input as Record<string, unknown>
  for (const k of Object.keys(opts)) {
    if (!KNOWN.has(k)) throw new ConfigError(k, `unknown option (known: ${[...KNOWN].join(', ')}; librdkafka properties go in rdkafka: {})`)
  }
  const acks = opts['acks'] === undefined ? 'all' : opts['acks']
  if (acks !== 'all' && acks !== 0 && acks !== 1) fail('acks', acks, "'all', 1 or 0")
  const idempotence = opts['idempotence'] ?? acks === 'all'
  if (typeof idempotence !== 'boolean') fail('idempotence', idempotence, 'a boolean')
  if (idempotence && acks !== 'all') throw new ConfigError('idempotence', `idempotence needs acks 'all' (acks is ${acks}); set idempotence: false or acks: 'all'`)
  const resolved: ResolvedOptions = {
    brokers: resolveBrokers(opts['brokers']),
    topic: resolveTopic(opts['topic']),
    key: resolveKey(opts['key']),
    compression: oneOf(opts, 'compression', COMPRESSIONS, 'lz4'),
    acks,
    idempotence,
    lingerMs: positiveInt(opts, 'lingerMs', 5, 0),
    batchMessages: positiveInt(opts, 'batchMessages', 10000),
    maxMessageBytes: positiveInt(opts, 'maxMessageBytes', 1000000, 1024),
    oversized: oneOf(opts, 'oversized', ['truncate', 'drop'] as const, 'truncate'),
    deliveryReports: resolveReports(opts),
    exitHook: oneOf(opts, 'exitHook', [true, false] as const, true),
    maxBufferBytes: positiveInt(opts, 'maxBufferBytes', 64 * 1024 * 1024, 1024),
    maxBufferMessages: positiveInt(opts, 'maxBufferMessages', 100000),
    overflow: oneOf(opts, 'overflow', OVERFLOWS, 'dropOldest'),
    fallback: resolveFallback(opts['fallback']),
    headers: Object.freeze(resolveRecord<string>(opts, 'headers', (x) => typeof x === 'string', 'a string')),
    logHeaders: oneOf(opts, 'logHeaders', [true, false] as const, true),
    rdkafka: Object.freeze(resolveRecord<RdkafkaValue>(opts, 'rdkafka',
      (x) => ['string', 'number', 'boolean'].includes(typeof x), 'a string, number or boolean')),
    connectTimeoutMs: positiveInt(opts, 'connectTimeoutMs', 30000),
    flushTimeoutMs: positiveInt(opts, 'flushTimeoutMs', 5000, 0),
    exitFlushMs: positiveInt(opts, 'exitFlushMs', 1000, 0),
    messageTimeoutMs: positiveInt(opts, 'messageTimeoutMs', 120000),
    spool: resolveSpool(opts['spool'])
  }
  // printing or serializing the options (logs, debug dumps) must not show secrets
  const shown = { value: () => redacted(resolved) }
  Object.defineProperties(resolved, { toJSON: shown, [inspect.custom]: shown })
  return Object.freeze(resolved)

}
