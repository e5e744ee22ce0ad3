import { createHash } from 'node:crypto'
import type { DeliveryReport, LibrdKafkaError, Producer as NativeProducer } from 'node-rdkafka'
import type { ResolvedTokenSource } from './config/types'
import { AuthError, ConfigError, KafkaLogError } from './errors'
import { processIsIdle } from './lifecycle/exit'
import { loadRdkafka } from './native'
import { LINES_UNSUPPORTED, type LinesResult, type NativeLinePlan } from './native-batch'
import { NativeRoute } from './native-route'
import { TokenKeeper } from './oauth-token'
import type { KafkaClock } from './record/kafka-time'
import type { EncodedRecord } from './record/record'
import { redact, type RdkafkaConfig } from './config/rdkafka-config'

// delivery reports reach JS only when polled: with a report per record they feed the
// latency histogram (and callers waiting on them), so poll often; failures alone can wait
const POLL_MS = 20
const POLL_ALL_REPORTS_MS = 5
const CONNECT_RETRY_MS = 1000
const CONNECT_ATTEMPT_MS = 10000
const IDLE_CHECK_MS = 250

/** What a connection needs from each producer that shares it. */
export interface ConnectionClient {
  readonly id: number
  /** The connection is up: hand buffered records over. */
  onReady: () => void
  /** A delivery report for one of this client's records (errors only, unless reports are 'all'). */
  onDelivery: (err: LibrdKafkaError | null | undefined, report: DeliveryReport, writtenAt: number | undefined, kept: unknown) => void
  /**
   * A connection attempt failed (librdkafka keeps no handle between attempts). `brokerSaid`:
   * the last error librdkafka logged meanwhile (e.g. "SASL authentication error: ...").
   */
  onConnectFailed: (err: LibrdKafkaError, waitedMs: number, brokerSaid: string | undefined) => void
  /** An error for the app: a fatal producer error (once per connection), or no usable OAUTHBEARER token (once until one comes). */
  report: (err: KafkaLogError) => void
  /** Flush before the connection is suspended because the process is otherwise idle. */
  idleFlush: () => Promise<unknown>
  /** Records still waiting in this client's JS buffer. */
  buffered: () => number
}

export interface ConnectionOptions {
  connectTimeoutMs: number
  flushTimeoutMs: number
  /** Per-record reports: the opaque then carries the write time for the latency histogram. */
  allReports: boolean
  /** Suspend (flush + disconnect) when nothing else keeps the process alive. */
  idleSuspend: boolean
}

const shared = new Map<string, Connection>()

// producers share a connection only when they get their token from the same place
const tokenFunctionIds = new WeakMap<() => unknown, number>()
let nextTokenFunctionId = 1
function tokenIdentity (token: ResolvedTokenSource | undefined): string {
  if (token === undefined) return ''
  if (token.kind === 'file') return `file:${token.file}`
  if (token.kind === 'static') return `static:${createHash('sha256').update(token.token).digest('hex')}`
  let id = tokenFunctionIds.get(token.get)
  if (id === undefined) tokenFunctionIds.set(token.get, id = nextTokenFunctionId++)
  return `function:${id}`
}

/**
 * One node-rdkafka producer, shared by every KafkaLogProducer of the process with the same
 * librdkafka configuration (one set of broker connections and threads, however many
 * loggers). Connects lazily, retries, polls, suspends when the process is otherwise idle,
 * and disconnects when its last client leaves.
 */
export class Connection {
  readonly #key: string
  readonly #config: RdkafkaConfig
  readonly #opts: ConnectionOptions
  readonly #clients = new Map<number, ConnectionClient>()
  #native: NativeProducer
  readonly #route: NativeRoute
  #state: 'idle' | 'connecting' | 'ready' = 'idle'
  #connectStarted = 0
  #attempt: Promise<void> | undefined
  #pollTimer: NodeJS.Timeout | undefined
  #idleTimer: NodeJS.Timeout | undefined
  #retryTimer: NodeJS.Timeout | undefined
  #suspending: Promise<void> | undefined
  #connectAfterSuspend = false
  #fatalReported = false
  #lastLoggedError: string | undefined
  #stats: Record<string, unknown> | undefined
  readonly #topicOwners = new Map<string, number | 'many'>()
  readonly #token: TokenKeeper | undefined

  /**
   * The shared connection for `config` (and `token`: where its OAUTHBEARER token comes
   * from), created (without I/O) when there is none yet. Throws ConfigError.
   */
  static acquire (config: RdkafkaConfig, opts: ConnectionOptions, client: ConnectionClient, token?: ResolvedTokenSource): Connection {
    const key = JSON.stringify([config.global, config.topic, opts, tokenIdentity(token)])
    let c = shared.get(key)
    if (c === undefined) {
      c = new Connection(key, config, opts, token)
      shared.set(key, c)
    }
    c.#clients.set(client.id, client)
    return c
  }

  private constructor (key: string, config: RdkafkaConfig, opts: ConnectionOptions, token: ResolvedTokenSource | undefined) {
    this.#key = key
    this.#config = config
    this.#opts = opts
    this.#route = new NativeRoute(!opts.allReports, (err) => { this.#report(err) })
    this.#native = this.#createNative()
    this.#token = token === undefined
      ? undefined
      : new TokenKeeper(token, (t) => { this.#setToken(t) }, (err) => { this.#report(err) })
  }

  #report (err: KafkaLogError): void {
    for (const c of this.#clients.values()) c.report(err)
  }

  /** A (new) token to the native handle: kept for its next connect, or used by the live one from its next (re)authentication. */
  #setToken (token: string): boolean {
    try {
      this.#native.setOauthBearerToken(token)
      return true
    } catch (err) {
      // librdkafka's words about a token never include the token
      this.#report(new AuthError(`librdkafka refused the OAUTHBEARER token: ${err instanceof Error ? err.message : String(err)}`, { cause: err }))
      return false
    }
  }

  get ready (): boolean { return this.#state === 'ready' }
  get stats (): Record<string, unknown> | undefined { return this.#stats }
  /** Several clients share it: records must carry their client's id to route reports. */
  get isShared (): boolean { return this.#clients.size > 1 }

  #createNative (): NativeProducer {
    const Kafka = loadRdkafka()
    let native: NativeProducer
    try {
      // validates every librdkafka property now (no I/O happens before connect)
      const global = this.#route.withPlugin(this.#config.global)
      try {
        native = new Kafka.Producer(global, this.#config.topic)
      } catch (err) {
        if (global === this.#config.global) throw err
        // refused with the plugin named: without it (a config error throws again, for the user)
        native = new Kafka.Producer(this.#config.global, this.#config.topic)
        this.#route.pluginRefused(err instanceof Error ? err.message : String(err))
      }
    } catch (err) {
      const message = redact(err instanceof Error ? err.message : String(err), this.#config)
      // librdkafka names the property, except for a plugin it cannot load: "(plugin <path>)"
      const property = /property:? "([^"]+)"/.exec(message)?.[1] ?? (/\(plugin [^)]*\)$/.test(message) ? 'plugin.library.paths' : undefined)
      throw new ConfigError(property === undefined ? 'rdkafka' : `rdkafka.${property}`, `librdkafka rejected it: ${message}`)
    }
    native.on('delivery-report', (err, report) => { this.#deliver(err, report) })
    native.on('event.error', (err) => { this.#onNativeError(err) })
    // while connecting, librdkafka says why a broker refused us (authentication, TLS) only
    // in its log: keep the last error-level line for the connect error
    native.on('event.log', (log: { severity: number, message: string }) => {
      if (log.severity <= 3) this.#lastLoggedError = log.message.replace(/^\[thrd:[^\]]*\]: /, '')
    })
    native.on('event.stats', (stats: { message: string }) => {
      try {
        this.#stats = JSON.parse(stats.message) as Record<string, unknown>
      } catch {
        // a malformed statistics document is not worth an error
      }
    })
    return native
  }

  /**
   * librdkafka's produce(); throws as node-rdkafka does (QUEUE_FULL, size). `keep`: handed
   * back with the record's delivery report when every record gets one (the spool keeps a
   * failed record whole this way).
   */
  produce (clientId: number, topic: string, value: Buffer, key: string | Buffer | null, timestamp: number | null,
    headers: ReadonlyArray<Readonly<Record<string, string>>>, keep?: unknown): void {
    // An opaque is freed by node-rdkafka only when a report carries it: with failure-only
    // reports, an opaque per record would leak for every success. So it is set only when
    // every record gets a report; otherwise a shared connection routes failures by topic.
    let opaque: unknown
    if (this.#opts.allReports) opaque = [clientId, performance.now(), keep]
    else if (this.isShared) this.#noteTopic(topic, clientId)
    // node-rdkafka cuts a string key at its first NUL; a Buffer goes whole, as in a native batch
    const whole = typeof key === 'string' && key.includes('\0') ? Buffer.from(key) : key
    this.#native.produce(topic, null, value, whole, timestamp, opaque, headers as Array<Record<string, string>>)
  }

  /**
   * Hands records over in native batches (the addon is there and librdkafka gave it this
   * producer's handle; reports are failure-only: a per-record report carries an opaque,
   * which only `produce()` sets).
   */
  get batches (): boolean {
    return this.#route.usable
  }

  /** Records go the native way: on librdkafka's handle when connected, else when it connects. */
  get nativeInUse (): boolean {
    return this.#state === 'ready' ? this.#route.active : this.#route.usable
  }

  /** Why records do not go the native way ('' when they do, or by choice): for metrics(). */
  get nativeProblem (): string {
    return this.#route.problem
  }

  /**
   * Hand the first `count` records `at` gives to librdkafka in one native call (only when
   * {@link batches}). Returns how many it took, from the first, and the librdkafka error
   * code of the record that stopped it (0: none; BATCH_NOT_CONNECTED: closing).
   */
  produceBatch (clientId: number, count: number, at: (i: number) => EncodedRecord, clock: KafkaClock): { taken: number, code: number } {
    return this.#route.produceBatch(count, at, clock, this.isShared ? (topic) => { this.#noteTopic(topic, clientId) } : undefined)
  }

  /**
   * Hand the complete lines of chunk[start, end) to librdkafka through the native line
   * path (only when {@link batches}), as far as it takes them. A shared connection takes
   * only plans with a constant topic (it notes who writes to each topic).
   */
  produceLines (clientId: number, plan: NativeLinePlan, chunk: Buffer, start: number, end: number, clock: KafkaClock): LinesResult {
    if (this.isShared && this.#route.active) {
      if (plan.topic === undefined) return { at: start, records: 0, bytes: 0, stop: LINES_UNSUPPORTED, replaced: 0 }
      this.#noteTopic(plan.topic, clientId)
    }
    return this.#route.produceLines(plan, chunk, start, end, clock)
  }

  /** librdkafka's words for an error code from a batch. */
  errorText (code: number): string {
    return this.#route.errorText(code)
  }

  /** Which client writes to `topic` (shared connections with failure-only reports route failures by it). */
  #noteTopic (topic: string, clientId: number): void {
    const owner = this.#topicOwners.get(topic)
    if (owner === undefined) this.#topicOwners.set(topic, clientId)
    else if (owner !== clientId && owner !== 'many') this.#topicOwners.set(topic, 'many')
  }

  /** Delivery reports to JS now. Never throws (node-rdkafka throws when its producer is not connected). */
  poll (): void {
    if (this.#state !== 'ready') return
    try {
      this.#native.poll()
    } catch {
      // torn down under us: the next connection polls again
    }
  }

  connect (): void {
    if (this.#state !== 'idle') return
    // a suspension is disconnecting the native producer: connect once it is done (node-rdkafka
    // would take the one being torn down for connected, and report no name)
    if (this.#suspending !== undefined) {
      if (!this.#connectAfterSuspend) {
        this.#connectAfterSuspend = true
        void this.#suspending.then(() => {
          this.#connectAfterSuspend = false
          if (this.#clients.size > 0) this.connect()
        })
      }
      return
    }
    this.#state = 'connecting'
    if (this.#connectStarted === 0) this.#connectStarted = Date.now()
    const attemptMs = Math.min(this.#opts.connectTimeoutMs, CONNECT_ATTEMPT_MS)
    // without OAUTHBEARER the native connect starts now, as it always did
    const attempt = (this.#token === undefined
      ? this.#connectNative(attemptMs)
      : this.#withToken().then(async (ok) => { if (ok) await this.#connectNative(attemptMs) })
    ).finally(() => { if (this.#attempt === attempt) this.#attempt = undefined })
    this.#attempt = attempt
  }

  /** One attempt of node-rdkafka's connect, started at once; resolves when it has ended either way. */
  async #connectNative (attemptMs: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#native.connect({ timeout: attemptMs }, (err) => {
        resolve()
        if (this.#state !== 'connecting') return
        if (err) this.#onConnectFailed(err)
        else this.#onReady()
      })
    })
  }

  /**
   * With OAUTHBEARER: a valid token on the native handle before it connects (a handle made
   * after a suspension has none yet). False when there is none (the keeper said why): try
   * again later, without a connection attempt the broker would refuse.
   */
  async #withToken (): Promise<boolean> {
    const token = await this.#token?.token()
    if (this.#state !== 'connecting') return false
    if (token !== undefined && this.#setToken(token)) return true
    this.#state = 'idle'
    this.#retryLater()
    return false
  }

  #retryLater (): void {
    if (this.#clients.size === 0) return
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      this.connect()
    }, CONNECT_RETRY_MS).unref()
  }

  #onConnectFailed (err: LibrdKafkaError): void {
    this.#state = 'idle'
    const waited = Date.now() - this.#connectStarted
    const said = this.#lastLoggedError === undefined ? undefined : redact(this.#lastLoggedError, this.#config)
    this.#lastLoggedError = undefined
    for (const c of this.#clients.values()) c.onConnectFailed(err, waited, said)
    this.#retryLater()
  }

  #onReady (): void {
    this.#state = 'ready'
    this.#route.connected((this.#native as unknown as { name: string }).name)
    this.#connectStarted = 0
    // delivery reports (and error events) reach JS only through poll()
    this.#pollTimer = setInterval(() => { this.poll() }, this.#opts.allReports ? POLL_ALL_REPORTS_MS : POLL_MS).unref()
    if (this.#opts.idleSuspend) this.#idleTimer = setInterval(() => { this.#checkProcessIdle() }, IDLE_CHECK_MS).unref()
    for (const c of this.#clients.values()) c.onReady()
  }

  #deliver (err: LibrdKafkaError | null | undefined, report: DeliveryReport): void {
    const opaque: unknown = report.opaque
    let id: number | undefined
    let writtenAt: number | undefined
    let kept: unknown
    if (Array.isArray(opaque)) [id, writtenAt, kept] = opaque as [number, number | undefined, unknown]
    else if (typeof opaque === 'number') id = opaque
    if (id === undefined) {
      // failure-only reports carry no opaque: the topic's only writer, else the first client
      // (two producers of one connection writing the same topic share its failure counts)
      const owner = this.#topicOwners.get(report.topic)
      if (typeof owner === 'number' && this.#clients.has(owner)) id = owner
    }
    const client = id === undefined ? this.#clients.values().next().value : this.#clients.get(id)
    client?.onDelivery(err, report, writtenAt, kept)
  }

  #onNativeError (err: LibrdKafkaError): void {
    // librdkafka retries transient broker trouble by itself; a fatal error (e.g. the
    // idempotent producer lost its state, or authentication failed) is reported once.
    const fatal = (err as { isFatal?: boolean }).isFatal === true || /authentication|SASL|not authorized/i.test(err.message)
    if (!fatal || this.#fatalReported) return
    this.#fatalReported = true
    this.#report(new KafkaLogError(`Kafka producer error: ${redact(err.message, this.#config)}`, { cause: err }))
  }

  /**
   * node-rdkafka's native handles keep the event loop alive while connected. When nothing
   * else does, the app is done: flush and disconnect so the process can exit. A later
   * write reconnects.
   */
  #checkProcessIdle (): void {
    if (this.#suspending !== undefined || this.#state !== 'ready' || !processIsIdle()) return
    this.#suspending = this.#suspend().finally(() => { this.#suspending = undefined })
  }

  async #suspend (): Promise<void> {
    await Promise.all([...this.#clients.values()].map(async (c) => c.idleFlush()))
    if (this.#state !== 'ready' || !processIsIdle() || [...this.#clients.values()].some((c) => c.buffered() > 0)) return
    await this.#disconnect(this.#opts.flushTimeoutMs, true)
  }

  /** Wait for a suspension or a connection attempt under way (a connecting handle must not be torn down). */
  async settle (): Promise<void> {
    if (this.#suspending !== undefined) await this.#suspending
    if (this.#attempt !== undefined) await this.#attempt
  }

  /** librdkafka flush of everything handed over; `err` set at the deadline. */
  flush (timeoutMs: number, cb: (err: unknown) => void): void {
    if (this.#state !== 'ready') {
      cb(new KafkaLogError('not connected'))
      return
    }
    this.#native.flush(Math.max(0, timeoutMs), cb)
  }

  async #disconnect (timeoutMs: number, reusable: boolean): Promise<void> {
    this.#stopTimers()
    const wasConnected = this.#native.isConnected()
    this.#state = 'idle'
    this.#route.release()
    if (wasConnected) {
      const old = this.#native
      await new Promise<void>((resolve) => { old.disconnect(Math.max(1000, timeoutMs), () => { resolve() }) })
      // a disconnected node-rdkafka producer is not reconnected: the next connect gets a new one
      if (reusable) this.#native = this.#createNative()
    }
  }

  #stopTimers (): void {
    clearInterval(this.#pollTimer)
    clearInterval(this.#idleTimer)
    clearTimeout(this.#retryTimer)
    this.#pollTimer = this.#idleTimer = this.#retryTimer = undefined
  }

  /** A client leaves; the last one out disconnects (bounded by `timeoutMs`). */
  async release (client: ConnectionClient, timeoutMs: number): Promise<void> {
    this.#clients.delete(client.id)
    if (this.#clients.size > 0) return
    shared.delete(this.#key)
    this.#token?.stop()
    await this.settle()
    await this.#disconnect(timeoutMs, false)
  }
}
