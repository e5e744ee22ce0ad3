import type { EncodedRecord } from '../record/record'

/**
 * Puts records that timed out in librdkafka back into the spool in the order they were handed
 * to it, not in the order it reports them: it reports the records it had already put into a
 * request to the (gone) broker after those still queued behind them. A timed-out record waits
 * here until every record handed over before it has its report (which librdkafka gives each
 * within `messageTimeoutMs`), so a key's records keep their order on disk.
 */
export class RespoolOrder {
  /** Handed to librdkafka in this order: not reported yet (false), or timed out and waiting for older ones (true). */
  readonly #handedOver = new Map<EncodedRecord, boolean>()
  /** Timed out, waiting for older records' reports. */
  held = 0

  handedOver (r: EncodedRecord): void {
    this.#handedOver.set(r, false)
  }

  /** `r`'s report came; `respool` gets every record now due for the spool, oldest first. */
  reported (r: EncodedRecord, timedOut: boolean, respool: (r: EncodedRecord) => void): void {
    if (!timedOut) {
      this.#handedOver.delete(r)
    } else if (this.#handedOver.has(r)) {
      this.#handedOver.set(r, true)
      this.held++
    } else {
      respool(r)
    }
    for (const [older, waiting] of this.#handedOver) {
      if (!waiting) break
      this.#handedOver.delete(older)
      this.held--
      respool(older)
    }
  }

  /** At close or exit: what waits goes now (oldest first); nothing more is followed. */
  release (respool: (r: EncodedRecord) => void): void {
    for (const [r, waiting] of this.#handedOver) if (waiting) respool(r)
    this.#handedOver.clear()
    this.held = 0
  }
}
