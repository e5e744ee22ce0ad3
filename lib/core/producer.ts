import { EventEmitter } from 'node:events'
import type { DeliveryReport, LibrdKafkaError, Producer as NativeProducer } from 'node-rdkafka'
import { ClosedError, ConfigError, ConnectError, DeliveryError, KafkaLogError, type BadRecordError } from './errors'
import { processIsIdle, registerExit, unregisterExit, type ExitParticipant } from './exit'
import { Fallback } from './fallback'
import { Counters, LatencyHistogram, type DropReason, type MetricsSnapshot } from './metrics'
import { loadRdkafka } from './native'
import { resolveOptions, type KafkaLogOptions, type LogInput, type ResolvedOptions } from './options'
import { RecordQueue } from './queue'
import { buildRdkafkaConfig, redact, type RdkafkaConfig } from './rdkafka-config'
import { OversizedRecordError, RecordEncoder, type EncodedRecord } from './record'

const ERR_QUEUE_FULL = -184
const ERR_MSG_SIZE_TOO_LARGE = 10
const POLL_MS = 20
const QUEUE_FULL_RETRY_MS = 1
const CONNECT_RETRY_MS = 1000
const CONNECT_ATTEMPT_MS = 10000
const IDLE_CHECK_MS = 250

/** What `flush()` and `close()` resolve with. */
export interface FlushResult {
  delivered: number
  failed: number
  /** Records not yet acknowledged when the call returned (0 when everything settled). */
  pending: number
}

type State = 'idle' | 'connecting' | 'ready' | 'closing' | 'closed'

/**
 * A Kafka producer for log records, over node-rdkafka.
 *
 * `write()` never throws and never blocks: records wait in a bounded JS buffer until the
 * connection is up or librdkafka's queue has room. Every record is accounted for:
 * `written = delivered + failed + dropped + pending`.
 *
 * Events: `ready`, `drain`, `drop` (reason, error), `delivery-error` (DeliveryError),
 * `error` (KafkaLogError; emitted only when a listener exists, else a process warning), `close`.
 */
export class KafkaLogProducer extends EventEmitter {
  /** The validated options (frozen). */
  readonly options: ResolvedOptions
  readonly #encoder: RecordEncoder
  readonly #config: RdkafkaConfig
  #native: NativeProducer
  readonly #queue = new RecordQueue<EncodedRecord>()
  readonly #counters = new Counters()
  readonly #latency = new LatencyHistogram()
  readonly #fallback: Fallback | undefined
  readonly #exit: ExitParticipant
  #state: State = 'idle'
  #pollTimer: NodeJS.Timeout | undefined
  #idleTimer: NodeJS.Timeout | undefined
  #retryTimer: NodeJS.Timeout | undefined
  #connectStarted = 0
  #connectErrorReported = false
  #connecting: Promise<void> | undefined
  #needDrain = false
  #bufferWaiters: Array<() => void> = []
  #suspending: Promise<unknown> | undefined
  #closing: Promise<FlushResult> | undefined
  /** Set by close(): intake stops at once, even while the connection is still coming up. */
  #closeRequested = false
  #fatalReported = false
  #rdkafkaStats: Record<string, unknown> | undefined

  constructor (options: KafkaLogOptions) {
    super()
    this.options = resolveOptions(options)
    this.#encoder = new RecordEncoder(this.options)
    this.#config = buildRdkafkaConfig(this.options)
    this.#native = this.#createNative()
    if (this.options.fallback !== undefined) {
      this.#fallback = new Fallback(this.options.fallback, (e) => {
        this.#report(new KafkaLogError(`fallback write failed: ${e.message}`, { cause: e }))
      })
    }
    this.#exit = {
      shutdown: () => this.close(),
      undelivered: () => this.#queue.length + this.#counters.inflight()
    }
  }

  #createNative (): NativeProducer {
    const Kafka = loadRdkafka()
    let native: NativeProducer
    try {
      // validates every librdkafka property now (no I/O happens before connect)
      native = new Kafka.Producer(this.#config.global, this.#config.topic)
    } catch (err) {
      const message = redact(err instanceof Error ? err.message : String(err), this.#config)
      const property = /property:? "([^"]+)"/.exec(message)?.[1]
      throw new ConfigError(property === undefined ? 'rdkafka' : `rdkafka.${property}`, `librdkafka rejected it: ${message}`)
    }
    native.on('delivery-report', (err, report) => { this.#onDelivery(err, report) })
    native.on('event.error', (err) => { this.#onNativeError(err) })
    // with rdkafka['statistics.interval.ms'] set, keep librdkafka's latest statistics
    native.on('event.stats', (stats: { message: string }) => {
      try {
        this.#rdkafkaStats = JSON.parse(stats.message) as Record<string, unknown>
      } catch {
        // a malformed statistics document is not worth an error
      }
    })
    return native
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
      this.#drop(err instanceof OversizedRecordError ? 'too-large' : 'bad-record', undefined, err as BadRecordError)
      return true
    }
    if (record.truncatedFrom !== undefined) this.#counters.truncated++
    if (this.#state === 'idle') this.#connect()
    if (this.#state === 'ready' && this.#queue.length === 0 && this.#produce(record)) return true
    return this.#enqueue(record)
  }

  /** Connect now instead of on the first write; resolves once connected (rejects on close). */
  connect (): Promise<void> {
    if (this.#state === 'ready') return Promise.resolve()
    if (this.#closeRequested) return Promise.reject(new ClosedError('the producer is closed'))
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
    const deadline = Date.now() + timeoutMs
    await this.#waitBufferEmpty(timeoutMs)
    await this.#flushNative(deadline - Date.now())
    return this.#flushResult()
  }

  /**
   * Stop intake, flush, disconnect, all within `timeoutMs` (plus at most one connection
   * attempt already under way). Idempotent: later calls get the same promise. Records
   * still pending at the end are counted as dropped (reason `closed`).
   */
  close (timeoutMs: number = this.options.flushTimeoutMs): Promise<FlushResult> {
    this.#closing ??= this.#close(timeoutMs)
    return this.#closing
  }

  /** A snapshot of the counters. */
  metrics (): MetricsSnapshot {
    const c = this.#counters
    const inflight = c.inflight()
    return {
      written: c.written,
      delivered: c.delivered,
      failed: c.failed,
      dropped: c.droppedTotal(),
      droppedByReason: { ...c.dropped },
      truncated: c.truncated,
      buffered: this.#queue.length,
      bufferedBytes: this.#queue.bytes,
      inflight,
      pending: this.#queue.length + inflight,
      bytesProduced: c.bytesProduced,
      connected: this.#state === 'ready',
      latencyMs: this.#latency.snapshot(),
      ...(this.#rdkafkaStats === undefined ? {} : { rdkafka: this.#rdkafkaStats })
    }
  }

  // --- connection ---------------------------------------------------------------------

  #connect (): void {
    this.#state = 'connecting'
    if (this.#connectStarted === 0) this.#connectStarted = Date.now()
    if (this.options.exitHook) registerExit(this.#exit)
    const attemptMs = Math.min(this.options.connectTimeoutMs, CONNECT_ATTEMPT_MS)
    this.#connecting = new Promise((resolve) => {
      this.#native.connect({ timeout: attemptMs }, (err) => {
        this.#connecting = undefined
        resolve()
        if (this.#state !== 'connecting') return
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
    this.#connectErrorReported = false
    // delivery reports (and error events) reach JS only through poll()
    this.#pollTimer = setInterval(() => { this.#native.poll() }, POLL_MS).unref()
    if (this.options.exitHook) this.#idleTimer = setInterval(() => { this.#checkProcessIdle() }, IDLE_CHECK_MS).unref()
    this.emit('ready')
    this.#drainQueue()
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
    await this.flush()
    if (this.#state !== 'ready' || this.#queue.length > 0 || !processIsIdle()) return
    this.#stopTimers()
    this.#state = 'idle'
    const old = this.#native
    await new Promise<void>((resolve) => { old.disconnect(this.options.flushTimeoutMs, () => { resolve() }) })
    // disconnect flushed: what was produced has been reported on
    if (this.options.deliveryReports === 'errors') this.#counters.settle()
    unregisterExit(this.#exit)
    if (this.#closeRequested) return
    this.#native = this.#createNative()
    if (this.#queue.length > 0 && this.#state === 'idle') this.#connect()
  }

  #stopTimers (): void {
    clearInterval(this.#pollTimer)
    clearInterval(this.#idleTimer)
    clearTimeout(this.#retryTimer)
    this.#pollTimer = this.#idleTimer = this.#retryTimer = undefined
  }

  #onNativeError (err: LibrdKafkaError): void {
    // librdkafka retries transient broker trouble by itself; a fatal error (e.g. the
    // idempotent producer lost its state, or authentication failed) is reported once.
    const fatal = (err as { isFatal?: boolean }).isFatal === true || /authentication|SASL|not authorized/i.test(err.message)
    if (!fatal || this.#fatalReported) return
    this.#fatalReported = true
    this.#report(new KafkaLogError(`Kafka producer error: ${redact(err.message, this.#config)}`, { cause: err }))
  }

  // --- buffering and producing ---------------------------------------------------------

  /** Hand one record to librdkafka; false when its queue is full (the caller keeps it). */
  #produce (r: EncodedRecord): boolean {
    try {
      // opaque (write time) only when reports come per record: it feeds the latency histogram
      const opaque = this.options.deliveryReports === 'all' ? performance.now() : undefined
      this.#native.produce(r.topic, null, r.value, r.key, r.timestamp, opaque, r.headers)
      this.#counters.produced++
      this.#counters.bytesProduced += r.value.length
      return true
    } catch (err) {
      const code = (err as { code?: number }).code
      if (code === ERR_QUEUE_FULL) {
        this.#scheduleRetry()
        return false
      }
      if (code === ERR_MSG_SIZE_TOO_LARGE) {
        this.#drop('too-large', r, new DeliveryError(`record of ${r.value.length} bytes is over librdkafka's message.max.bytes`, { cause: err }))
        return true
      }
      this.#counters.failed++
      this.#fallback?.write(r.value)
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
    if (this.#needDrain && this.#queue.length <= this.options.maxBufferMessages / 2 && this.#queue.bytes <= this.options.maxBufferBytes / 2) {
      this.#needDrain = false
      this.emit('drain')
    }
    if (this.#queue.length === 0) {
      const waiters = this.#bufferWaiters
      this.#bufferWaiters = []
      for (const w of waiters) w()
    }
  }

  #scheduleRetry (): void {
    this.#native.poll() // serve delivery reports: they free room in librdkafka's queue
    this.#retryTimer ??= setTimeout(() => {
      this.#retryTimer = undefined
      this.#drainQueue()
    }, QUEUE_FULL_RETRY_MS).unref()
  }

  #onDelivery (err: LibrdKafkaError | null | undefined, report: DeliveryReport): void {
    if (this.#state === 'closed') return
    if (err) {
      this.#counters.fail()
      if (Buffer.isBuffer(report.value)) this.#fallback?.write(report.value)
      this.#emitDeliveryError(err)
    } else {
      this.#counters.delivered++
      if (typeof report.opaque === 'number') this.#latency.record(performance.now() - report.opaque)
    }
    if (this.#queue.length > 0) this.#drainQueue()
  }

  // --- accounting ----------------------------------------------------------------------

  #drop (reason: DropReason, r: EncodedRecord | undefined, err?: KafkaLogError): void {
    this.#counters.dropped[reason]++
    if (r !== undefined) this.#fallback?.write(r.value)
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

  // --- flush and close -----------------------------------------------------------------

  #flushResult (): FlushResult {
    const c = this.#counters
    return { delivered: c.delivered, failed: c.failed, pending: this.#queue.length + c.inflight() }
  }

  /** Wait (bounded) until the JS buffer has been handed to librdkafka. */
  #waitBufferEmpty (timeoutMs: number): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.#bufferWaiters = this.#bufferWaiters.filter((w) => w !== done)
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, timeoutMs))
      this.#bufferWaiters.push(done)
    })
  }

  /**
   * librdkafka's flush: resolves when every record handed over has been acknowledged or
   * has failed (then, with error-only reports, the rest count as delivered), or at the deadline.
   */
  #flushNative (timeoutMs: number): Promise<void> {
    if (this.#counters.inflight() === 0 || !this.#native.isConnected()) return Promise.resolve()
    const deadline = Date.now() + timeoutMs
    const handedOver = this.#counters.produced
    return new Promise((resolve) => {
      this.#native.flush(Math.max(0, timeoutMs), (err) => {
        // reports fired during the flush reach JS through node-rdkafka's dispatcher: let them land
        const land = (): void => {
          if (this.options.deliveryReports === 'errors') {
            if (!err) this.#counters.settle(handedOver)
            resolve()
          } else if (this.#counters.inflight() === 0 || Date.now() >= deadline || !this.#native.isConnected()) {
            resolve()
          } else {
            this.#native.poll()
            setTimeout(land, 1)
          }
        }
        setImmediate(land)
      })
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
    if (this.#suspending !== undefined) await this.#suspending
    // records written before close() still go out if the connection comes up in time
    await this.#waitConnected(timeoutMs)
    const wasReady = this.#state === 'ready'
    this.#state = 'closing'
    if (wasReady) {
      await this.#waitBufferEmpty(deadline - Date.now())
      await this.#flushNative(deadline - Date.now())
    }
    const result = this.#flushResult()
    this.#stopTimers()
    // a connection attempt under way must settle before the handle is torn down
    // (ending a thread that holds a connecting producer aborts the process)
    if (this.#connecting !== undefined) await this.#connecting
    if (this.#native.isConnected()) {
      await new Promise<void>((resolve) => {
        this.#native.disconnect(Math.max(1000, deadline - Date.now()), () => { resolve() })
      })
    }
    for (const r of this.#queue.clear()) this.#drop('closed', r)
    this.#counters.abandon() // still in flight at the deadline: fate unknown, counted as dropped
    this.#state = 'closed'
    unregisterExit(this.#exit)
    this.#fallback?.end()
    this.emit('close')
    return result
  }
}
