import { EventEmitter } from 'node:events'
import type { DeliveryReport, LibrdKafkaError } from 'node-rdkafka'
import { Connection, type ConnectionClient } from './connection'
import { ClosedError, ConnectError, DeliveryError, KafkaLogError, SpoolError, type BadRecordError } from './errors'
import { registerExit, sayAtExit, unregisterExit, type ExitParticipant } from './lifecycle/exit'
import { Fallback } from './fallback'
import { Counters, LatencyHistogram, type DropReason, type MetricsSnapshot, type SpoolMetrics } from './metrics/metrics'
import { resolveOptions, type KafkaLogOptions, type LogFields, type LogInput, type ResolvedOptions } from './config/options'
import { RECORD_OVERHEAD_BYTES, RecordQueue } from './queue'
import { buildRdkafkaConfig, redact, type RdkafkaConfig } from './config/rdkafka-config'
import { OversizedRecordError, RecordEncoder, type EncodedRecord } from './record/record'
import { rescue } from './spool/rescue'
import { Spool, type SpoolMark } from './spool/store'
import { reportUnheard } from './lifecycle/unheard'

const ERR_QUEUE_FULL = -184
const ERR_MSG_SIZE_TOO_LARGE = 10
// librdkafka's "unknown topic" (local, after topic.metadata.propagation.max.ms) and the
// broker's. node-rdkafka's delivery-report errors arrive with code -1: match the message too.
const UNKNOWN_TOPIC_CODES = new Set([-188, 3])
const UNKNOWN_TOPIC_MESSAGE = /unknown topic/i
const QUEUE_FULL_RETRY_MS = 1
// librdkafka gave up on the record in time (an outage longer than messageTimeoutMs): the spool keeps it
const ERR_MSG_TIMED_OUT = -192
const MSG_TIMED_OUT_MESSAGE = /message timed out/i
// replay reads this much from the spool at a time, then waits for it to be acknowledged
const REPLAY_BATCH_RECORDS = 10000
const REPLAY_BATCH_BYTES = 8 * 1024 * 1024
const REPLAY_RETRY_MS = 500
const REPLAY_BATCHES_IN_FLIGHT = 4
// after records time out (the broker is away while librdkafka still counts as connected),
// replay waits before trying again, longer each time, so records do not cycle spool ->
// librdkafka -> spool for the whole outage
const REPLAY_PAUSE_MIN_MS = 5000
const REPLAY_PAUSE_MAX_MS = 60000
// what librdkafka logs when a broker refuses our credentials or we refuse its certificate
const REFUSED = /SASL authentication error|authentication failed|SSL handshake failed|certificate verify failed/i

/** What `flush()` and `close()` resolve with. */
export interface FlushResult {
  delivered: number
  failed: number
  /** Records not yet acknowledged when the call returned (0 when everything settled), including any waiting in the spool. */
  pending: number
}

let nextId = 1

/** librdkafka gave up on a record in time. Delivery-report errors arrive with code -1 from node-rdkafka: the message tells. */
function isTimeout (err: LibrdKafkaError): boolean {
  return err.code === ERR_MSG_TIMED_OUT || MSG_TIMED_OUT_MESSAGE.test(err.message) || (err as { isRetriable?: boolean }).isRetriable === true
}

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
export class KafkaLogProducer extends EventEmitter {
  /** The validated options (frozen). */
  readonly options: ResolvedOptions
  readonly #encoder: RecordEncoder
  readonly #config: RdkafkaConfig
  readonly #conn: Connection
  readonly #client: ConnectionClient
  readonly #queue = new RecordQueue<EncodedRecord>()
  readonly #counters = new Counters()
  readonly #latency = new LatencyHistogram()
  readonly #fallback: Fallback | undefined
  readonly #exit: ExitParticipant
  #retryTimer: NodeJS.Timeout | undefined
  #connectErrorReported = false
  #needDrain = false
  #bufferWaiters: Array<() => void> = []
  #closing: Promise<FlushResult> | undefined
  /** Set by close(): intake stops at once, even while the connection is still coming up. */
  #closeRequested = false
  #closed = false
  #connectWaiters: Array<() => void> = []
  readonly #unknownTopicsReported = new Set<string>()
  readonly #spool: Spool | undefined
  #replaying = false
  /** Read from the spool; acknowledged (deleted) once nothing is in flight. */
  #replayMark: SpoolMark | undefined
  #spoolErrorReported = false
  #spooled = 0
  #replayed = 0
  /** Records read from the spool whose delivery report has not come yet: the replay mark is acknowledged at 0. */
  #replayOutstanding = 0
  #replayPerSecond = 0
  #replayPausedUntil = 0
  #replayPauseMs = 0
  #replayTimer: NodeJS.Timeout | undefined

  constructor (options: KafkaLogOptions) {
    super()
    this.options = resolveOptions(options)
    this.#encoder = new RecordEncoder(this.options)
    this.#config = buildRdkafkaConfig(this.options)
    // first: a spool locked by another process is a constructor error, before any connection exists
    if (this.options.spool !== undefined) this.#spool = Spool.open(this.options.spool)
    const id = nextId++
    this.#client = {
      id,
      onReady: () => { this.#onReady() },
      onDelivery: (err, report, writtenAt, kept) => { this.#onDelivery(err, report, writtenAt, kept) },
      onConnectFailed: (err, waited, brokerSaid) => { this.#onConnectFailed(err, waited, brokerSaid) },
      onFatal: (err) => { this.#report(err) },
      idleFlush: () => this.flush(),
      buffered: () => this.#queue.length
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
      this.#spool?.close()
      throw err
    }
    this.#exit = {
      // a signal without an application handler: flush, but close nothing (the app may log on until it ends)
      flushBeforeSignal: () => this.flush(),
      undelivered: () => this.#queue.length + this.#counters.inflight(),
      handOverAtExit: (wait) => this.#handOverAtExit(wait)
    }
    // an earlier run left records: send them
    if ((this.#spool?.records ?? 0) > 0) this.#startConnecting()
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
    const spooling = (this.#spool?.records ?? 0) > 0
    if (this.#conn.ready && this.#queue.length === 0 && !spooling && this.#produce(record)) return true
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

  /** Wait until everything written so far is acknowledged, or `timeoutMs` passes. Never rejects. */
  async flush (timeoutMs: number = this.options.flushTimeoutMs): Promise<FlushResult> {
    const deadline = Date.now() + timeoutMs
    // records (or a spool) waiting for a connection under way: let it come up, within the bound
    await this.#waitConnected(timeoutMs)
    await this.#waitSpoolSent(deadline - Date.now())
    await this.#waitBufferEmpty(deadline - Date.now())
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

  /**
   * Hand what the JS buffer holds to librdkafka now, synchronously (when connected and it
   * has room). Returns the records still in the JS buffer. Acknowledgements come later: `flush()`.
   */
  handOver (): number {
    this.#drainQueue()
    return this.#queue.length
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
      buffered: this.#queue.length,
      bufferedBytes: this.#queue.bytes,
      inflight,
      pending: this.#queue.length + inflight + (this.#spool?.records ?? 0),
      bytesProduced: c.bytesProduced,
      errors: c.errors,
      connected: this.#conn.ready && !this.#closed,
      latencyMs: this.#latency.snapshot(),
      ...(this.#spool === undefined ? {} : { spool: this.#spoolMetrics(this.#spool) }),
      ...(stats === undefined ? {} : { rdkafka: stats })
    }
  }

  #spoolMetrics (spool: Spool): SpoolMetrics {
    const state = spool.state()
    return {
      records: state.records,
      bytes: state.bytes,
      segments: state.segments,
      oldestAgeMs: state.oldestSpooledAt === undefined ? 0 : Math.max(0, Date.now() - state.oldestSpooledAt),
      spooled: this.#spooled,
      replayed: this.#replayed,
      replayPerSecond: this.#replayPerSecond,
      recovered: spool.recovered,
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
      this.#wakeConnectWaiters() // no point waiting past a close
      return
    }
    // refused credentials or certificates do not fix themselves: say so at once, not after connectTimeoutMs
    const refused = brokerSaid !== undefined && REFUSED.test(brokerSaid)
    if (this.#connectErrorReported || (waited < this.options.connectTimeoutMs && !refused)) return
    this.#connectErrorReported = true
    const why = redact(err.message, this.#config) + (brokerSaid === undefined ? '' : `; librdkafka: ${brokerSaid}`)
    const hint = brokerSaid === undefined ? '' : /SASL|authentic/i.test(brokerSaid)
      ? ' Check sasl.username, sasl.password and sasl.mechanisms.'
      : REFUSED.test(brokerSaid) ? ' Check ssl.ca.location and the broker\'s certificate.' : ''
    this.#report(new ConnectError(`could not connect to Kafka at ${this.options.brokers}${refused ? '' : ` within ${this.options.connectTimeoutMs} ms`} ` +
      `(${why}).${hint} Still retrying, buffering up to ${this.options.maxBufferMessages} records.`, { cause: err, retriable: !refused }))
  }

  #onReady (): void {
    this.#connectErrorReported = false
    this.#wakeConnectWaiters()
    this.emit('ready')
    this.#drainQueue()
    this.#replaySpool()
  }

  #wakeConnectWaiters (): void {
    const waiters = this.#connectWaiters
    this.#connectWaiters = []
    for (const w of waiters) w()
  }

  // --- buffering and producing ---------------------------------------------------------

  /** Hand one record to librdkafka; false when its queue is full (the caller keeps it). */
  #produce (r: EncodedRecord): boolean {
    try {
      this.#conn.produce(this.#client.id, r.topic, r.value, r.key, r.timestamp, r.headers, this.#spool === undefined ? undefined : r)
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
        this.#replaySettledOne(r)
        this.#drop('too-large', r, new DeliveryError(`record of ${r.value.length} bytes is over librdkafka's message.max.bytes`, { cause: err }))
        return true
      }
      if (err instanceof Error && err.message === 'Producer not connected') return false // suspended meanwhile: keep it
      this.#counters.failed++
      this.#replaySettledOne(r)
      this.#fallback?.write(r.value)
      this.#emitDeliveryError(err)
      return true
    }
  }

  #enqueue (r: EncodedRecord): boolean {
    const { maxBufferMessages, maxBufferBytes, overflow } = this.options
    const full = (): boolean => this.#queue.length >= maxBufferMessages || this.#queue.bytes + r.value.length + RECORD_OVERHEAD_BYTES > maxBufferBytes
    if (full()) {
      if (this.#spool !== undefined) return this.#toSpool(r)
      if (overflow === 'dropOldest') {
        while (this.#queue.length > 0 && full()) this.#drop('buffer-full', this.#queue.shift())
      } else {
        this.#drop('buffer-full', r)
        this.#needDrain = true
        return false
      }
    }
    this.#queue.push(r)
    // false once another record like this one would not fit: a caller that waits for 'drain'
    // then never meets the overflow policy
    const below = this.#queue.length < maxBufferMessages && this.#queue.bytes + r.value.length + RECORD_OVERHEAD_BYTES <= maxBufferBytes
    if (!below) this.#needDrain = true
    return below || this.#spool !== undefined // with a spool, the caller waits only once the spool is full too
  }

  /**
   * Put a record in the spool (it stays pending). When the spool is at maxBytes, the
   * overflow policy applies there: dropOldest gives up the oldest unread segment, the others
   * drop this record. An I/O failure is reported once, and the record is dropped.
   */
  #toSpool (r: EncodedRecord): boolean {
    const spool = this.#spool as Spool
    try {
      if (this.#append(spool, r)) {
        if (!this.#conn.ready) this.#startConnecting()
        else this.#replaySpool()
        return true
      }
      if (this.options.overflow === 'dropOldest') {
        // counted now; the fallback gets the values once read, off the event loop (a segment is up to 64 MiB)
        const fallback = this.#fallback
        for (let old = spool.dropOldestSegment(fallback !== undefined); old !== undefined; old = spool.dropOldestSegment(fallback !== undefined)) {
          for (let i = 0; i < old.records; i++) this.#drop('buffer-full', undefined)
          if (old.values !== undefined) fallback?.writeLater(old.values)
          if (this.#append(spool, r)) return true
        }
      }
    } catch (err) {
      if (!this.#spoolErrorReported) {
        this.#spoolErrorReported = true
        this.#report(err instanceof SpoolError ? err : new SpoolError(`spool write failed: ${(err as Error).message}`, { cause: err }))
      }
    }
    this.#drop('buffer-full', r)
    if (this.options.overflow !== 'block') return true
    this.#needDrain = true
    return false
  }

  /**
   * Send what the spool holds, oldest first, a batch at a time, after what the memory buffer
   * holds (older). A batch's place in the spool is acknowledged (its segments deleted) once
   * nothing is in flight any more: every record before it was delivered, failed, or spooled again.
   */
  #replaySpool (): void {
    if (this.#spool === undefined || this.#replaying || !this.#conn.ready || this.#closed) return
    if (this.#spool.records === 0 && this.#replayMark === undefined) return
    const wait = this.#replayPausedUntil - Date.now()
    if (wait > 0) {
      this.#replayTimer ??= setTimeout(() => {
        this.#replayTimer = undefined
        this.#replaySpool()
      }, wait).unref()
      return
    }
    this.#replaying = true
    this.#replayLoop(this.#spool).catch((err: unknown) => {
      this.#report(err instanceof SpoolError ? err : new SpoolError(`spool replay failed: ${(err as Error).message}`, { cause: err }))
    }).finally(() => {
      this.#replaying = false
      // stopped for a pause with records left: come back when it ends
      if (this.#replayPausedUntil > Date.now() && (this.#spool?.records ?? 0) > 0) this.#replaySpool()
    })
  }

  #pauseReplay (): void {
    const now = Date.now()
    if (now < this.#replayPausedUntil) return // one pause per wave of timeouts
    this.#replayPauseMs = Math.min(REPLAY_PAUSE_MAX_MS, Math.max(REPLAY_PAUSE_MIN_MS, this.#replayPauseMs * 2))
    this.#replayPausedUntil = now + this.#replayPauseMs
  }

  async #replayLoop (spool: Spool): Promise<void> {
    const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
    // within the memory buffer's bounds: replay does not raise memory use
    const batchRecords = Math.min(REPLAY_BATCH_RECORDS, this.options.maxBufferMessages)
    const batchBytes = Math.min(REPLAY_BATCH_BYTES, this.options.maxBufferBytes)
    let unacked = 0
    while (this.#conn.ready && !this.#closed) {
      if (this.#queue.length > 0) {
        await this.#waitBufferEmpty(REPLAY_RETRY_MS)
        continue
      }
      // a few batches stay in flight (a flush per batch would stall the pipeline); then
      // wait for their acknowledgements and delete what they cover
      if (this.#replayMark !== undefined && (spool.records === 0 || unacked >= REPLAY_BATCHES_IN_FLIGHT * batchRecords)) {
        // only the replayed records count: live traffic keeps other records in flight all the time
        await this.#waitReplaySettled(this.options.flushTimeoutMs)
        if (this.#replayOutstanding > 0) {
          await sleep(REPLAY_RETRY_MS) // the broker is slow or away again: try later, read nothing more meanwhile
          continue
        }
        spool.ack(this.#replayMark)
        this.#replayMark = undefined
        unacked = 0
      }
      if (spool.records === 0 || Date.now() < this.#replayPausedUntil) return
      const t0 = performance.now()
      const { records, mark } = spool.read(batchRecords, batchBytes, RECORD_OVERHEAD_BYTES)
      this.#replayMark = mark
      this.#replayed += records.length
      this.#replayOutstanding += records.length
      unacked += records.length
      for (const r of records) this.#queue.push(r)
      this.#drainQueue()
      await this.#waitBufferEmpty(this.options.flushTimeoutMs)
      this.#replayPerSecond = Math.round(records.length / Math.max(0.001, (performance.now() - t0) / 1000))
    }
  }

  /** A record's fate is known (reported, dropped or failed at produce): one fewer replayed record to wait for. */
  #replaySettledOne (r: unknown): void {
    if (typeof r === 'object' && r !== null && 'spooledAt' in r) this.#replayOutstanding--
  }

  /** Wait (bounded) until every record read from the spool so far has its delivery report. */
  async #waitReplaySettled (timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.#replayOutstanding > 0 && this.#conn.ready && !this.#closed && Date.now() < deadline) {
      this.#conn.poll()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }

  #drainQueue (): void {
    while (this.#conn.ready && !this.#closed) {
      const r = this.#queue.peek()
      if (r === undefined || !this.#produce(r)) break
      this.#queue.shift()
    }
    if (this.#queue.length > 0 && !this.#conn.ready && !this.#closeRequested) this.#startConnecting()
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
    this.#conn.poll() // serve delivery reports: they free room in librdkafka's queue
    this.#retryTimer ??= setTimeout(() => {
      this.#retryTimer = undefined
      this.#drainQueue()
    }, QUEUE_FULL_RETRY_MS).unref()
  }

  #onDelivery (err: LibrdKafkaError | null | undefined, report: DeliveryReport, writtenAt: number | undefined, kept: unknown): void {
    if (this.#closed) return
    this.#replaySettledOne(kept)
    if (err && this.#spool !== undefined && kept !== undefined && isTimeout(err)) {
      // an outage outlasted messageTimeoutMs: keep the record on disk instead of failing it,
      // and hold replay back for a while (it would only time out again)
      this.#counters.respool()
      this.#pauseReplay()
      this.#toSpool(kept as EncodedRecord)
    } else if (err) {
      this.#counters.fail()
      if (Buffer.isBuffer(report.value)) this.#fallback?.write(report.value)
      this.#emitDeliveryError(err)
      const unknownTopic = UNKNOWN_TOPIC_CODES.has(err.code) || UNKNOWN_TOPIC_MESSAGE.test(err.message)
      if (unknownTopic && !this.#unknownTopicsReported.has(report.topic)) {
        // one clear error per topic, not one per record
        this.#unknownTopicsReported.add(report.topic)
        this.#report(new DeliveryError(`topic "${report.topic}" does not exist and the broker does not create topics on first use: ` +
          'create it (kafka-topics.sh --create) or set auto.create.topics.enable=true on the broker; its records are counted as failed', { cause: err }))
      }
    } else {
      this.#replayPauseMs = 0 // Kafka answers: replay may go on at once after the next timeout-free batch
      this.#counters.delivered++
      if (writtenAt !== undefined) this.#latency.record(performance.now() - writtenAt)
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
    this.#counters.errors++
    if (this.listenerCount('error') > 0) this.emit('error', err)
    else reportUnheard(this, err)
  }

  // --- flush and close -----------------------------------------------------------------

  #flushResult (): FlushResult {
    const c = this.#counters
    return { delivered: c.delivered, failed: c.failed, pending: this.#queue.length + c.inflight() + (this.#spool?.records ?? 0) }
  }

  /** Resolve when `register`'s callback fires or `timeoutMs` passes. */
  #bounded (timeoutMs: number, register: (done: () => void) => () => void): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        unregister()
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, timeoutMs))
      const unregister = register(done)
    })
  }

  /** Wait (bounded) until the JS buffer has been handed to librdkafka. */
  #waitBufferEmpty (timeoutMs: number): Promise<void> {
    if (this.#queue.length === 0) return Promise.resolve()
    return this.#bounded(timeoutMs, (done) => {
      this.#bufferWaiters.push(done)
      return () => { this.#bufferWaiters = this.#bufferWaiters.filter((w) => w !== done) }
    })
  }

  /** While connected, wait (up to `timeoutMs`) until the spool has been sent and acknowledged. */
  async #waitSpoolSent (timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    const busy = (): boolean => this.#spool !== undefined && (this.#spool.records > 0 || this.#replayMark !== undefined)
    while (busy() && this.#conn.ready && Date.now() < deadline) {
      this.#replaySpool()
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(0, deadline - Date.now()))))
    }
  }

  /** While connecting, wait (up to `timeoutMs`) for the connection or its failure. */
  #waitConnected (timeoutMs: number): Promise<void> {
    if (this.#conn.ready || (this.#queue.length === 0 && (this.#spool?.records ?? 0) === 0)) return Promise.resolve()
    return this.#bounded(timeoutMs, (done) => {
      this.#connectWaiters.push(done)
      return () => { this.#connectWaiters = this.#connectWaiters.filter((w) => w !== done) }
    })
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
    // a record read back from the spool is still in its segment (not acknowledged): nothing to do
    if (this.#spool !== undefined && 'spooledAt' in r) {
      this.#spool.unsent(1)
      return
    }
    if (this.#spool === undefined || !this.#appendQuietly(this.#spool, r)) this.#drop('closed', r)
  }

  /** Append to the spool and count it; false when the spool is full. Throws SpoolError. */
  #append (spool: Spool, r: EncodedRecord): boolean {
    if (!spool.append(r)) return false
    this.#spooled++
    return true
  }

  #appendQuietly (spool: Spool, r: EncodedRecord): boolean {
    try {
      return this.#append(spool, r)
    } catch {
      return false
    }
  }

  /** At the end: produce what is buffered (synchronously), kick librdkafka, say how long to wait. */
  #handOverAtExit (wait: boolean): number {
    // not connected (an outage, or not yet): with a spool, what memory holds goes to disk for the next run
    if (this.#spool !== undefined && !this.#closed && !this.#conn.ready) {
      for (const r of this.#queue.clear()) this.#leaveAtClose(r)
      if (this.options.spool?.fsync !== 'never') this.#spool.sync()
      return 0
    }
    if (this.#closed) return 0
    if (!this.#conn.ready) {
      this.#rescueAtExit()
      return 0
    }
    this.handOver()
    if (!wait || this.options.exitFlushMs === 0 || this.#counters.inflight() === 0) return 0
    // librdkafka's flush makes it send at once instead of lingering; its callback never runs
    this.#conn.flush(this.options.exitFlushMs, () => {})
    return this.options.exitFlushMs
  }

  /**
   * The process ends before Kafka could be reached (a crash soon after start, or an outage):
   * what memory holds goes to a detached rescue process instead of being lost. Said on stderr.
   */
  #rescueAtExit (): void {
    if (this.#queue.length === 0) return
    const records = this.#queue.clear()
    try {
      const r = rescue(records, this.options)
      sayAtExit(r.pid === undefined
        ? `not connected to Kafka at exit: ${r.records} log record(s) written to ${r.dir}; the rescue process could not start: ` +
          `send them with kafka-log-transport spool replay ${r.dir} -b ${this.options.brokers}`
        : `not connected to Kafka at exit: ${r.records} log record(s) handed to a rescue process (pid ${r.pid}) that sends them ` +
          `within ${Math.round((this.options.connectTimeoutMs + this.options.flushTimeoutMs) / 1000)} s, or leaves them in ${r.dir}`)
    } catch (err) {
      for (const r of records) this.#drop('closed', r)
      sayAtExit(`not connected to Kafka at exit, and the rescue of ${records.length} log record(s) failed: ${(err as Error).message}`)
    }
  }

  async #close (timeoutMs: number): Promise<FlushResult> {
    const deadline = Date.now() + timeoutMs
    this.#closeRequested = true
    // records written before close() still go out if the connection comes up in time
    await this.#waitConnected(timeoutMs)
    await this.#waitSpoolSent(deadline - Date.now())
    await this.#waitBufferEmpty(deadline - Date.now())
    await this.#flushNative(deadline - Date.now())
    const result = this.#flushResult()
    clearTimeout(this.#retryTimer)
    clearTimeout(this.#replayTimer)
    this.#closed = true
    // the last producer out disconnects; a connection attempt under way settles first
    // (ending a thread that holds a connecting producer aborts the process)
    await this.#conn.release(this.#client, deadline - Date.now())
    for (const r of this.#queue.clear()) this.#leaveAtClose(r)
    this.#counters.abandon() // still in flight at the deadline: fate unknown, counted as dropped
    unregisterExit(this.#exit)
    this.#spool?.close()
    this.#fallback?.end()
    this.emit('close')
    return result
  }
}
