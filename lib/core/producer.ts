import { EventEmitter } from 'node:events'
import { chooseEngine, describeEngine } from './engine/choose'
import type { EngineName } from './engine/engine'
import type { EngineError } from './engine/engine'
import { Waiters } from './bounded'
import { BoundedBuffer } from './buffer'
import { resolveLevelLabels, resolveOptions, type KafkaLogOptions, type LogFields, type LogInput, type ResolvedOptions } from './config/options'
import { buildRdkafkaConfig, type RdkafkaConfig } from './config/rdkafka-config'
import { connectError } from './connect-error'
import { Connection } from './connection'
import type { ConnectionClient } from './connection-client'
import { firstOf } from './drained'
import { checkFeatures } from './features'
import { ClosedError, type BadRecordError } from './errors'
import type { FlushResult, KafkaLogProducerEvents } from './events'
import { settle } from './flush'
import { Ledger } from './ledger'
import { registerExit, unregisterExit, type ExitParticipant } from './lifecycle/exit'
import { handOverAtExit } from './lifecycle/hand-over'
import type { MetricsSnapshot } from './metrics/metrics'
import { metricsSnapshot } from './metrics/snapshot'
import { OversizedRecordError, RecordEncoder, type EncodedRecord } from './record/record'
import { LineBatch } from './line-batch'
import { blank, LineIntake } from './line-intake'
import { Spool } from './spool/store'
import { SpoolWriter } from './spool/writer'
import { Sender } from './sender'

export type { FlushResult, KafkaLogProducerEvents } from './events'

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
  readonly #client: ConnectionClient
  readonly #ledger: Ledger
  readonly #sender: Sender
  readonly #exit: ExitParticipant
  readonly #connected = new Waiters()
  #connectErrorReported = false
  readonly #intake: LineIntake
  readonly #engine: EngineName
  #closing: Promise<FlushResult> | undefined

  constructor (options: KafkaLogOptions) {
    super()
    this.options = resolveOptions(options)
    this.#encoder = new RecordEncoder(this.options)
    this.#config = buildRdkafkaConfig(this.options)
    const engine = chooseEngine(this.options.engine)
    this.#engine = engine
    // a codec or mechanism this install's librdkafka lacks: say which package fixes it
    if (engine === 'rdkafka') checkFeatures(this.#config)
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
        engine,
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
    this.#intake = new LineIntake(this.options, this.#sender, ledger, (line) => this.#send(line, undefined))
    this.#exit = {
      // a signal without an application handler: flush, but close nothing (the app may log on until it ends)
      flushBeforeSignal: () => this.flush(),
      undelivered: () => this.#intake.waiting + buffer.length + ledger.counters.inflight(),
      handOverAtExit: (wait) => {
        this.#intake.take()
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
    if (fields === undefined && (typeof input === 'string' || Buffer.isBuffer(input)) && LineBatch.fits(input) && this.#intake.keep(input)) return true
    if (this.#intake.waiting > 0) this.#intake.take() // order: the lines before it go first
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
    const resolved = resolveLevelLabels(labels)
    this.#intake.setLevelLabels(resolved) // the lines kept go first, under the names before
    this.#encoder.setLevelLabels(resolved)
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
    return this.#intake.writeLines(data, from)
  }

  /**
   * How this producer hands records to librdkafka, in words: `native lines` (writeLines()
   * turns common lines into records natively; the rest go in native batches), else as
   * {@link describeProducePath} says for this install (on the pure-JS engine: that one).
   */
  get producePath (): string {
    return this.#engine === 'rdkafka' ? this.#intake.producePath : describeEngine(this.#engine)
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
    this.#intake.take()
    await settle(this.#sender, this.#connected, Date.now() + timeoutMs)
    return this.#flushResult()
  }

  /**
   * Stop intake, flush, disconnect, all within `timeoutMs` (plus at most one connection
   * attempt already under way). Idempotent: later calls get the same promise. Records
   * still pending at the end are counted as dropped (reason `closed`).
   */
  close (timeoutMs: number = this.options.flushTimeoutMs): Promise<FlushResult> {
    this.#intake.take()
    this.#closing ??= this.#close(timeoutMs)
    return this.#closing
  }

  /**
   * Hand what the JS buffer holds to librdkafka now, synchronously (when connected and it
   * has room). Returns the records still in the JS buffer. Acknowledgements come later: `flush()`.
   */
  handOver (): number {
    this.#intake.take()
    this.#sender.drain()
    return this.#sender.buffer.length
  }

  /** A snapshot of the counters. */
  metrics (): MetricsSnapshot {
    this.#intake.take() // counted once they are records
    return metricsSnapshot(this.#sender, this.#ledger)
  }

  #startConnecting (): void {
    if (this.options.exitHook) registerExit(this.#exit)
    this.#sender.conn.connect()
  }

  #onConnectFailed (err: EngineError, waited: number, brokerSaid: string | undefined): void {
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
