/**
 * Resolve when `register`'s callback fires or `timeoutMs` passes, whichever is first:
 * every wait of the producer is bounded this way. `register` returns its own undo, run
 * once the wait is over; the callback may fire more than once, even before `register` returns.
 */
export async function bounded (timeoutMs: number, register: (done: () => void) => () => void): Promise<void> {
  let undo: () => void = () => {}
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, timeoutMs))
    undo = register(() => {
      clearTimeout(timer)
      resolve()
    })
  })
  undo()
}

/** A set of one-shot waiters: `wait(ms)` until `wake()`, bounded. */
export class Waiters {
  #waiting: Array<() => void> = []

  wait (timeoutMs: number): Promise<void> {
    return bounded(timeoutMs, (done) => {
      this.#waiting.push(done)
      return () => { this.#waiting = this.#waiting.filter((w) => w !== done) }
    })
  }

  wake (): void {
    const waiting = this.#waiting
    this.#waiting = []
    for (const w of waiting) w()
  }
}
