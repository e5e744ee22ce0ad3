import type { ConnectionClient, ConnectionOptions } from './connection-client'
import type { ResolvedTokenSource } from './config/types'
import { KafkaLogError } from './errors'
import { IdleSuspend } from './idle-suspend'
import { createEngineProducer, engineNotice } from './engine/choose'
import { giveToken, isFatal, type EngineError, type EngineName, type EngineProducer, type HeldRecord } from './engine/engine'
import { ReportRouter } from './report-router'
import { LINES_UNSUPPORTED, type LinesResult, type NativeLinePlan } from './native-batch'
import { NativeRoute } from './native-route'
import { TokenKeeper, tokenIdentity } from './oauth-token'
import type { KafkaClock } from './record/kafka-time'
import type { EncodedRecord } from './record/record'
import { redact, type RdkafkaConfig } from './config/rdkafka-config'

// delivery reports reach JS only when polled: with a report per record they feed the
// latency histogram (and callers waiting on them), so poll often; failures alone can wait
const POLL_MS = 20
const POLL_ALL_REPORTS_MS = 5
const CONNECT_RETRY_MS = 1000
const CONNECT_ATTEMPT_MS = 10000

const shared = new Map<string, Connection>()

/**
 * One engine producer (node-rdkafka's, or the pure-JS engine's), shared by every
 * KafkaLogProducer of the process with the same configuration (one set of broker
 * connections, however many loggers). Connects lazily, retries, polls, suspends when the
 * process is otherwise idle, and disconnects when its last client leaves.
 */
export class Connection {
  readonly #key: string
  readonly #config: RdkafkaConfig
  readonly #opts: ConnectionOptions
  readonly #clients = new Map<number, ConnectionClient>()
  #native: EngineProducer
  readonly #route: NativeRoute
  #state: 'idle' | 'connecting' | 'ready' = 'idle'
  #connectStarted = 0
  #attempt: Promise<void> | undefined
  #pollTimer: NodeJS.Timeout | undefined
  #retryTimer: NodeJS.Timeout | undefined
  readonly #idle: IdleSuspend
  #fatalReported = false
  #lastLoggedError: string | undefined
  #stats: Record<string, unknown> | undefined
  readonly #reports = new ReportRouter()
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
    this.#route = new NativeRoute(!opts.allReports && opts.engine === 'rdkafka', (err) => { this.#report(err) })
    this.#native = this.#createNative()
    this.#idle = new IdleSuspend({
      connected: () => this.#state === 'ready',
      flushAll: () => Promise.all([...this.#clients.values()].map(async (c) => c.idleFlush())),
      buffered: () => [...this.#clients.values()].some((c) => c.buffered() > 0),
      disconnect: () => this.#disconnect(this.#opts.flushTimeoutMs, true),
      ownResources: () => this.#native.ownResources?.() ?? []
    })
    this.#token = token === undefined ? undefined : new TokenKeeper(token, (t) => { this.#setToken(t) }, (err) => { this.#report(err) })
  }

  #report (err: KafkaLogError): void {
    for (const c of this.#clients.values()) c.report(err)
  }

  /** A (new) token to the native handle: kept for its next connect, or used by the live one from its next (re)authentication. */
  #setToken (token: string): boolean {
    const refused = giveToken(this.#native, token)
    if (refused !== undefined) this.#report(refused)
    return refused === undefined
  }

  get ready (): boolean { return this.#state === 'ready' }
  get engine (): EngineName { return this.#opts.engine }
  get stats (): Record<string, unknown> | undefined { return this.#stats }
  /** Several clients share it: records must carry their client's id to route reports. */
  get isShared (): boolean { return this.#clients.size > 1 }
  /** At exit: what an engine holds in JS, taken out to be handed over (node-rdkafka's threads send their own). */
  takeHeld (): HeldRecord[] { return this.#native.takeHeld?.() ?? [] }

  #createNative (): EngineProducer {
    return createEngineProducer(this.#opts.engine, this.#config, this.#route, {
      delivery: (err, report) => { this.#reports.deliver(this.#clients, err, report) },
      error: (err) => { this.#onNativeError(err) },
      loggedError: (message) => { this.#lastLoggedError = message },
      stats: (stats) => { this.#stats = stats }
    })
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
    else if (this.isShared) this.#reports.note(topic, clientId)
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
  get nativeProblem (): string { return this.#route.problem }

  /**
   * Hand the first `count` records `at` gives to librdkafka in one native call (only when
   * {@link batches}). Returns how many it took, from the first, and the librdkafka error
   * code of the record that stopped it (0: none; BATCH_NOT_CONNECTED: closing).
   */
  produceBatch (clientId: number, count: number, at: (i: number) => EncodedRecord, clock: KafkaClock): { taken: number, code: number } {
    return this.#route.produceBatch(count, at, clock, this.isShared ? (topic) => { this.#reports.note(topic, clientId) } : undefined)
  }

  /**
   * Hand the complete lines of chunk[start, end) to librdkafka through the native line
   * path (only when {@link batches}), as far as it takes them. A shared connection takes
   * only plans with a constant topic (it notes who writes to each topic).
   */
  produceLines (clientId: number, plan: NativeLinePlan, chunk: Buffer, start: number, end: number, clock: KafkaClock): LinesResult {
    if (this.isShared && this.#route.active) {
      if (plan.topic === undefined) return { at: start, records: 0, bytes: 0, stop: LINES_UNSUPPORTED, replaced: 0 }
      this.#reports.note(plan.topic, clientId)
    }
    return this.#route.produceLines(plan, chunk, start, end, clock)
  }

  /** librdkafka's words for an error code from a batch. */
  errorText (code: number): string {
    return this.#route.errorText(code)
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
    // a suspension is disconnecting the native producer: connect once it is done
    if (this.#idle.deferConnect(() => { if (this.#clients.size > 0) this.connect() })) return
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

  #onConnectFailed (err: EngineError): void {
    this.#state = 'idle'
    const waited = Date.now() - this.#connectStarted
    const said = this.#lastLoggedError === undefined ? undefined : redact(this.#lastLoggedError, this.#config)
    this.#lastLoggedError = undefined
    for (const c of this.#clients.values()) c.onConnectFailed(err, waited, said)
    this.#retryLater()
  }

  #onReady (): void {
    this.#state = 'ready'
    this.#route.connected(this.#native.name)
    engineNotice(this.#opts.engine)
    this.#connectStarted = 0
    // delivery reports (and error events) reach JS only through poll()
    this.#pollTimer = setInterval(() => { this.poll() }, this.#opts.allReports ? POLL_ALL_REPORTS_MS : POLL_MS).unref()
    if (this.#opts.idleSuspend) this.#idle.start()
    for (const c of this.#clients.values()) c.onReady()
  }

  #onNativeError (err: EngineError): void {
    if (this.#fatalReported || !isFatal(err)) return // librdkafka retries transient broker trouble by itself
    this.#fatalReported = true
    this.#report(new KafkaLogError(`Kafka producer error: ${redact(err.message, this.#config)}`, { cause: err }))
  }

  /** Wait for a suspension or a connection attempt under way (a connecting handle must not be torn down). */
  async settle (): Promise<void> {
    if (this.#idle.under !== undefined) await this.#idle.under
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
    this.#idle.stop()
    clearTimeout(this.#retryTimer)
    this.#pollTimer = this.#retryTimer = undefined
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
