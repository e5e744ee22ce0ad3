/**
 * Every option of the core, once: its name, its type and default as the README shows them,
 * what it does, and (for the simple ones) the rule `resolveOptions()` checks it with and
 * the default it applies. The README's option table is checked against this one in a test
 * (test/unit/option-table.test.mjs), so the two cannot drift apart.
 */

import { ENGINES } from '../engine/engine'

/** How a simple option is checked; options with a resolver of their own are `custom`. */
export type OptionRule =
  | { readonly kind: 'int', readonly min: number, readonly default: number }
  | { readonly kind: 'enum', readonly values: readonly unknown[], readonly default: unknown }
  | { readonly kind: 'custom' }

export interface OptionRow {
  readonly name: string
  /** The type as shown in the README. */
  readonly type: string
  /** The default as shown in the README. */
  readonly shownDefault: string
  readonly doc: string
  readonly rule: OptionRule
}

const int = (dflt: number, min = 1): OptionRule => ({ kind: 'int', min, default: dflt })
const oneOf = (values: readonly unknown[], dflt: unknown): OptionRule => ({ kind: 'enum', values, default: dflt })
const custom: OptionRule = { kind: 'custom' }
const BOOL = [true, false] as const

export const ENCODINGS = ['raw', 'otlp_json', 'otlp_proto'] as const
export const COMPRESSIONS = ['lz4', 'zstd', 'gzip', 'snappy', 'none'] as const
export const OVERFLOWS = ['block', 'dropNewest', 'dropOldest'] as const
export const LOG_HEADERS = Object.freeze(['content-type', 'log-id', 'level', 'traceparent'] as const)

export const OPTION_TABLE: readonly OptionRow[] = [
  { name: 'brokers', type: 'string, string[]', shownDefault: 'required', doc: 'bootstrap brokers, `host:port,host:port` or an array', rule: custom },
  { name: 'topic', type: 'string, function', shownDefault: 'required', doc: 'a topic, a template such as `logs.{service}.{level}`, or a function of the record', rule: custom },
  { name: 'key', type: 'string, function', shownDefault: "`'none'`", doc: "partition key: `'none'`, `'hostname'`, a field path such as `'req.id'`, or a function", rule: custom },
  { name: 'encoding', type: "`'raw'`, `'otlp_json'`, `'otlp_proto'`", shownDefault: "`'raw'`", doc: 'record values: the line as the logger wrote it, or one OTLP `ExportLogsServiceRequest` per record for the OpenTelemetry Collector\'s Kafka receiver (README, "OpenTelemetry")', rule: oneOf(ENCODINGS, 'raw') },
  { name: 'compression', type: "`'lz4'`, `'zstd'`, `'gzip'`, `'snappy'`, `'none'`", shownDefault: "`'lz4'`", doc: 'librdkafka `compression.codec`', rule: oneOf(COMPRESSIONS, 'lz4') },
  { name: 'acks', type: "`'all'`, `1`, `0`", shownDefault: "`'all'`", doc: 'how many replicas acknowledge a record', rule: custom },
  { name: 'idempotence', type: 'boolean', shownDefault: "`true` with acks `'all'`", doc: 'idempotent producer: no duplicates from its own retries, and a key\'s order kept across them (off: a retried request can land after later ones, unless `rdkafka: { \'max.in.flight.requests.per.connection\': 1 }`)', rule: custom },
  { name: 'lingerMs', type: 'integer ≥ 0', shownDefault: '`5`', doc: 'librdkafka `linger.ms`', rule: int(5, 0) },
  { name: 'batchMessages', type: 'integer ≥ 1', shownDefault: '`10000`', doc: 'librdkafka `batch.num.messages`', rule: int(10000) },
  { name: 'maxMessageBytes', type: 'integer ≥ 1024', shownDefault: '`1000000`', doc: 'largest record value sent; see `oversized`', rule: int(1000000, 1024) },
  { name: 'oversized', type: "`'truncate'`, `'drop'`", shownDefault: "`'truncate'`", doc: 'a record over `maxMessageBytes`: cut (marked, still valid JSON) or dropped; counted either way', rule: oneOf(['truncate', 'drop'], 'truncate') },
  { name: 'deliveryReports', type: "`'errors'`, `'all'`", shownDefault: "`'errors'` (`'all'` with a spool)", doc: "`'all'`: a report per record (latency histogram; ~3x the cost)", rule: custom },
  { name: 'exitHook', type: 'boolean', shownDefault: '`true`', doc: 'main thread: flush at the end of the process, on signals without a handler of the app\'s, rescue at exit (README, "Shutdown and exit")', rule: oneOf(BOOL, true) },
  { name: 'maxBufferBytes', type: 'integer ≥ 1024', shownDefault: '64 MiB', doc: 'bound of the in-process buffer: values plus 768 bytes per record (librdkafka\'s queue is bounded from it too)', rule: int(64 * 1024 * 1024, 1024) },
  { name: 'maxBufferMessages', type: 'integer ≥ 1', shownDefault: '`100000`', doc: 'bound of the in-process buffer, in records', rule: int(100000) },
  { name: 'overflow', type: "`'dropOldest'`, `'dropNewest'`, `'block'`", shownDefault: "`'dropOldest'`", doc: "at a bound: drop the oldest, drop the new one, or `write()` returns false until `'drain'`", rule: oneOf(OVERFLOWS, 'dropOldest') },
  { name: 'fallback', type: 'Writable, file path', shownDefault: 'none', doc: 'where dropped and failed records go instead', rule: custom },
  { name: 'headers', type: 'object of strings', shownDefault: '`{}`', doc: 'headers added to every record', rule: custom },
  { name: 'logHeaders', type: 'boolean, string[]', shownDefault: 'text, OTLP: `content-type`, `level`', doc: 'per-record headers: `true` (all of `content-type`, `log-id`, `level`, `traceparent` on every record), `false`, or a list of them. Left out: none on a JSON line (its level is in it), `content-type` and `level` on text lines and OTLP records, and `log-id` on every record with a spool. A record\'s first header costs more CPU than the rest of it (README, "What a log line costs")', rule: custom },
  { name: 'levelLabels', type: 'object', shownDefault: "pino's", doc: "numeric levels to names for the `level` header and `{level}`: an app's own pino levels (the pino adapters learn them from pino)", rule: custom },
  { name: 'rdkafka', type: 'object', shownDefault: '`{}`', doc: 'any librdkafka property, passed through (TLS, SASL, `client.id`, ...)', rule: custom },
  { name: 'oauthbearerToken', type: 'string, `{ file }`, function', shownDefault: 'none', doc: 'SASL/OAUTHBEARER token, a file holding it, or `async () => ({ token, expiresAt })`, renewed before expiry (README, "Managed Kafka")', rule: custom },
  { name: 'connectTimeoutMs', type: 'integer ≥ 1', shownDefault: '`30000`', doc: 'without a connection after this long, one `ConnectError`; connecting goes on', rule: int(30000) },
  { name: 'flushTimeoutMs', type: 'integer ≥ 0', shownDefault: '`5000`', doc: 'default bound of `flush()` and `close()`, and of the flush before a signal takes effect', rule: int(5000, 0) },
  { name: 'exitFlushMs', type: 'integer ≥ 0', shownDefault: '`1000`', doc: 'at `process.exit()` or a crash, how long librdkafka is given to send what it holds (0: not at all)', rule: int(1000, 0) },
  { name: 'rescue', type: "`'auto'`, `'wait'`, `'detach'`", shownDefault: "`'auto'`", doc: "records in memory at exit with no connection go to a rescue process: `'detach'` outlives the app, `'wait'` is waited for (at most `min(connectTimeoutMs, 10 s)` + `flushTimeoutMs` + 5 s); `'auto'` waits when the app's end would kill it (PID 1 of a container, or under tini/dumb-init)", rule: oneOf(['auto', 'wait', 'detach'], 'auto') },
  { name: 'messageTimeoutMs', type: 'integer ≥ 1', shownDefault: '`120000`', doc: 'how long librdkafka retries a record before it fails (or, with a spool, goes to disk)', rule: int(120000) },
  { name: 'engine', type: "`'auto'`, `'rdkafka'`, `'platformatic'`", shownDefault: "`'auto'`", doc: "the Kafka client underneath: node-rdkafka (librdkafka, needs a C toolchain at install; the fastest) or @platformatic/kafka (pure JS); `'auto'` takes node-rdkafka when it loads (README, \"Installing node-rdkafka\")", rule: oneOf(ENGINES, 'auto') },
  { name: 'spool', type: '`{ dir, maxBytes, fsync, fsyncIntervalMs }`', shownDefault: 'off', doc: 'a durable spool on local disk for outages longer than memory holds, and crashes (RELIABILITY.md)', rule: custom }
]

/** The option names, for the unknown-option check. */
export const OPTION_NAMES: ReadonlySet<string> = new Set(OPTION_TABLE.map((o) => o.name))

/** The README's option table, as it must read. */
export function optionsMarkdown (): string {
  const rows = OPTION_TABLE.map((o) => `| \`${o.name}\` | ${o.type} | ${o.shownDefault} | ${o.doc} |`)
  return ['| option | type | default | what it does |', '|---|---|---|---|', ...rows].join('\n')
}
