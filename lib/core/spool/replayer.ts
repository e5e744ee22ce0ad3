import { setTimeout as sleep } from 'node:timers/promises'
import type { BoundedBuffer } from '../buffer'
import type { ResolvedOptions } from '../config/options'
import { SpoolError, type KafkaLogError } from '../errors'
import { RECORD_OVERHEAD_BYTES } from '../queue'
import type { Spool, SpoolMark } from './store'

// replay reads this much from the spool at a time, then waits for it to be acknowledged
const BATCH_RECORDS = 10000
const BATCH_BYTES = 8 * 1024 * 1024
const RETRY_MS = 500
const BATCHES_IN_FLIGHT = 4
// after records time out (the broker is away while librdkafka still counts as connected),
// replay waits before trying again, longer each time, so records do not cycle spool ->
// librdkafka -> spool for the whole outage
const PAUSE_MIN_MS = 5000
const PAUSE_MAX_MS = 60000
const SETTLE_POLL_MS = 5

/** What the replayer needs from its producer. */
export interface ReplayerHost {
  readonly options: ResolvedOptions
  readonly buffer: BoundedBuffer
  /** Connected, and not closed. */
  live: () => boolean
  /** Hand what the buffer holds to librdkafka. */
  drain: () => void
  /** Serve delivery reports now. */
  poll: () => void
  report: (err: KafkaLogError) => void
}

/**
 * Sends what the spool holds, oldest first, a batch at a time, after what the memory buffer
 * holds (older), within the buffer's bounds. A few batches stay in flight; their place in
 * the spool is acknowledged (segments deleted) once every record read so far has its
 * delivery report (delivered, failed, or spooled again): live traffic beside it does not
 * hold that up.
 */
export class SpoolReplayer {
  readonly #spool: Spool
  readonly #host: ReplayerHost
  /** Records read back so far, and the rate of the last batch. */
  replayed = 0
  perSecond = 0
  #running = false
  /** Read from the spool, not yet acknowledged. */
  #mark: SpoolMark | undefined
  /** Records read whose delivery report has not come yet. */
  #outstanding = 0
  #pausedUntil = 0
  #pauseMs = 0
  #timer: NodeJS.Timeout | undefined

  constructor (spool: Spool, host: ReplayerHost) {
    this.#spool = spool
    this.#host = host
  }

  /** Records wait in the spool, or a batch read from it is not acknowledged yet. */
  get busy (): boolean {
    return this.#spool.records > 0 || this.#mark !== undefined
  }

  /** Start (or go on) sending, unless already at it, paused, or not connected. */
  kick (): void {
    if (this.#running || !this.#host.live() || !this.busy) return
    const wait = this.#pausedUntil - Date.now()
    if (wait > 0) {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined
        this.kick()
      }, wait).unref()
      return
    }
    this.#running = true
    this.#loop().catch((err: unknown) => {
      this.#host.report(err instanceof SpoolError ? err : new SpoolError(`spool replay failed: ${(err as Error).message}`, { cause: err }))
    }).finally(() => {
      this.#running = false
      // stopped for a pause with records left: come back when it ends
      if (this.#pausedUntil > Date.now() && this.#spool.records > 0) this.kick()
    })
  }

  /** Records timed out in librdkafka (Kafka away): hold replay back, longer each wave. */
  pause (): void {
    const now = Date.now()
    if (now < this.#pausedUntil) return // one pause per wave of timeouts
    this.#pauseMs = Math.min(PAUSE_MAX_MS, Math.max(PAUSE_MIN_MS, this.#pauseMs * 2))
    this.#pausedUntil = now + this.#pauseMs
  }

  /** Kafka acknowledged a record: the next pause starts short again. */
  answered (): void {
    this.#pauseMs = 0
  }

  /** A record's fate is known (reported, dropped or failed at produce): one fewer to wait for if it was replayed. */
  settled (r: unknown): void {
    if (typeof r === 'object' && r !== null && 'spooledAt' in r) this.#outstanding--
  }

  stop (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  async #loop (): Promise<void> {
    const { buffer, options } = this.#host
    const batchRecords = Math.min(BATCH_RECORDS, options.maxBufferMessages)
    const batchBytes = Math.min(BATCH_BYTES, options.maxBufferBytes)
    let unacked = 0
    while (this.#host.live()) {
      if (buffer.length > 0) {
        await buffer.waitEmpty(RETRY_MS)
        continue
      }
      if (this.#mark !== undefined && (this.#spool.records === 0 || unacked >= BATCHES_IN_FLIGHT * batchRecords)) {
        await this.#waitSettled(options.flushTimeoutMs)
        if (this.#outstanding > 0) {
          await sleep(RETRY_MS) // the broker is slow or away again: try later, read nothing more meanwhile
          continue
        }
        this.#spool.ack(this.#mark)
        this.#mark = undefined
        unacked = 0
      }
      if (this.#spool.records === 0 || Date.now() < this.#pausedUntil) return
      const t0 = performance.now()
      const { records, mark } = this.#spool.read(batchRecords, batchBytes, RECORD_OVERHEAD_BYTES)
      this.#mark = mark
      this.replayed += records.length
      this.#outstanding += records.length
      unacked += records.length
      for (const r of records) buffer.push(r)
      this.#host.drain()
      await buffer.waitEmpty(options.flushTimeoutMs)
      this.perSecond = Math.round(records.length / Math.max(0.001, (performance.now() - t0) / 1000))
    }
  }

  /** Wait (bounded) until every record read so far has its delivery report. */
  async #waitSettled (timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (this.#outstanding > 0 && this.#host.live() && Date.now() < deadline) {
      this.#host.poll()
      await sleep(SETTLE_POLL_MS)
    }
  }
}
