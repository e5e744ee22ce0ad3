import type { EngineError, EngineReport } from './engine/engine'
import type { BoundedBuffer } from './buffer'
import type { ResolvedOptions } from './config/options'
import type { Connection } from './connection'
import { ERR_MSG_SIZE_TOO_LARGE, ERR_QUEUE_FULL, isTimeout } from './delivery'
import { BATCH_NOT_CONNECTED, BATCH_RECORDS, LINES_UNSUPPORTED, type LinesResult, type NativeLinePlan } from './native-batch'
import { DeliveryError } from './errors'
import { confirmHandedOver } from './flush'
import type { Ledger } from './ledger'
import { QueueFullRetry } from './queue-full-retry'
import { RefusedRecords } from './refused-records'
import { KafkaClock } from './record/kafka-time'
import type { EncodedRecord } from './record/record'
import { RespoolOrder } from './spool/respool-order'
import { SpoolReplayer } from './spool/replayer'
import type { SpoolWriter } from './spool/writer'

/** How often what librdkafka holds is checked for acknowledged (error-only reports). */
const CONFIRM_MS = 1000

/** What a sender is made of (owned by its producer). */
export interface SenderParts {
  readonly options: ResolvedOptions
  readonly conn: Connection
  readonly clientId: number
  readonly buffer: BoundedBuffer
  readonly ledger: Ledger
  /** With a spool: what goes to disk. */
  readonly writer: SpoolWriter | undefined
  /** Start connecting (the producer registers for the exit hand-over first). */
  readonly connect: () => void
  /** The own time and per-record headers the encoder gives a record with this value (a refused record is sent again with them). */
  readonly reread: (value: Buffer) => Pick<EncodedRecord, 'timestamp' | 'headers'>
}

/**
 * The way from an encoded record to librdkafka and back: straight to `produce()` when it can,
 * else into the bounded buffer or the spool (which the replayer sends from, oldest first),
 * retries while librdkafka's queue is full, and each delivery report into the ledger.
 */
export class Sender {
  readonly options: ResolvedOptions
  readonly conn: Connection
  readonly buffer: BoundedBuffer
  readonly ledger: Ledger
  readonly writer: SpoolWriter | undefined
  readonly replayer: SpoolReplayer | undefined
  /** With a spool: timed-out records go back to it in the order they were handed over. */
  readonly #respoolOrder: RespoolOrder | undefined
  /** Each record's Kafka timestamp: its own time, or the send time (issue #32). */
  readonly clock = new KafkaClock()
  readonly #clientId: number
  readonly #connect: () => void
  readonly #refusedRecords: RefusedRecords
  readonly #retry = new QueueFullRetry()
  readonly #confirmTimer: NodeJS.Timeout
  #drainSoon = false
  /** Intake has stopped (close() was called); what was written still goes out. */
  closing = false
  /** Closed: nothing more goes to librdkafka, late reports are ignored. */
  closed = false

  constructor (parts: SenderParts) {
    this.options = parts.options
    this.conn = parts.conn
    this.buffer = parts.buffer
    this.ledger = parts.ledger
    this.writer = parts.writer
    this.#clientId = parts.clientId
    this.#connect = parts.connect
    this.#refusedRecords = new RefusedRecords(this.clock, parts.reread, (err) => { this.ledger.report(err) })
    this.#confirmTimer = setInterval(() => { confirmHandedOver(this) }, CONFIRM_MS).unref()
    if (parts.writer !== undefined) {
      this.#respoolOrder = new RespoolOrder()
      this.replayer = new SpoolReplayer(parts.writer.spool, {
        options: parts.options,
        buffer: parts.buffer,
        live: () => this.conn.ready && !this.closed,
        drain: () => { this.drain() },
        poll: () => { this.conn.poll() },
        report: (err) => { this.ledger.report(err) }
      })
    }
  }

  /** Records waiting in the spool, or timed out and about to go there. */
  get spooled (): number {
    return this.#onDisk + (this.#respoolOrder?.held ?? 0)
  }

  /** Records in the spool's files. */
  get #onDisk (): number {
    return this.writer?.spool.records ?? 0
  }

  /** One record written by the app: false when the writer should wait for 'drain'. */
  send (r: EncodedRecord): boolean {
    if (this.native) {
      // into the buffer; at the end of this turn of the event loop, all of it in one call
      // (a whole batch goes at once: a burst never waits in the buffer for the turn to end)
      const accepted = this.#enqueue(r)
      if (!this.conn.ready) this.#connect()
      else if (this.buffer.length >= BATCH_RECORDS) this.drain()
      else this.#drainAtEndOfTurn()
      return accepted
    }
    const spooling = this.#onDisk > 0
    if (this.conn.ready && this.buffer.length === 0 && !spooling && this.#produce(r)) return true
    // while the spool holds records, new ones queue behind them on disk: a key's order holds
    const accepted = spooling ? this.#toSpool(r) : this.#enqueue(r)
    if (!this.conn.ready) this.#connect()
    return accepted
  }

  /** Records go to librdkafka natively (batches, or lines): no spool (it needs per-record reports), the addon built, failure-only reports. */
  get native (): boolean {
    return this.writer === undefined && this.conn.batches
  }

  /** The native line path would take lines now: nothing waits in the buffer, connected, open. */
  get takesLines (): boolean {
    return this.native && this.conn.ready && !this.closing && this.buffer.length === 0
  }

  /**
   * The complete lines of data[start, end) straight to librdkafka through the native line
   * path, no record made in JS, as far as it takes them. Only while nothing waits in the
   * buffer (so that order holds): else it stops at once, LINES_UNSUPPORTED at `start`, and
   * the caller writes that line itself.
   */
  sendLines (plan: NativeLinePlan, data: Buffer, start: number, end: number): LinesResult {
    // what waits in the buffer goes first; not while a full queue's retry is due (it would refuse them again)
    if (this.native && this.buffer.length > 0 && this.conn.ready && !this.closed && !this.#retry.due) this.drain()
    if (!this.takesLines) return { at: start, records: 0, bytes: 0, stop: LINES_UNSUPPORTED, replaced: 0 }
    const r = this.conn.produceLines(this.#clientId, plan, data, start, end, this.clock)
    this.ledger.producedMany(r.records, r.bytes)
    this.clock.replaced += r.replaced
    return r
  }

  /** Hand what the buffer holds to librdkafka while it takes it. */
  drain (): void {
    if (this.native) this.#drainBatches()
    // after the batches, a record at the head was refused for a reason the batch path has
    // already acted on (full queue: retry scheduled; not connected: connect below)
    while (!this.native && this.conn.ready && !this.closed) {
      const r = this.buffer.peek()
      if (r === undefined || !this.#produce(r)) break
      this.buffer.shift()
    }
    if (this.buffer.length > 0 && !this.conn.ready && !this.closing) this.#connect()
    this.buffer.settle()
  }

  onDelivery (err: EngineError | null | undefined, report: EngineReport, writtenAt: number | undefined, kept: unknown): void {
    if (this.closed) return
    this.replayer?.settled(kept)
    const timedOut = err != null && isTimeout(err)
    const order = kept === undefined ? undefined : this.#respoolOrder
    if (err != null && this.#sendAgain(err, report, kept)) {
      // Kafka refused the batch for one record (its timestamp, or the host clock): nothing of it was written, it went again
    } else if (timedOut && order !== undefined) {
      // an outage outlasted messageTimeoutMs: keep the record on disk instead of failing it,
      // and hold replay back for a while (it would only time out again)
      this.ledger.counters.returned()
      this.replayer?.pause()
    } else if (err) {
      this.ledger.failed(err, report)
    } else {
      this.replayer?.answered() // Kafka answers: replay may go on at once after the next timeout-free batch
      this.ledger.delivered(writtenAt)
    }
    // to the spool in the order handed over (after the pause: replay must not take it back at once)
    order?.reported(kept as EncodedRecord, timedOut, this.#respool)
    if (this.buffer.length > 0) this.drain()
  }

  /** At close or at exit: what memory still holds waits in the spool for the next run, or is dropped. */
  leaveBuffered (): void {
    const leave = (r: EncodedRecord): void => { if (this.writer?.leave(r) !== true) this.ledger.drop('closed', r) }
    this.#respoolOrder?.release(leave) // timed out, older than what the buffer holds
    for (const r of this.buffer.clear()) leave(r)
  }

  /** Closed: no more retries or replay. */
  stop (): void {
    this.closed = true
    this.#retry.stop()
    clearInterval(this.#confirmTimer)
    this.replayer?.stop()
  }

  /** A record Kafka refused for its timestamp (or its batch's) goes again (RefusedRecords); false when it cannot: then it fails. */
  #sendAgain (err: EngineError, report: EngineReport, kept: unknown): boolean {
    const again = this.#refusedRecords.again(err, report, kept)
    if (again === undefined) return false
    this.ledger.counters.returned()
    if (!this.#produce(again.record, again.stamp)) this.#enqueue(again.record) // librdkafka's queue is full: it waits in the buffer
    return true
  }

  /** Hand one record to librdkafka, stamped by the clock; false when its queue is full (the caller keeps it). */
  #produce (r: EncodedRecord, stamp = this.clock.stamp(r.timestamp)): boolean {
    try {
      // with a report per record, the record comes back with it (the spool keeps it, a refused one is sent again)
      this.conn.produce(this.#clientId, r.topic, r.value, r.key, stamp, r.headers, this.options.deliveryReports === 'all' ? r : undefined)
      this.clock.sent(r.timestamp, stamp)
      this.#respoolOrder?.handedOver(r)
      this.ledger.produced(r)
      this.#retry.room()
      return true
    } catch (err) {
      const code = (err as { code?: number }).code
      if (code === ERR_QUEUE_FULL) {
        this.#scheduleRetry()
        return false
      }
      if (err instanceof Error && err.message === 'Producer not connected') return false // suspended meanwhile: keep it
      this.#refused(r, err, code)
      return true
    }
  }

  /**
   * The buffer to librdkafka in native batches, as far as it takes them. A record it refuses
   * is accounted for as `produce()` would have; at a full queue or a closing connection
   * the rest stays in the buffer.
   */
  #drainBatches (): void {
    while (this.conn.ready && !this.closed && this.buffer.length > 0) {
      const count = this.#retry.batch(this.buffer.length, BATCH_RECORDS)
      const { taken, code } = this.conn.produceBatch(this.#clientId, count, (i) => this.buffer.at(i) as EncodedRecord, this.clock)
      for (let i = 0; i < taken; i++) this.ledger.produced(this.buffer.shift() as EncodedRecord)
      if (taken === count) {
        this.#retry.room()
        continue
      }
      if (code === ERR_QUEUE_FULL) {
        this.#scheduleRetry()
        return
      }
      if (code === BATCH_NOT_CONNECTED) return
      const r = this.buffer.shift() as EncodedRecord
      this.#refused(r, Object.assign(new Error(this.conn.errorText(code)), { code }), code)
    }
  }

  /** librdkafka refused the record for good: dropped when too large, else failed. */
  #refused (r: EncodedRecord, err: unknown, code: number | undefined): void {
    this.replayer?.settled(r)
    if (code === ERR_MSG_SIZE_TOO_LARGE) {
      this.ledger.drop('too-large', r, new DeliveryError(`record of ${r.value.length} bytes is over librdkafka's message.max.bytes`, { cause: err }))
    } else {
      this.ledger.refused(err, r)
    }
  }

  /** Into the memory buffer within its bounds; over them, into the spool, or the overflow policy. */
  #enqueue (r: EncodedRecord): boolean {
    if (this.writer !== undefined && !this.buffer.fits(r)) return this.#toSpool(r)
    // the evicted records themselves are needed only for the fallback; a record that will wait is kept as bytes
    const waits = !this.conn.ready || this.#retry.due
    if (!this.buffer.offer(r, (old) => { this.ledger.drop('buffer-full', old) }, this.options.fallback !== undefined, waits)) {
      this.ledger.drop('buffer-full', r)
      this.buffer.expectDrain()
      return false
    }
    // with a spool, the caller waits only once the spool is full too
    return this.buffer.roomFor(r.value.length) || this.writer !== undefined
  }

  readonly #respool = (r: EncodedRecord): void => { this.#toSpool(r) }

  /** Into the spool (it stays pending); when it cannot be kept, dropped, and under 'block' write() says false. */
  #toSpool (r: EncodedRecord): boolean {
    if ((this.writer as SpoolWriter).keep(r)) {
      if (!this.conn.ready) this.#connect()
      else this.replayer?.kick()
      return true
    }
    this.ledger.drop('buffer-full', r)
    if (this.options.overflow !== 'block') return true
    this.buffer.expectDrain()
    return false
  }

  #drainAtEndOfTurn (): void {
    if (this.#drainSoon) return
    this.#drainSoon = true
    setImmediate(() => {
      this.#drainSoon = false
      this.drain()
    })
  }

  #scheduleRetry (): void {
    this.conn.poll() // serve delivery reports: they free room in librdkafka's queue
    this.#retry.schedule(() => { this.drain() })
  }
}
