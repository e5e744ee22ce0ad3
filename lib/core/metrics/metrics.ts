/** Why a record was dropped; every drop is counted under one reason. */
export type DropReason = 'buffer-full' | 'bad-record' | 'closed' | 'too-large'

/** Write-to-acknowledgement latency percentiles, in ms (with `deliveryReports: 'all'`). */
export interface LatencySnapshot {
  count: number
  p50: number
  p99: number
  p999: number
  max: number
}

/** The durable spool's state and counters. */
export interface SpoolMetrics {
  /** Records waiting on disk (also counted in `pending`). */
  records: number
  /** Bytes on disk, including records replayed but not yet acknowledged. */
  bytes: number
  segments: number
  /** Age of the oldest waiting record, in ms (0 when none waits). */
  oldestAgeMs: number
  /** Records written to the spool (overflow, timed out in an outage, left at close). */
  spooled: number
  /** Records read back from the spool and handed on for sending. */
  replayed: number
  /** Records per second of the last replay batch. */
  replayPerSecond: number
  /** Records found in the spool at start, left by an earlier run. */
  recovered: number
  /** Torn or corrupt records found and skipped. */
  corrupt: number
}

/** How records' Kafka timestamps were chosen (RELIABILITY.md, "Kafka timestamps"). */
export interface TimestampMetrics {
  /** Records sent with the send time because their own time could not be a log time (the value keeps the own time). */
  replaced: number
  /** Records Kafka refused for their timestamp (INVALID_TIMESTAMP) and that were sent again with the send time. */
  resent: number
  /** How far the send time is set back from this host's clock: above 0 when Kafka refused the host's now (its clock runs ahead). */
  correctionMs: number
}

/** How records reach librdkafka (issue #34). */
export interface NativePathMetrics {
  /** Records go to librdkafka through the native path (the addon, on librdkafka's own handle). */
  inUse: boolean
  /** Why not, and the command that fixes it ('' when in use, or when not wanted: `deliveryReports: 'all'`, `KLT_NATIVE_BATCH=0`). */
  problem: string
}

/**
 * A snapshot of a producer's counters. Invariant: `written = delivered + failed + dropped + pending`,
 * and with a spool `written + spool.recovered = delivered + failed + dropped + pending`.
 */
export interface MetricsSnapshot {
  /** Every call to write(). */
  written: number
  /** Acknowledged by Kafka (with error-only reports: known at flush points; until then counted in `inflight`). */
  delivered: number
  /** Refused by Kafka or timed out in librdkafka (`message.timeout.ms`). */
  failed: number
  dropped: number
  droppedByReason: Record<DropReason, number>
  /** Sent cut to maxMessageBytes (also counted in delivered/failed/pending). */
  truncated: number
  /** Kafka timestamps (issue #32): see {@link TimestampMetrics}. */
  timestamps: TimestampMetrics
  /** Records waiting in the JS buffer. */
  buffered: number
  /** Bytes the buffer counts against `maxBufferBytes`: values plus 768 per record. */
  bufferedBytes: number
  /** Records handed to librdkafka whose outcome is not known yet. */
  inflight: number
  /** buffered + inflight */
  pending: number
  bytesProduced: number
  /** Errors this producer reported (as `'error'` events, or on stderr when nobody listened: once per code). */
  errors: number
  connected: boolean
  /** The Kafka client underneath (option `engine`; `'auto'` resolved). */
  engine: 'rdkafka' | 'platformatic'
  /** The native path: in use, or why not (also said once per process on stderr at connect). */
  nativePath: NativePathMetrics
  latencyMs: LatencySnapshot
  /** The durable spool, when configured. */
  spool?: SpoolMetrics
  /** librdkafka's latest statistics document, when `rdkafka['statistics.interval.ms']` is set. */
  rdkafka?: Record<string, unknown>
}

export class Counters {
  written = 0
  produced = 0
  bytesProduced = 0
  delivered = 0
  failed = 0
  truncated = 0
  errors = 0
  readonly dropped: Record<DropReason, number> = { 'buffer-full': 0, 'bad-record': 0, closed: 0, 'too-large': 0 }

  inflight (): number {
    return this.produced - this.delivered - this.failed
  }

  /** A record handed over came back (timed out, to the spool; or refused, to be sent again): no longer in flight, not failed. */
  returned (): void {
    this.produced--
    if (this.delivered + this.failed > this.produced) this.delivered--
  }

  /** A failure report. A report that lands after a settle had counted its record as delivered corrects that. */
  fail (): void {
    this.failed++
    if (this.delivered + this.failed > this.produced) this.delivered--
  }

  /** Everything handed over up to `handedOver` has been reported on (librdkafka flush returned). */
  settle (handedOver: number = this.produced): void {
    this.delivered = Math.max(this.delivered, Math.min(handedOver, this.produced) - this.failed)
  }

  /** Close gave up on what is still in flight: count it as dropped. */
  abandon (): void {
    const n = this.inflight()
    if (n <= 0) return
    this.dropped.closed += n
    this.produced -= n
  }

  droppedTotal (): number {
    let n = 0
    for (const v of Object.values(this.dropped)) n += v
    return n
  }
}

const FACTOR = 1.05
const LOG_FACTOR = Math.log(FACTOR)
const MIN_US = 10

/** A log-bucket histogram (5% resolution) of latencies, cheap to record into. */
export class LatencyHistogram {
  #buckets: number[] = []
  #count = 0
  #max = 0

  record (ms: number): void {
    const us = Math.max(MIN_US, ms * 1000)
    const i = Math.floor(Math.log(us / MIN_US) / LOG_FACTOR)
    this.#buckets[i] = (this.#buckets[i] ?? 0) + 1
    this.#count++
    if (ms > this.#max) this.#max = ms
  }

  #percentile (p: number): number {
    if (this.#count === 0) return 0
    const rank = Math.ceil(p * this.#count)
    let seen = 0
    for (let i = 0; i < this.#buckets.length; i++) {
      seen += this.#buckets[i] ?? 0
      if (seen >= rank) return Math.min(this.#max, (MIN_US * FACTOR ** (i + 1)) / 1000)
    }
    return this.#max
  }

  snapshot (): LatencySnapshot {
    return { count: this.#count, p50: this.#percentile(0.5), p99: this.#percentile(0.99), p999: this.#percentile(0.999), max: this.#max }
  }
}
