import { Fifo } from '../fifo'
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
  /** Handed to librdkafka, oldest first; reported ones stay until every older one is reported. */
  readonly #queue = new Fifo<Handed>()
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
    for (let older = this.#queue.at(0); older !== undefined && older.state !== PENDING; older = this.#queue.at(0)) {
      this.#queue.shift()
      if (older.state === TIMED_OUT) {
        this.#held--
        respool(older.r)
      }
    }
  }

  /** At close or exit: what waits goes now (oldest first); nothing more is followed. */
  release (respool: (r: EncodedRecord) => void): void {
    for (const h of this.#queue.clear()) if (h.state === TIMED_OUT) respool(h.r)
    this.#byRecord.clear()
    this.#held = 0
  }
}
