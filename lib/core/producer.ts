import { EventEmitter } from 'node:events'
import type { LibrdKafkaError } from 'node-rdkafka'
import { Waiters } from './bounded'
import { BoundedBuffer } from './buffer'
import { resolveLevelLabels, resolveOptions, type KafkaLogOptions, type LogFields, type LogInput, type ResolvedOptions } from './config/options'
import { buildRdkafkaConfig, type RdkafkaConfig } from './config/rdkafka-config'
import { connectError } from './connect-error'
import { Connection, type ConnectionClient } from './connection'
import { firstOf } from './drained'
import { checkFeatures } from './features'
import { ClosedError, type BadRecordError } from './errors'
import type { FlushResult, KafkaLogProducerEvents } from './events'
import { settle } from './flush'
import { Ledger } from './ledger'
import { registerExit, unregisterExit, type ExitParticipant } from './lifecycle/exit'
import { handOverAtExit } from './lifecycle/hand-over'
import type { MetricsSnapshot, SpoolMetrics } from './metrics/metrics'
import { OversizedRecordError, RecordEncoder, type EncodedRecord } from './record/record'
import { linePlan } from './record/line-plan'
import { describeProducePath, LINES_END, nativeLinePlan, type NativeLinePlan } from './native-batch'
import { LineBatch } from './line-batch'
import { Spool } from './spool/store'
import { SpoolWriter } from './spool/writer'
import { Sender } from './sender'

export type { FlushResult, KafkaLogProducerEvents } from './events'

let nextId = 1
const NEWLINE = 0x0a
const CR = 0x0d
/** At most this many lines wait in write() for the end of the turn (one native call takes them). */
const PENDING_LINES = 1024
/** How a pino line starts: what the native line path reads first (native/lines.cc). */
const PINO_HEAD = Buffer.from('{"level":')

function startsAsPino (data: Buffer, at: number): boolean {
  return data.length - at >= PINO_HEAD.length && data.compare(PINO_HEAD, 0, PINO_HEAD.length, at, at + PINO_HEAD.length) === 0
}

/** A line with nothing in it but its end: '', '\r', '\n' or '\r\n' (as a string or a Buffer). */
function blank (input: LogInput): boolean {
  if (typeof input === 'string') return input.length <= 2 && (input === '' || input === '\n' || input === '\r' || input === '\r\n')
  if (!Buffer.isBuffer(input) || input.length > 2) return false
  let end = input.length
  if (end > 0 && input[end - 1] === NEWLINE) end--
  return end === 0 || (end === 1 && input[0] === CR)
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
export class KafkaLogProducer extends EventEmitter<KafkaLogProducerEvents> {
  /** The validated options (frozen). */
  readonly options: ResolvedOptions
  readonly #encoder: RecordEncoder
  readonly #config: RdkafkaConfig
  readonly #client: ConnectionClient
  readonly #ledger: Ledger
  readonly #sender: Sender
  readonly #exit: ExitParticipant
  readonly #connected = new Waiters()
  #connectErrorReported = false
  /** The level names in use (the option, or what an adapter learned from its logger). */
  #levelLabels: Readonly<Record<number, string>>
  /** The native line path's plan: undefined until first needed, null when these options cannot have one. */
  #lines: NativeLinePlan | null | undefined
  /** Lines written in this turn of the event loop, for the native line path in one call (#takeLines). */
  readonly #pending: LineBatch
  #pendingSoon = false
  #closing: Promise<FlushResult> | undefined

  constructor (options: KafkaLogOptions) {
    super()
    this.options = resolveOptions(options)
    this.#encoder = new RecordEncoder(this.options)
    this.#levelLabels = this.options.levelLabels
    this.#pending = new LineBatch(Math.min(PENDING_LINES, this.options.maxBufferMessages), this.options.maxBufferBytes)
    this.#config = buildRdkafkaConfig(this.options)
    // a codec or mechanism this install's librdkafka lacks: say which package fixes it
    checkFeatures(this.#config)
    const buffer = new BoundedBuffer({
      maxMessages: this.options.maxBufferMessages, maxBytes: this.options.maxBufferBytes, overflow: this.options.overflow
    }, () => this.emit('drain'))
    // first: a spool locked by another process is a constructor error, before any connection exists
    const spool = this.options.spool === undefined ? undefined : Spool.open(this.options.spool)
    this.#client = {
      id: nextId++,
      onReady: () => { this.#onReady() },
      onDelivery: (err, report, writtenAt, kept) => { this.#sender.onDelivery(err, report, writtenAt, kept) },
      onConnectFailed: (err, waited, brokerSaid) => { this.#onConnectFailed(err, waited, brokerSaid) },
      report: (err) => { this.#ledger.report(err) },
      idleFlush: () => this.flush(),
      buffered: () => buffer.length
    }
    let conn: Connection
    try {
      // creates the native producer (no I/O yet); librdkafka may reject a property here
      conn = Connection.acquire(this.#config, {
        connectTimeoutMs: this.options.connectTimeoutMs,
        flushTimeoutMs: this.options.flushTimeoutMs,
        allReports: this.options.deliveryReports === 'all',
        idleSuspend: this.options.exitHook
      }, this.#client, this.options.oauthbearerToken)
      this.#ledger = new Ledger(this, this.#config, this.options.fallback)
    } catch (err) {
      // the spool's lock would outlive this failed constructor: a retry in this process would find it "locked"
      spool?.close()
      throw err
    }
    const ledger = this.#ledger
    this.#sender = new Sender({
      options: this.options,
      conn,
      clientId: this.#client.id,
      buffer,
      ledger,
      writer: spool === undefined
        ? undefined
        : new SpoolWriter(spool, {
          overflow: this.options.overflow,
          fallback: ledger.fallback,
          drop: (reason, r) => { ledger.drop(reason, r) },
          report: (err) => { ledger.report(err) }
        }),
      connect: () => { this.#startConnecting() },
      reread: (value) => this.#encoder.reread(value)
    })
    this.#exit = {
      // a signal without an application handler: flush, but close nothing (the app may log on until it ends)
      flushBeforeSignal: () => this.flush(),
      undelivered: () => this.#pending.lines + buffer.length + ledger.counters.inflight(),
      handOverAtExit: (wait) => {
        this.#takeLines()
        return handOverAtExit(this.#sender, wait)
      }
    }
    // an earlier run left records: send them
    if (this.#sender.spooled > 0) this.#startConnecting()
  }

  /**
   * Queue one log record: a serialized line (string/Buffer, sent as it is) or an object.
   * `fields`: the record's fields when the caller has them already (adapters): topic, key,
   * timestamp and level come from them instead of from the line.
   * Returns false when the buffer is at its bound: wait for `'drain'` before writing more.
   */
  write (input: LogInput, fields?: LogFields): boolean {
    // a blank line ('', '\n', '\r\n') is no log record, on every path
    if (fields === undefined && blank(input)) return true
    // a whole line (pino's way) while the native line path takes lines: kept for the end of
    // this turn of the event loop, when all of them become records in one native call
    if (fields === undefined && (typeof input === 'string' || Buffer.isBuffer(input)) && LineBatch.fits(input) && this.#keep(input)) return true
    if (this.#pending.lines > 0) this.#takeLines() // order: the lines before it go first
    return this.#send(input, fields)
  }

  /** One record the JS encoder's way. */
  #send (input: LogInput, fields: LogFields | undefined): boolean {
    this.#ledger.counters.written++
    if (this.#sender.closing) {
      this.#ledger.drop('closed', undefined)
      return false
    }
    let record: EncodedRecord
    try {
      record = this.#encoder.encode(input, fields)
    } catch (err) {
      this.#ledger.drop(err instanceof OversizedRecordError ? 'too-large' : 'bad-record', undefined, err as BadRecordError)
      return true
    }
    if (record.truncatedFrom !== undefined) this.#ledger.counters.truncated++
    return this.#sender.send(record)
  }

  /**
   * Numeric levels to names from now on, over pino's six (as the `levelLabels` option):
   * how an adapter passes on the custom levels it learns from the logger. Throws
   * a ConfigError for a map that is not one.
   */
  setLevelLabels (labels: Record<number, string>): void {
    this.#takeLines() // written under the names before
    this.#levelLabels = resolveLevelLabels(labels)
    this.#encoder.setLevelLabels(this.#levelLabels)
    this.#lines = undefined // a new plan with these names
  }

  /**
   * Queue each complete line of `data` from `from` on (newline-ended; blank lines, empty or a lone CR, are
   * skipped) as one record, as write() would each: for a process handed whole chunks of
   * log lines. With the native path, the common lines (pino's) become records without a
   * JS object per line. `next`: the offset after the last line taken, which is the start
   * of an unfinished line at the end, or, when the buffer reached its bound (`full`: wait
   * for `'drain'`), the line after the one that reached it.
   */
  writeLines (data: Buffer, from = 0): { next: number, full: boolean } {
    if (this.#pending.lines > 0) this.#takeLines()
    const plan = this.#linePlan()
    let at = from
    let native = true
    while (at < data.length) {
      // after a line the native path left, only a line that starts as pino's goes back to it
      // (the JS records before it are handed over first): others stay together on the JS way
      if (plan !== undefined && (native || startsAsPino(data, at))) {
        const r = this.#sender.sendLines(plan, data, at, data.length)
        this.#ledger.counters.written += r.records
        at = r.at
        if (r.stop === LINES_END) return { next: at, full: false }
      }
      // a line the native path left (or all of them, without it): the JS encoder's
      const nl = data.indexOf(NEWLINE, at)
      if (nl < 0) break
      const line = data.subarray(at, nl)
      at = nl + 1
      native = false
      if (!blank(line) && !this.#send(line, undefined)) return { next: at, full: true }
    }
    return { next: at, full: false }
  }

  /**
   * How this producer hands records to librdkafka, in words: `native lines` (writeLines()
   * turns common lines into records natively; the rest go in native batches), else as
   * {@link describeProducePath} says for this install.
   */
  get producePath (): string {
    return this.#linePlan() !== undefined ? 'native lines (and native batches)' : describeProducePath()
  }

  /**
   * Keep a whole line for the native line path at the end of this turn; false when that
   * path does not take lines now. What is kept always fits in the empty buffer (in records
   * and bytes), so that even if librdkafka took none of it, none would be dropped.
   */
  #keep (line: string | Buffer): boolean {
    if (this.#pending.full(line)) this.#takeLines()
    if (!this.#sender.takesLines || this.#linePlan() === undefined) return false
    this.#pending.add(line)
    if (!this.#pendingSoon) {
      this.#pendingSoon = true
      setImmediate(() => { this.#takeLines() })
    }
    return true
  }

  /** The lines write() kept, to librdkafka now (all of them: their write() said true). */
  #takeLines (): void {
    this.#pendingSoon = false
    if (this.#pending.lines === 0) return
    const data = this.#pending.take()
    for (let from = 0; from < data.length;) {
      const { next } = this.writeLines(data, from)
      if (next === from) break // cannot happen: every kept line ends with its newline
      from = next
    }
  }

  #linePlan (): NativeLinePlan | undefined {
    if (this.#lines === undefined) {
      const plan = this.#sender.native ? linePlan(this.options, this.#levelLabels) : undefined
      this.#lines = (plan === undefined ? undefined : nativeLinePlan(plan)) ?? null
    }
    return this.#lines ?? undefined
  }

  /** Connect now instead of on the first write; resolves once connected (rejects on close). */
  connect (): Promise<void> {
    if (this.#sender.conn.ready) return Promise.resolve()
    if (this.#sender.closing) return Promise.reject(new ClosedError('the producer is closed'))
    this.#startConnecting()
    return firstOf(this, ['ready', 'close']).then((event) => {
      if (event === 'close') throw new ClosedError('the producer was closed before it connected')
    })
  }

  /**
   * After `write()` returned false: resolves once there is room again (`'drain'`), or when
   * the producer closes. The one way to hold a writer back until the buffer drains ('block').
   */
  waitForRoom (): Promise<void> {
    if (this.#sender.closed) return Promise.resolve()
    return firstOf(this, ['drain', 'close']).then(() => {})
  }

  /** Wait until everything written so far is acknowledged, or `timeoutMs` passes. Never rejects. */
  async flush (timeoutMs: number = this.options.flushTimeoutMs): Promise<FlushResult> {
    this.#takeLines()
    await settle(this.#sender, this.#connected, Date.now() + timeoutMs)
    return this.#flushResult()
  }

  /**
   * Stop intake, flush, disconnect, all within `timeoutMs` (plus at most one connection
   * attempt already under way). Idempotent: later calls get the same promise. Records
   * still pending at the end are counted as dropped (reason `closed`).
   */
  close (timeoutMs: number = this.options.flushTimeoutMs): Promise<FlushResult> {
    this.#takeLines()
    this.#closing ??= this.#close(timeoutMs)
    return this.#closing
  }

  /**
   * Hand what the JS buffer holds to librdkafka now, synchronously (when connected and it
   * has room). Returns the records still in the JS buffer. Acknowledgements come later: `flush()`.
   */
  handOver (): number {
    this.#takeLines()
    this.#sender.drain()
    return this.#sender.buffer.length
  }

  /** A snapshot of the counters. */
  metrics (): MetricsSnapshot {
    this.#takeLines() // counted once they are records
    const { counters: c, latency } = this.#ledger
    const { buffer, conn, writer } = this.#sender
    const inflight = c.inflight()
    const stats = conn.stats
    return {
      written: c.written,
      delivered: c.delivered,
      failed: c.failed,
      dropped: c.droppedTotal(),
      droppedByReason: { ...c.dropped },
      truncated: c.truncated,
      timestamps: { replaced: this.#sender.clock.replaced, resent: this.#sender.clock.resent, correctionMs: this.#sender.clock.correctionMs },
      buffered: buffer.length,
      bufferedBytes: buffer.bytes,
      inflight,
      pending: buffer.length + inflight + this.#sender.spooled,
      bytesProduced: c.bytesProduced,
      errors: c.errors,
      connected: conn.ready && !this.#sender.closed,
      nativePath: { inUse: conn.nativeInUse, problem: conn.nativeProblem },
      latencyMs: latency.snapshot(),
      ...(writer === undefined ? {} : { spool: this.#spoolMetrics(writer) }),
      ...(stats === undefined ? {} : { rdkafka: stats })
    }
  }

  #spoolMetrics (writer: SpoolWriter): SpoolMetrics {
    const state = writer.spool.state()
    const replayer = this.#sender.replayer
    return {
      records: state.records,
      bytes: state.bytes,
      segments: state.segments,
      oldestAgeMs: state.oldestSpooledAt === undefined ? 0 : Math.max(0, Date.now() - state.oldestSpooledAt),
      spooled: writer.spooled,
      replayed: replayer?.replayed ?? 0,
      replayPerSecond: replayer?.perSecond ?? 0,
      recovered: writer.spool.recovered,
      corrupt: state.corrupt
    }
  }

  #startConnecting (): void {
    if (this.options.exitHook) registerExit(this.#exit)
    this.#sender.conn.connect()
  }

  #onConnectFailed (err: LibrdKafkaError, waited: number, brokerSaid: string | undefined): void {
    if (this.#sender.closing) {
      this.#connected.wake() // no point waiting past a close
      return
    }
    if (this.#connectErrorReported) return
    const error = connectError(err, waited, brokerSaid, this.options, this.#config)
    if (error === undefined) return
    this.#connectErrorReported = true
    this.#ledger.report(error)
  }

  #onReady (): void {
    this.#connectErrorReported = false
    this.#connected.wake()
    this.emit('ready')
    this.#sender.drain()
    this.#sender.replayer?.kick()
  }

  #flushResult (): FlushResult {
    const c = this.#ledger.counters
    return { delivered: c.delivered, failed: c.failed, pending: this.#sender.buffer.length + c.inflight() + this.#sender.spooled }
  }

  async #close (timeoutMs: number): Promise<FlushResult> {
    const deadline = Date.now() + timeoutMs
    const sender = this.#sender
    sender.closing = true
    // records written before close() still go out if the connection comes up in time
    await settle(sender, this.#connected, deadline)
    const result = this.#flushResult()
    sender.stop()
    // the last producer out disconnects; a connection attempt under way settles first
    // (ending a thread that holds a connecting producer aborts the process)
    await sender.conn.release(this.#client, deadline - Date.now())
    sender.leaveBuffered()
    this.#ledger.counters.abandon() // still in flight at the deadline: fate unknown, counted as dropped
    unregisterExit(this.#exit)
    sender.writer?.spool.close()
    this.#ledger.fallback?.end()
    this.emit('close')
    return result
  }
}
