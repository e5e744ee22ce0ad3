import type { OverflowPolicy } from '../config/options'
import { SpoolError, type KafkaLogError } from '../errors'
import type { Fallback } from '../fallback'
import type { DropReason } from '../metrics/metrics'
import type { EncodedRecord } from '../record/record'
import type { Spool } from './store'

/** What the writer needs from its producer. */
export interface SpoolWriterHost {
  readonly overflow: OverflowPolicy
  readonly fallback: Fallback | undefined
  /** Count a drop (the record, when there is one, goes to the fallback). */
  drop: (reason: DropReason, r: EncodedRecord | undefined) => void
  report: (err: KafkaLogError) => void
}

/**
 * Puts records into the spool: those that would overflow memory, those librdkafka timed out
 * during an outage, and at close what memory still holds. Past `maxBytes` the overflow
 * policy applies there: 'dropOldest' gives up the oldest unread segments (counted at once,
 * their values reach the fallback later, read off the event loop), the others refuse.
 */
export class SpoolWriter {
  readonly spool: Spool
  readonly #host: SpoolWriterHost
  /** Records appended by this process. */
  spooled = 0
  #errorReported = false

  constructor (spool: Spool, host: SpoolWriterHost) {
    this.spool = spool
    this.#host = host
  }

  /** Keep `r` on disk; false when it could not be kept (the caller drops it). An I/O failure is reported once. */
  keep (r: EncodedRecord): boolean {
    try {
      if (this.#append(r)) return true
      if (this.#host.overflow === 'dropOldest') {
        const fallback = this.#host.fallback
        for (let old = this.spool.dropOldestSegment(fallback !== undefined); old !== undefined; old = this.spool.dropOldestSegment(fallback !== undefined)) {
          for (let i = 0; i < old.records; i++) this.#host.drop('buffer-full', undefined)
          if (old.values !== undefined) fallback?.writeLater(old.values)
          if (this.#append(r)) return true
        }
      }
    } catch (err) {
      if (!this.#errorReported) {
        this.#errorReported = true
        this.#host.report(err instanceof SpoolError ? err : new SpoolError(`spool write failed: ${(err as Error).message}`, { cause: err }))
      }
    }
    return false
  }

  /**
   * At close (or a hand-over at exit): a record still in memory waits in the spool for the
   * next run. A record read back from the spool is still in its segment: it only counts as
   * unsent again. False when there is no room (the caller drops it).
   */
  leave (r: EncodedRecord): boolean {
    if ('spooledAt' in r) {
      this.spool.unsent(1)
      return true
    }
    try {
      return this.#append(r)
    } catch {
      return false
    }
  }

  #append (r: EncodedRecord): boolean {
    if (!this.spool.append(r)) return false
    this.spooled++
    return true
  }
}
