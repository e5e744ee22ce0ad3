import type { Writable } from 'node:stream'
import type { EngineChoice } from '../engine/engine'

/*
 * The options' types: what callers pass (KafkaLogOptions) and what the core works with
 * after resolveOptions() (ResolvedOptions). Names, defaults and docs: option-table.ts.
 */

/** Anything `write()` accepts: a serialized line (string/Buffer) or a record object. */
export type LogInput = string | Buffer | Record<string, unknown>

/** A record's fields, as seen by topic/key functions (parsed lazily for lines). */
export type LogFields = Record<string, unknown>

export type TopicOption = string | ((fields: LogFields) => string)
/** `'none'`, `'hostname'`, a field path such as `'req.id'`, or a function. */
export type KeyOption = string | ((fields: LogFields) => string | Buffer | null | undefined)
export type Encoding = 'raw' | 'otlp_json' | 'otlp_proto'
export type Compression = 'lz4' | 'zstd' | 'gzip' | 'snappy' | 'none'
export type OverflowPolicy = 'block' | 'dropNewest' | 'dropOldest'
/** What the process's end does with records it could not send (README, "Shutdown and exit"). */
export type RescueMode = 'auto' | 'wait' | 'detach'
/** A per-record header the producer can add (`logHeaders`). */
export type LogHeaderName = 'content-type' | 'log-id' | 'level' | 'traceparent'

/** The per-record headers a record gets: one list for a JSON line, one for text and OTLP records. */
export interface ResolvedLogHeaders {
  /** On a record whose value is a JSON line (an object, or a line that starts with `{`), raw encoding. */
  readonly json: readonly LogHeaderName[]
  /** On a text line, and on every record of an OTLP encoding. */
  readonly other: readonly LogHeaderName[]
}
export type OversizedPolicy = 'truncate' | 'drop'
export type DeliveryReports = 'errors' | 'all'
export type RdkafkaValue = string | number | boolean

/** An OAUTHBEARER token with its expiry (epoch ms or a Date; read from a JWT's `exp` when not given). */
export interface OAuthBearerToken {
  token: string
  expiresAt?: number | Date
}

/**
 * Where the producer gets its OAUTHBEARER token: the token itself, a file holding it (read
 * again as it changes, e.g. a projected Kubernetes token), or a function called before the
 * first connection and again ahead of each token's expiry.
 */
export type OAuthBearerTokenOption = string | { file: string } | (() => OAuthBearerToken | string | Promise<OAuthBearerToken | string>)

/** `oauthbearerToken` after validation. */
export type ResolvedTokenSource =
  | { readonly kind: 'static', readonly token: string }
  | { readonly kind: 'file', readonly file: string }
  | { readonly kind: 'function', readonly get: () => unknown }

/** Options of {@link KafkaLogProducer}. Only `brokers` and `topic` are required. */
export interface KafkaLogOptions {
  /** Bootstrap brokers: `'host:port,host:port'` or an array. */
  brokers: string | string[]
  /** A topic, a template such as `logs.{service}.{level}`, or a function of the record. */
  topic: TopicOption
  /** Partition key: `'none'` (default), `'hostname'`, a field path such as `'req.id'`, or a function. */
  key?: KeyOption
  /**
   * Record values: `'raw'` (default) the line as the logger wrote it; `'otlp_json'` or
   * `'otlp_proto'` one OTLP `ExportLogsServiceRequest` per record, as the OpenTelemetry
   * Collector's Kafka receiver reads them (needs @opentelemetry/otlp-transformer installed).
   */
  encoding?: Encoding
  /** Default `'lz4'`. */
  compression?: Compression
  /** Default `'all'`. */
  acks?: 'all' | 0 | 1
  /**
   * Idempotent producer (no duplicates on retry, a key's order kept across retries). Default
   * true; needs acks `'all'`. Off, a retried request can land after later ones unless
   * `rdkafka: { 'max.in.flight.requests.per.connection': 1 }`.
   */
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
   * Per-record headers: true for all of `content-type`, `log-id`, `level` and `traceparent`
   * (when the record has trace ids) on every record, false for none, or a list of them.
   * Left out, headers go only where the value cannot speak for itself: none on a JSON line
   * (its level is in it), `content-type` and `level` on text lines and OTLP records, and
   * with a spool (whose replays can send a record twice) `log-id` on every record. A
   * record's first header costs more CPU than the rest of the record (~2 µs in the worker
   * target's producer process, most of it librdkafka's allocations, made on one thread and
   * freed on another); each further one much less.
   */
  logHeaders?: boolean | readonly LogHeaderName[]
  /**
   * Numeric levels to names, for the `level` header and the `{level}` topic placeholder:
   * an app's own pino levels (`customLevels`), over pino's six. The pino worker target and
   * `kafkaDestination()` learn them from pino itself; set it for `write()` of such records.
   */
  levelLabels?: Record<number, string>
  /** Any librdkafka property, passed through (TLS, SASL, client.id, ...). */
  rdkafka?: Record<string, RdkafkaValue>
  /**
   * SASL/OAUTHBEARER: a token, `{ file }`, or `async () => ({ token, expiresAt })`, renewed
   * ahead of expiry. Sets `sasl.mechanisms` to OAUTHBEARER and, unless `rdkafka` says
   * otherwise, `security.protocol` to `sasl_ssl`. The pino worker target takes a token or a
   * file (functions cannot cross into it).
   */
  oauthbearerToken?: OAuthBearerTokenOption
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
  /**
   * Records still in memory at exit with no connection to Kafka go to a rescue process.
   * `'detach'`: it outlives the app, which ends at once. `'wait'`: the app waits for it,
   * at most `min(connectTimeoutMs, 10 s)` + `flushTimeoutMs` + 5 s, and says on stderr what
   * was sent or where the rest is. `'auto'` (default): `'wait'` when the app's end takes its
   * children with it (PID 1 of a container, or the one child of tini/dumb-init), else `'detach'`.
   */
  rescue?: RescueMode
  /** How long librdkafka retries one record before reporting it failed. Default 120000. */
  messageTimeoutMs?: number
  /**
   * The Kafka client underneath. `'rdkafka'`: node-rdkafka (librdkafka, built from source at
   * install; the fastest, and the native path rides on it). `'platformatic'`:
   * @platformatic/kafka, pure JS, always installed. `'auto'` (default): node-rdkafka when it
   * loads, else the pure-JS one, said once at connect.
   */
  engine?: EngineChoice
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
  readonly encoding: Encoding
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
  /** The per-record headers to add (each list in this order; empty: none). */
  readonly logHeaders: ResolvedLogHeaders
  /** pino's level names with the app's own over them. */
  readonly levelLabels: Readonly<Record<number, string>>
  readonly rdkafka: Readonly<Record<string, RdkafkaValue>>
  readonly oauthbearerToken: ResolvedTokenSource | undefined
  readonly connectTimeoutMs: number
  readonly flushTimeoutMs: number
  readonly exitFlushMs: number
  readonly rescue: RescueMode
  readonly messageTimeoutMs: number
  readonly engine: EngineChoice
  readonly spool: ResolvedSpoolOptions | undefined
}
