import { EventEmitter } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import type { DeliveryReport, LibrdKafkaError } from 'node-rdkafka'
import { Waiters } from './bounded'
import { BoundedBuffer } from './buffer'
import { resolveOptions, type KafkaLogOptions, type LogFields, type LogInput, type ResolvedOptions } from './config/options'
import { buildRdkafkaConfig, redact, type RdkafkaConfig } from './config/rdkafka-config'
import { connectError } from './connect-error'
import { Connection, type ConnectionClient } from './connection'
import { firstOf } from './drained'
import { ERR_MSG_SIZE_TOO_LARGE, ERR_QUEUE_FULL, isTimeout, isUnknownTopic, unknownTopicError } from './delivery'
import { ClosedError, DeliveryError, KafkaLogError, type BadRecordError } from './errors'
import { Fallback } from './fallback'
import { registerExit, sayAtExit, unregisterExit, type ExitParticipant } from './lifecycle/exit'
import { reportUnheard } from './lifecycle/unheard'
import { Counters, LatencyHistogram, type DropReason, type MetricsSnapshot, type SpoolMetrics } from './metrics/metrics'
import { OversizedRecordError, RecordEncoder, type EncodedRecord } from './record/record'
import { SpoolReplayer } from './spool/replayer'
import { rescueAtExit } from './spool/rescue'
import { Spool } from './spool/store'
import { SpoolWriter } from './spool/writer'

const QUEUE_FULL_RETRY_MS = 1
const SPOOL_SENT_POLL_MS = 50

/** The producer's events and what each carries (TypeScript checks `on`, `once` and `emit` against it). */
export interface KafkaLogProducerEvents {
  /** Connected (again): buffered records are on their way. */
  ready: []
  /** The buffer is below half of its bounds again after `write()` returned false. */
  drain: []
  /** A record was dropped; counted under `reason` in `metrics().droppedByReason`. */
  drop: [reason: DropReason, error: KafkaLogError | undefined]
  /** Kafka refused a record or librdkafka gave up on it (emitted only while someone listens). */
  'delivery-error': [error: DeliveryError]
  /** Connection, configuration or spool trouble (only while someone listens; otherwise said on stderr once per code). */
  error: [error: KafkaLogError]
  /** `close()` finished. */
  close: []
}

/** What `flush()` and `close()` resolve with. */
export interface FlushResult {
  delivered: number
  failed: number
  /** Records not yet acknowledged when the call returned (0 when everything settled), including any waiting in the spool. */
  pending: number
}

let nextId = 1

/**
 * A Kafka producer for log records, over node-rdkafka. Producers with the same librdkafka
 * settings share one native producer (one set of connections and threads per process).
 *
 * `write()` never throws and never blocks: records wait in a bounded JS buffer until the
 * connection is up or librdkafka's queue has room. Every record is accounted for:
 * `written = delivered + failed + dropped + pending`.
 *
 * Events: `ready`, `drain`, `drop` (reason, error), `delivery-error` (DeliveryError),
 * `error` (KafkaLogError; emitted only when a listener exists, else a process warning), `close`.
 */
export class KafkaLogProducer extends EventEmitter<KafkaLogProducerEvents> {
  /** The validated options (frozen). */
  readonly options: ResolvedOptions
  readonly #encoder: RecordEncoder
  readonly #config: RdkafkaConfig
  readonly #conn: Connection
  readonly #client: ConnectionClient
  readonly #buffer: BoundedBuffer
  readonly #counters = new Counters()
  readonly #latency = new LatencyHistogram()
  readonly #fallback: Fallback | undefined
  readonly #exit: ExitParticipant
  /** With a spool: what goes to disk, and what comes back from it. */
  readonly #writer: SpoolWriter | undefined
  readonly #replayer: SpoolReplayer | undefined
  readonly #connected = new Waiters()
  readonly #unknownTopicsReported = new Set<string>()
  #retryTimer: NodeJS.Timeout | undefined
  #connectErrorReported = false
  #closing: Promise<FlushResult> | undefined
  /** Set by close(): intake stops at once, even while the connection is still coming up. */
  #closeRequested = false
  #closed = false

  constructor (options: KafkaLogOptions) {
    super()
    this.options = resolveOptions(options)
    this.#encoder = new RecordEncoder(this.options)
    this.#config = buildRdkafkaConfig(this.options)
    this.#buffer = new BoundedBuffer({
      maxMessages: this.options.maxBufferMessages, maxBytes: this.options.maxBufferBytes, overflow: this.options.overflow
    }, () => this.emit('drain'))
    // first: a spool locked by another process is a constructor error, before any connection exists
    const spool = this.options.spool === undefined ? undefined : Spool.open(this.options.spool)
    const id = nextId++
    this.#client = {
      id,
      onReady: () => { this.#onReady() },
      onDelivery: (err, report, writtenAt, kept) => { this.#onDelivery(err, report, writtenAt, kept) },
      onConnectFailed: (err, waited, brokerSaid) => { this.#onConnectFailed(err, waited, brokerSaid) },
      onFatal: (err) => { this.#report(err) },
      idleFlush: () => this.flush(),
      buffered: () => this.#buffer.length
    }
    try {
      // creates the native producer (no I/O yet); librdkafka may reject a property here
      this.#conn = Connection.acquire(this.#config, {
        connectTimeoutMs: this.options.connectTimeoutMs,
        flushTimeoutMs: this.options.flushTimeoutMs,
        allReports: this.options.deliveryReports === 'all',
        idleSuspend: this.options.exitHook
      }, this.#client)
      if (this.options.fallback !== undefined) {
        this.#fallback = new Fallback(this.options.fallback, (e) => {
          this.#report(new KafkaLogError(`fallback write failed: ${e.message}`, { cause: e }))
        })
      }
    } catch (err) {
      // the spool's lock would outlive this failed constructor: a retry in this process would find it "locked"
      spool?.close()
      throw err
    }
    if (spool !== undefined) {
      this.#writer = new SpoolWriter(spool, {
        overflow: this.options.overflow,
        fallback: this.#fallback,
        drop: (reason, r) => { this.#drop(reason, r) },
        report: (err) => { this.#report(err) }
      })
      this.#replayer = new SpoolReplayer(spool, {
        options: this.options,
        buffer: this.#buffer,
        live: () => this.#conn.ready && !this.#closed,
        drain: () => { this.#drainQueue() },
        poll: () => { this.#conn.poll() },
        report: (err) => { this.#report(err) }
      })
    }
    this.#exit = {
      // a signal without an application handler: flush, but close nothing (the app may log on until it ends)
      flushBeforeSignal: () => this.flush(),
      undelivered: () => this.#buffer.length + this.#counters.inflight(),
      handOverAtExit: (wait) => this.#handOverAtExit(wait)
    }
    // an earlier run left records: send them
    if (this.#spooledRecords() > 0) this.#startConnecting()
  }

  /**
   * Queue one log record: a serialized line (string/Buffer, sent as it is) or an object.
   * `fields`: the record's fields when the caller has them already (adapters): topic, key,
   * timestamp and level come from them instead of from the line.
   * Returns false when the buffer is at its bound: wait for `'drain'` before writing more.
   */
  write (input: LogInput, fields?: LogFields): boolean {
    this.#counters.written++
    if (this.#closeRequested) {
      this.#drop('closed', undefined)
      return false
    }
    let record: EncodedRecord
    try {
      record = this.#encoder.encode(input, fields)
    } catch (err) {
      this.#drop(err instanceof OversizedRecordError ? 'too-large' : 'bad-record', undefined, err as BadRecordError)
      return true
    }
    if (record.truncatedFrom !== undefined) this.#counters.truncated++
    const spooling = this.#spooledRecords() > 0
    if (this.#conn.ready && this.#buffer.length === 0 && !spooling && this.#produce(record)) return true
    // while the spool holds records, new ones queue behind them on disk: a key's order holds
    const accepted = spooling ? this.#toSpool(record) : this.#enqueue(record)
    if (!this.#conn.ready) this.#startConnecting()
    return accepted
  }

  /** Connect now instead of on the first write; resolves once connected (rejects on close). */
  connect (): Promise<void> {
    if (this.#conn.ready) return Promise.resolve()
    if (this.#closeRequested) return Promise.reject(new ClosedError('the producer is closed'))
    this.#startConnecting()
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

  /**
   * After `write()` returned false: resolves once there is room again (`'drain'`), or when
   * the producer closes. The one way to hold a writer back until the buffer drains ('block').
   */
  waitForRoom (): Promise<void> {
    if (this.#closed) return Promise.resolve()
    return firstOf(this, ['drain', 'close'])
  }

  /** Wait until everything written so far is acknowledged, or `timeoutMs` passes. Never rejects. */
  async flush (timeoutMs: number = this.options.flushTimeoutMs): Promise<FlushResult> {
    await this.#settle(Date.now() + timeoutMs)
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

  /**
   * Hand what the JS buffer holds to librdkafka now, synchronously (when connected and it
   * has room). Returns the records still in the JS buffer. Acknowledgements come later: `flush()`.
   */
  handOver (): number {
    this.#drainQueue()
    return this.#buffer.length
  }

  /** A snapshot of the counters. */
  metrics (): MetricsSnapshot {
    const c = this.#counters
    const inflight = c.inflight()
    const stats = this.#conn.stats
    return {
      written: c.written,
      delivered: c.delivered,
      failed: c.failed,
      dropped: c.droppedTotal(),
      droppedByReason: { ...c.dropped },
      truncated: c.truncated,
      buffered: this.#buffer.length,
      bufferedBytes: this.#buffer.bytes,
      inflight,
      pending: this.#buffer.length + inflight + this.#spooledRecords(),
      bytesProduced: c.bytesProduced,
      errors: c.errors,
      connected: this.#conn.ready && !this.#closed,
      latencyMs: this.#latency.snapshot(),
      ...(this.#writer === undefined ? {} : { spool: this.#spoolMetrics(this.#writer) }),
      ...(stats === undefined ? {} : { rdkafka: stats })
    }
  }

  #spooledRecords (): number {
    return this.#writer?.spool.records ?? 0
  }

  #spoolMetrics (writer: SpoolWriter): SpoolMetrics {
    const state = writer.spool.state()
    return {
      records: state.records,
      bytes: state.bytes,
      segments: state.segments,
      oldestAgeMs: state.oldestSpooledAt === undefined ? 0 : Math.max(0, Date.now() - state.oldestSpooledAt),
      spooled: writer.spooled,
      replayed: this.#replayer?.replayed ?? 0,
      replayPerSecond: this.#replayer?.perSecond ?? 0,
      recovered: writer.spool.recovered,
      corrupt: state.corrupt
    }
  }

  // --- connection events ----------------------------------------------------------------

  #startConnecting (): void {
    if (this.options.exitHook) registerExit(this.#exit)
    this.#conn.connect()
  }

  #onConnectFailed (err: LibrdKafkaError, waited: number, brokerSaid: string | undefined): void {
    if (this.#closeRequested) {
      this.#connected.wake() // no point waiting past a close
      return
    }
    if (this.#connectErrorReported) return
    const error = connectError(err, waited, brokerSaid, this.options, this.#config)
    if (error === undefined) return
    this.#connectErrorReported = true
    this.#report(error)
  }

  #onReady (): void {
    this.#connectErrorReported = false
    this.#connected.wake()
    this.emit('ready')
    this.#drainQueue()
    this.#replayer?.kick()
  }

  // --- buffering and producing ---------------------------------------------------------

  /** Hand one record to librdkafka; false when its queue is full (the caller keeps it). */
  #produce (r: EncodedRecord): boolean {
    try {
      this.#conn.produce(this.#client.id, r.topic, r.value, r.key, r.timestamp, r.headers, this.#writer === undefined ? undefined : r)
      this.#counters.produced++
      this.#counters.bytesProduced += r.value.length
      return true
    } catch (err) {
      const code = (err as { code?: number }).code
      if (code === ERR_QUEUE_FULL) {
        this.#scheduleRetry()
        return false
      }
      if (err instanceof Error && err.message === 'Producer not connected') return false // suspended meanwhile: keep it
      this.#replayer?.settled(r)
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

  /** Into the memory buffer within its bounds; over them, into the spool, or the overflow policy. */
  #enqueue (r: EncodedRecord): boolean {
    if (this.#writer !== undefined && !this.#buffer.fits(r)) return this.#toSpool(r)
    if (!this.#buffer.offer(r, (old) => { this.#drop('buffer-full', old) })) {
      this.#drop('buffer-full', r)
      this.#buffer.expectDrain()
      return false
    }
    // with a spool, the caller waits only once the spool is full too
    return this.#buffer.roomFor(r.value.length) || this.#writer !== undefined
  }

  /** Into the spool (it stays pending); when it cannot be kept, dropped, and under 'block' write() says false. */
  #toSpool (r: EncodedRecord): boolean {
    if ((this.#writer as SpoolWriter).keep(r)) {
      if (!this.#conn.ready) this.#startConnecting()
      else this.#replayer?.kick()
      return true
    }
    this.#drop('buffer-full', r)
    if (this.options.overflow !== 'block') return true
    this.#buffer.expectDrain()
    return false
  }

  #drainQueue (): void {
    while (this.#conn.ready && !this.#closed) {
      const r = this.#buffer.peek()
      if (r === undefined || !this.#produce(r)) break
      this.#buffer.shift()
    }
    if (this.#buffer.length > 0 && !this.#conn.ready && !this.#closeRequested) this.#startConnecting()
    this.#buffer.settle()
  }

  #scheduleRetry (): void {
    this.#conn.poll() // serve delivery reports: they free room in librdkafka's queue
    this.#retryTimer ??= setTimeout(() => {
      this.#retryTimer = undefined
      this.#drainQueue()
    }, QUEUE_FULL_RETRY_MS).unref()
  }

  #onDelivery (err: LibrdKafkaError | null | undefined, report: DeliveryReport, writtenAt: number | undefined, kept: unknown): void {
    if (this.#closed) return
    this.#replayer?.settled(kept)
    if (err && this.#writer !== undefined && kept !== undefined && isTimeout(err)) {
      // an outage outlasted messageTimeoutMs: keep the record on disk instead of failing it,
      // and hold replay back for a while (it would only time out again)
      this.#counters.respool()
      this.#replayer?.pause()
      this.#toSpool(kept as EncodedRecord)
    } else if (err) {
      this.#counters.fail()
      if (Buffer.isBuffer(report.value)) this.#fallback?.write(report.value)
      this.#emitDeliveryError(err)
      if (isUnknownTopic(err) && !this.#unknownTopicsReported.has(report.topic)) {
        this.#unknownTopicsReported.add(report.topic)
        this.#report(unknownTopicError(report.topic, err))
      }
    } else {
      this.#replayer?.answered() // Kafka answers: replay may go on at once after the next timeout-free batch
      this.#counters.delivered++
      if (writtenAt !== undefined) this.#latency.record(performance.now() - writtenAt)
    }
    if (this.#buffer.length > 0) this.#drainQueue()
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
    this.#counters.errors++
    if (this.listenerCount('error') > 0) this.emit('error', err)
    else reportUnheard(this, err)
  }

  // --- flush and close -----------------------------------------------------------------

  #flushResult (): FlushResult {
    const c = this.#counters
    return { delivered: c.delivered, failed: c.failed, pending: this.#buffer.length + c.inflight() + this.#spooledRecords() }
  }

  /**
   * Everything written so far on its way and acknowledged, by `deadline`: a connection under
   * way comes up, the spool is sent, the buffer is handed over, librdkafka flushes.
   */
  async #settle (deadline: number): Promise<void> {
    const left = (): number => Math.max(0, deadline - Date.now())
    if (!this.#conn.ready && (this.#buffer.length > 0 || this.#spooledRecords() > 0)) await this.#connected.wait(left())
    while (this.#replayer?.busy === true && this.#conn.ready && left() > 0) {
      this.#replayer.kick()
      await sleep(Math.min(SPOOL_SENT_POLL_MS, left()))
    }
    await this.#buffer.waitEmpty(left())
    await this.#flushNative(left())
  }

  /**
   * librdkafka's flush: resolves when every record handed over has been acknowledged or
   * has failed (then, with error-only reports, the rest count as delivered), or at the deadline.
   */
  #flushNative (timeoutMs: number): Promise<void> {
    if (this.#counters.inflight() === 0 || !this.#conn.ready) return Promise.resolve()
    const deadline = Date.now() + timeoutMs
    const handedOver = this.#counters.produced
    return new Promise((resolve) => {
      this.#conn.flush(timeoutMs, (err) => {
        // reports fired during the flush reach JS through node-rdkafka's dispatcher: let them land
        const land = (): void => {
          if (this.options.deliveryReports === 'errors') {
            if (!err) this.#counters.settle(handedOver)
            resolve()
          } else if (this.#counters.inflight() === 0 || Date.now() >= deadline || !this.#conn.ready) {
            resolve()
          } else {
            this.#conn.poll()
            setTimeout(land, 1)
          }
        }
        setImmediate(land)
      })
    })
  }

  /** A record still in the memory buffer at close: with a spool it waits there for the next run. */
  #leaveAtClose (r: EncodedRecord): void {
    if (this.#writer?.leave(r) !== true) this.#drop('closed', r)
  }

  /** At the end: produce what is buffered (synchronously), kick librdkafka, say how long to wait. */
  #handOverAtExit (wait: boolean): number {
    if (this.#closed) return 0
    if (!this.#conn.ready) {
      // not connected (an outage, or not yet): what memory holds goes to the spool for the
      // next run, or to a rescue process
      if (this.#writer !== undefined) {
        for (const r of this.#buffer.clear()) this.#leaveAtClose(r)
        if (this.options.spool?.fsync !== 'never') this.#writer.spool.sync()
      } else if (this.#buffer.length > 0) {
        const records = this.#buffer.clear()
        try {
          sayAtExit(rescueAtExit(records, this.options))
        } catch (err) {
          for (const r of records) this.#drop('closed', r)
          sayAtExit(`not connected to Kafka at exit, and the rescue of ${records.length} log record(s) failed: ${(err as Error).message}`)
        }
      }
      return 0
    }
    this.handOver()
    if (!wait || this.options.exitFlushMs === 0 || this.#counters.inflight() === 0) return 0
    // librdkafka's flush makes it send at once instead of lingering; its callback never runs
    this.#conn.flush(this.options.exitFlushMs, () => {})
    return this.options.exitFlushMs
  }

  async #close (timeoutMs: number): Promise<FlushResult> {
    const deadline = Date.now() + timeoutMs
    this.#closeRequested = true
    // records written before close() still go out if the connection comes up in time
    await this.#settle(deadline)
    const result = this.#flushResult()
    clearTimeout(this.#retryTimer)
    this.#replayer?.stop()
    this.#closed = true
    // the last producer out disconnects; a connection attempt under way settles first
    // (ending a thread that holds a connecting producer aborts the process)
    await this.#conn.release(this.#client, deadline - Date.now())
    for (const r of this.#buffer.clear()) this.#leaveAtClose(r)
    this.#counters.abandon() // still in flight at the deadline: fate unknown, counted as dropped
    unregisterExit(this.#exit)
    this.#writer?.spool.close()
    this.#fallback?.end()
    this.emit('close')
    return result
  }
}
