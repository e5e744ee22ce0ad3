/** The first retry after librdkafka's queue was found full. */
const FIRST_MS = 1
/** The longest wait between retries while it stays full (an outage: nothing frees room). */
const MAX_MS = 16
/** Records a retry offers first while the queue was full: a refused try costs only these. */
const PROBE_RECORDS = 16

/**
 * When to try librdkafka's queue again after it was full. It frees room as brokers answer,
 * and with failure-only reports nothing tells when: so a timer, 1 ms at first, doubling up to
 * 16 ms while it stays full. In an outage every retry is refused: offering a whole batch each
 * time cost more CPU than the app's own logging (laid out 1024 records every millisecond), so
 * a retry offers a few records first, and a whole batch once those went in.
 */
export class QueueFullRetry {
  #timer: NodeJS.Timeout | undefined
  /** Retries in a row that found the queue full. */
  #refused = 0

  /** A retry is due (the queue was full at the last try). */
  get due (): boolean {
    return this.#timer !== undefined
  }

  /** How many of `waiting` records to offer now. */
  batch (waiting: number, most: number): number {
    return Math.min(waiting, this.#refused > 0 ? PROBE_RECORDS : most)
  }

  /** The queue took what was offered: full batches again, and the next full queue retries at once. */
  room (): void {
    this.#refused = 0
  }

  /** The queue is full: `retry` runs after the next wait (one timer at a time). */
  schedule (retry: () => void): void {
    if (this.#timer !== undefined) return
    const ms = Math.min(MAX_MS, FIRST_MS * 2 ** this.#refused)
    this.#refused = Math.min(this.#refused + 1, 8)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      retry()
    }, ms).unref()
  }

  stop (): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
