import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import type { Writable } from 'node:stream'
import type { DeliveryReport, LibrdKafkaError, Producer as NativeProducer } from 'node-rdkafka'
import { ClosedError, ConfigError, ConnectError, DeliveryError, KafkaLogError, type BadRecordError } from './errors'
import { Counters, type DropReason, type MetricsSnapshot } from './metrics'
import { loadRdkafka } from './native'
import { resolveOptions, type KafkaLogOptions, type LogInput, type ResolvedOptions } from './options'
import { RecordQueue } from './queue'
import { buildRdkafkaConfig, redact, type RdkafkaConfig } from './rdkafka-config'
import { RecordEncoder, type EncodedRecord } from './record'

const ERR_QUEUE_FULL = -184
const ERR_MSG_SIZE_TOO_LARGE = 10
const POLL_MS = 5
const QUEUE_FULL_RETRY_MS = 5
const CONNECT_RETRY_MS = 1000
const CONNECT_ATTEMPT_MS = 10000

/** What `flush()` and `close()` resolve with. */
export interface FlushResult {
  delivered: number
  failed: number
  /** Records not yet acknowledged when the call returned (0 when everything settled). */
  pending: number
}

type State = 'idle' | 'connecting' | 'ready' | 'closing' | 'closed'

/**
 * A process-wide Kafka producer for log records, over node-rdkafka.
 *
 * `write()` never throws and never blocks: records are buffered in JS (bounded) until
 * the connection is up or librdkafka's queue has room. Every record is accounted for:
 * `written = delivered + failed + dropped + pending`.
 *
 * Events: `ready`, `drain`, `drop` (reason, error), `delivery-error` (DeliveryError),
 * `error` (KafkaLogError; only emitted when a listener exists), `close`.
 */
export class KafkaLogProducer extends EventEmitter {
  /** The validated options (frozen). */
  readonly options: ResolvedOptions
  readonly #encoder: RecordEncoder
  readonly #config: RdkafkaConfig
  readonly #native: NativeProducer
  readonly #queue = new RecordQueue<EncodedRecord>()
  readonly #counters = new Counters()
  #state: State = 'idle'
  #pollTimer: NodeJS.Timeout | undefined
  #retryTimer: NodeJS.Timeout | undefined
  #connectStarted = 0
  #connectErrorReported = false
  #connecting: Promise<void> | undefined
  #needDrain = false
  #idleWaiters: Array<() => void> = []
  #closing: Promise<FlushResult> | undefined
  /** Set by close(): intake stops at once, even while the connection is still coming up. */
  #closeRequested = false
  #fallback: Writable | undefined

  constructor (options: KafkaLogOptions) {
    super()
    this.options = resolveOptions(options)
    this.#encoder = new RecordEncoder(this.options)
    this.#config = buildRdkafkaConfig(this.options)
    if (this.options.fallback !== undefined) this.#config.global['dr_msg_cb'] = true
    const Kafka = loadRdkafka()
    try {
      // validates every librdkafka property now (no I/O happens before connect)
      this.#native = new Kafka.Producer(this.#config.global, this.#config.topic)
    } catch (err) {
      const message = redact(err instanceof Error ? err.message : String(err), this.#config)
      const property = /property:? "([^"]+)"/.exec(message)?.[1]
      throw new ConfigError(property === undefined ? 'rdkafka' : `rdkafka.${property}`, `librdkafka rejected it: ${message}`)
    }
    this.#native.on('delivery-report', (err, report) => { this.#onDelivery(err, report) })
    this.#native.on('event.error', (err) => { this.#onNativeError(err) })
  }

  /**
   * Queue one log record: a serialized line (string/Buffer, sent as it is) or an object.
   * Returns false when the buffer is at its bound: wait for `'drain'` before writing more.
   */
  write (input: LogInput): boolean {
    this.#counters.written++
    if (this.#closeRequested) {
      this.#drop('closed', undefined)
      return false
    }
    let record: EncodedRecord
    try {
      record = this.#encoder.encode(input)
    } catch (err) {
      this.#drop('bad-record', undefined, err as BadRecordError)
      return true
    }
    if (this.#state === 'idle') this.#connect()
    if (this.#state === 'ready' && this.#queue.length === 0 && this.#produce(record)) return true
    return this.#enqueue(record)
  }

  /** Connect now instead of on the first write; resolves once connected (or rejects on close). */
  connect (): Promise<void> {
    if (this.#state === 'ready') return Promise.resolve()
    if (this.#state === 'idle') this.#connect()
    return new Promise((resolve, reject) => {
      const onReady = (): void => {
        this.off('close', onClose)
        resolve()
      }
      const onClose = (): void => {
        this.off('ready', onReady)
        reject(new ClosedError('the producer was closed before it connected'))
      }
      this.once('ready', onReady)
      this.once('close', onClose)
    })
  }

  /** Wait until everything written so far is acknowledged, or `timeoutMs` passes. Never rejects. */
  async flush (timeoutMs: number = this.options.flushTimeoutMs): Promise<FlushResult> {
    await this.#waitIdle(timeoutMs)
    return this.#flushResult()
  }

  /**
   * Stop intake, flush, disconnect, all within `timeoutMs`. Idempotent: later calls get
   * the same promise. Records still pending at the deadline are counted as dropped.
   */
  close (timeoutMs: number = this.options.flushTimeoutMs): Promise<FlushResult> {
    this.#closing ??= this.#close(timeoutMs)
    return this.#closing
  }

  /** A snapshot of the counters. */
  metrics (): MetricsSnapshot {
    const c = this.#counters
    return {
      written: c.written,
      delivered: c.delivered,
      failed: c.failed,
      dropped: c.droppedTotal(),
      droppedByReason: { ...c.dropped },
      buffered: this.#queue.length,
      bufferedBytes: this.#queue.bytes,
      inflight: c.inflight,
      pending: this.#queue.length + c.inflight,
      bytesDelivered: c.bytesDelivered,
      connected: this.#state === 'ready'
    }
  }

  // --- connection ---------------------------------------------------------------------

  #connect (): void {
    this.#state = 'connecting'
    if (this.#connectStarted === 0) this.#connectStarted = Date.now()
    const attemptMs = Math.min(this.options.connectTimeoutMs, CONNECT_ATTEMPT_MS)
    this.#connecting = new Promise((resolve) => {
      this.#native.connect({ timeout: attemptMs }, (err) => {
        this.#connecting = undefined
        resolve()
        if (this.#state !== 'connecting') return // closed meanwhile; close() disconnects
        if (err) this.#onConnectFailed(err)
        else this.#onReady()
      })
    })
  }

  #onConnectFailed (err: LibrdKafkaError): void {
    if (this.#closeRequested) {
      this.emit('connect-failed') // wakes close(): no point retrying past a close
      return
    }
    const waited = Date.now() - this.#connectStarted
    if (!this.#connectErrorReported && waited >= this.options.connectTimeoutMs) {
      this.#connectErrorReported = true
      this.#report(new ConnectError(`could not connect to Kafka at ${this.options.brokers} within ${this.options.connectTimeoutMs} ms ` +
        `(${redact(err.message, this.#config)}); still retrying, buffering up to ${this.options.maxBufferMessages} records`, { cause: err, retriable: true }))
    }
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined
      if (this.#state === 'connecting') this.#connect()
    }, CONNECT_RETRY_MS).unref()
  }

  #onReady (): void {
    this.#state = 'ready'
    this.#connectStarted = 0
    this.#pollTimer = setInterval(() => { this.#native.poll() }, POLL_MS).unref()
    this.emit('ready')
    this.#drainQueue()
  }

  #onNativeError (err: LibrdKafkaError): void {
    // librdkafka reports transient broker trouble here and retries by itself;
    // only fatal errors (e.g. idempotence state lost) are worth an 'error'.
    if ((err as { isFatal?: boolean }).isFatal === true) {
      this.#report(new KafkaLogError(`fatal producer error: ${redact(err.message, this.#config)}`, { cause: err }))
    }
  }

  // --- buffering and producing ---------------------------------------------------------

  /** Hand one record to librdkafka; false when its queue is full (the caller keeps it). */
  #produce (r: EncodedRecord): boolean {
    try {
      this.#native.produce(r.topic, null, r.value, r.key, r.timestamp, undefined, r.headers)
      this.#counters.inflight++
      return true
    } catch (err) {
      const code = (err as { code?: number }).code
      if (code === ERR_QUEUE_FULL) {
        this.#scheduleRetry()
        return false
      }
      if (code === ERR_MSG_SIZE_TOO_LARGE) {
        this.#drop('too-large', r, new DeliveryError(`record of ${r.value.length} bytes is over message.max.bytes`, { cause: err }))
        return true
      }
      this.#counters.failed++
      this.#toFallback(r.value)
      this.#emitDeliveryError(err)
      return true
    }
  }

  #enqueue (r: EncodedRecord): boolean {
    const { maxBufferMessages, maxBufferBytes, overflow } = this.options
    const full = (): boolean => this.#queue.length >= maxBufferMessages || this.#queue.bytes + r.value.length > maxBufferBytes
    if (full()) {
      if (overflow === 'dropOldest') {
        while (this.#queue.length > 0 && full()) this.#drop('buffer-full', this.#queue.shift())
      } else {
        this.#drop('buffer-full', r)
        this.#needDrain = true
        return false
      }
    }
    this.#queue.push(r)
    const below = this.#queue.length < maxBufferMessages && this.#queue.bytes < maxBufferBytes
    if (!below) this.#needDrain = true
    return below
  }

  #drainQueue (): void {
    while (this.#state === 'ready' || (this.#state === 'closing' && this.#native.isConnected())) {
      const r = this.#queue.peek()
      if (r === undefined || !this.#produce(r)) break
      this.#queue.shift()
    }
    if (this.#needDrain && this.#queue.length < this.options.maxBufferMessages / 2 && this.#queue.bytes < this.options.maxBufferBytes / 2) {
      this.#needDrain = false
      this.emit('drain')
    }
    this.#checkIdle()
  }

  #scheduleRetry (): void {
    this.#native.poll() // serve delivery reports: they free room in librdkafka's queue
    this.#retryTimer ??= setTimeout(() => {
      this.#retryTimer = undefined
      this.#drainQueue()
    }, QUEUE_FULL_RETRY_MS).unref()
  }

  #onDelivery (err: LibrdKafkaError | null | undefined, report: DeliveryReport): void {
    this.#counters.inflight--
    if (err) {
      this.#counters.failed++
      if (Buffer.isBuffer(report.value)) this.#toFallback(report.value)
      this.#emitDeliveryError(err)
    } else {
      this.#counters.delivered++
      this.#counters.bytesDelivered += report.size
    }
    if (this.#queue.length > 0) this.#drainQueue()
    else this.#checkIdle()
  }

  // --- accounting ----------------------------------------------------------------------

  #drop (reason: DropReason, r: EncodedRecord | undefined, err?: KafkaLogError): void {
    this.#counters.dropped[reason]++
    if (r !== undefined) this.#toFallback(r.value)
    if (this.listenerCount('drop') > 0) this.emit('drop', reason, err)
  }

  #emitDeliveryError (err: unknown): void {
    if (this.listenerCount('delivery-error') === 0) return
    const message = redact(err instanceof Error ? err.message : String(err), this.#config)
    this.emit('delivery-error', new DeliveryError(`Kafka did not take a record: ${message}`, { cause: err }))
  }

  /** Emit 'error' only when someone listens: an unheard 'error' would throw into the app. */
  #report (err: KafkaLogError): void {
    if (this.listenerCount('error') > 0) this.emit('error', err)
    else process.emitWarning(err.message, { code: err.code })
  }

  #toFallback (value: Buffer): void {
    const f = this.options.fallback
    if (f === undefined) return
    if (this.#fallback === undefined) {
      this.#fallback = typeof f === 'string' ? fs.createWriteStream(f, { flags: 'a' }) : f
      this.#fallback.on('error', (e) => { this.#report(new KafkaLogError(`fallback write failed: ${e.message}`, { cause: e })) })
    }
    this.#fallback.write(Buffer.concat([value, Buffer.from('\n')]))
  }

  // --- flush and close -----------------------------------------------------------------

  #flushResult (): FlushResult {
    return { delivered: this.#counters.delivered, failed: this.#counters.failed, pending: this.#queue.length + this.#counters.inflight }
  }

  #checkIdle (): void {
    if (this.#queue.length > 0 || this.#counters.inflight > 0) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const w of waiters) w()
  }

  #waitIdle (timeoutMs: number): Promise<void> {
    if (this.#queue.length === 0 && this.#counters.inflight === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== done)
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, timeoutMs))
      this.#idleWaiters.push(done)
    })
  }

  /** While connecting, wait (up to `timeoutMs`) for the connection or its failure. */
  #waitConnected (timeoutMs: number): Promise<void> {
    if (this.#state !== 'connecting') return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.off('ready', done)
        this.off('connect-failed', done)
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, timeoutMs))
      this.once('ready', done)
      this.once('connect-failed', done)
    })
  }

  async #close (timeoutMs: number): Promise<FlushResult> {
    const deadline = Date.now() + timeoutMs
    this.#closeRequested = true
    // records written before close() was called still go out if the connection comes up in time
    await this.#waitConnected(timeoutMs)
    const wasReady = this.#state === 'ready'
    this.#state = 'closing'
    if (wasReady) await this.#waitIdle(deadline - Date.now())
    const result = this.#flushResult()
    clearTimeout(this.#retryTimer)
    clearInterval(this.#pollTimer)
    // a connect attempt in progress must settle before the handle can be torn down
    // (ending a thread that holds a connecting producer aborts the process)
    if (this.#connecting !== undefined) await this.#connecting
    if (this.#native.isConnected()) {
      await new Promise<void>((resolve) => {
        this.#native.disconnect(Math.max(1000, deadline - Date.now()), () => { resolve() })
      })
    }
    for (const r of this.#queue.clear()) this.#drop('closed', r)
    if (this.#counters.inflight > 0) {
      this.#counters.dropped.closed += this.#counters.inflight
      this.#counters.inflight = 0
    }
    this.#state = 'closed'
    this.#checkIdle()
    if (this.#fallback !== undefined && typeof this.options.fallback === 'string') this.#fallback.end()
    this.emit('close')
    return result
  }
}
