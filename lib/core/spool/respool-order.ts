import type { EncodedRecord } from '../record/record'

const PENDING = 0
const SETTLED = 1
const TIMED_OUT = 2

interface Handed {
  readonly r: EncodedRecord
  state: typeof PENDING | typeof SETTLED | typeof TIMED_OUT
}

/**
 * Puts records that timed out in librdkafka back into the spool in the order they were handed
 * to it, not in the order it reports them: it reports the records it had already put into a
 * request to the (gone) broker after those still queued behind them. A timed-out record waits
 * here until every record handed over before it has its report (which librdkafka gives each
 * within `messageTimeoutMs`), so a key's records keep their order on disk.
 */
export class RespoolOrder {
  /** Handed to librdkafka, oldest first, from `#head` on; reported ones stay until the head passes them. */
  #queue: Handed[] = []
  #head = 0
  readonly #byRecord = new Map<EncodedRecord, Handed>()
  #held = 0

  /** Timed out, waiting for older records' reports. */
  get held (): number {
    return this.#held
  }

  handedOver (r: EncodedRecord): void {
    const h: Handed = { r, state: PENDING }
    this.#queue.push(h)
    this.#byRecord.set(r, h)
  }

  /** `r`'s report came; `respool` gets every record now due for the spool, oldest first. */
  reported (r: EncodedRecord, timedOut: boolean, respool: (r: EncodedRecord) => void): void {
    const h = this.#byRecord.get(r)
    if (h === undefined) {
      if (timedOut) respool(r) // not followed (handed over before a release): nothing to wait for
      return
    }
    this.#byRecord.delete(r)
    h.state = timedOut ? TIMED_OUT : SETTLED
    if (timedOut) this.#held++
    const queue = this.#queue
    while (this.#head < queue.length) {
      const older = queue[this.#head] as Handed
      if (older.state === PENDING) break
      this.#head++
      if (older.state === TIMED_OUT) {
        this.#held--
        respool(older.r)
      }
    }
    if (this.#head === queue.length) {
      this.#queue = []
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head)
      this.#head = 0
    }
  }

  /** At close or exit: what waits goes now (oldest first); nothing more is followed. */
  release (respool: (r: EncodedRecord) => void): void {
    for (let i = this.#head; i < this.#queue.length; i++) {
      const h = this.#queue[i] as Handed
      if (h.state === TIMED_OUT) respool(h.r)
    }
    this.#queue = []
    this.#head = 0
    this.#byRecord.clear()
    this.#held = 0
  }
}
