/**
 * Resolve when `register`'s callback fires or `timeoutMs` passes, whichever is first:
 * every wait of the producer is bounded this way. `register` returns its own undo.
 */
export function bounded (timeoutMs: number, register: (done: () => void) => () => void): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      unregister()
      resolve()
    }
    const timer = setTimeout(done, Math.max(0, timeoutMs))
    const unregister = register(done)
  })
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
