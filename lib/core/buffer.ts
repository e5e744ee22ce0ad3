import { Waiters } from './bounded'
import type { OverflowPolicy } from './config/options'
import { RECORD_OVERHEAD_BYTES, RecordQueue } from './queue'
import type { EncodedRecord } from './record/record'

export interface BufferBounds {
  readonly maxMessages: number
  readonly maxBytes: number
  readonly overflow: OverflowPolicy
}

/**
 * The bounded in-process buffer: records waiting for the connection, or for room in
 * librdkafka's queue. It owns both bounds (records; bytes with a per-record overhead), the
 * overflow policy's part that concerns it ('dropOldest' evicts to make room; the others
 * leave the new record to the caller), and the back-pressure signal: after it said "full",
 * `onDrain` fires once it is below half of both bounds.
 */
export class BoundedBuffer {
  readonly #q = new RecordQueue()
  readonly #bounds: BufferBounds
  readonly #onDrain: () => void
  readonly #empty = new Waiters()
  #needDrain = false

  constructor (bounds: BufferBounds, onDrain: () => void) {
    this.#bounds = bounds
    this.#onDrain = onDrain
  }

  get length (): number { return this.#q.length }
  get bytes (): number { return this.#q.bytes }
  peek (): EncodedRecord | undefined { return this.#q.peek() }
  at (i: number): EncodedRecord | undefined { return this.#q.at(i) }
  shift (): EncodedRecord | undefined { return this.#q.shift() }
  clear (): EncodedRecord[] { return this.#q.clear() }

  /** Past the bounds on purpose (a replay batch, sized within them by its reader). */
  push (r: EncodedRecord): void {
    this.#q.push(r)
  }

  /** Does `r` fit within both bounds now? */
  fits (r: EncodedRecord): boolean {
    return !this.#over(r.value.length)
  }

  /** Would one more record of `size` bytes go over a bound? */
  #over (size: number): boolean {
    return this.#q.length >= this.#bounds.maxMessages || this.#q.bytes + size + RECORD_OVERHEAD_BYTES > this.#bounds.maxBytes
  }

  /**
   * Take `r` within the bounds. Over one, 'dropOldest' evicts the oldest records until it
   * fits, each handed to `evicted` (as a record only when `whole`: else undefined, and a
   * record that waited as bytes never becomes an object); under the other policies `r` is
   * not taken: false. `pack`: it will wait (RecordQueue.push).
   */
  offer (r: EncodedRecord, evicted: (old: EncodedRecord | undefined) => void, whole: boolean, pack: boolean): boolean {
    if (this.#over(r.value.length)) {
      if (this.#bounds.overflow !== 'dropOldest') return false
      while (this.#q.length > 0 && this.#over(r.value.length)) {
        if (whole) evicted(this.#q.shift())
        else if (this.#q.discard()) evicted(undefined)
      }
    }
    this.#q.push(r, pack)
    return true
  }

  /**
   * Is there room for another record of `size` bytes? When not, `onDrain` will follow: a
   * caller that stops at false and waits for it never meets the overflow policy.
   */
  roomFor (size: number): boolean {
    if (!this.#over(size)) return true
    this.#needDrain = true
    return false
  }

  /** The caller was refused (a record dropped under 'block' or 'dropNewest'): `onDrain` will follow. */
  expectDrain (): void {
    this.#needDrain = true
  }

  /** After records left: 'drain' once below half of both bounds; wake those waiting for it to empty. */
  settle (): void {
    if (this.#needDrain && this.#q.length <= this.#bounds.maxMessages / 2 && this.#q.bytes <= this.#bounds.maxBytes / 2) {
      this.#needDrain = false
      this.#onDrain()
    }
    if (this.#q.length === 0) this.#empty.wake()
  }

  /** Wait (bounded) until everything has left. */
  waitEmpty (timeoutMs: number): Promise<void> {
    return this.#q.length === 0 ? Promise.resolve() : this.#empty.wait(timeoutMs)
  }
}
