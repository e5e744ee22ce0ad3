import fs from 'node:fs'
import type { Writable } from 'node:stream'

/**
 * Where records go that would otherwise be lost (dropped or failed): one line each, on a
 * writable stream or appended to a file. A failing fallback reports once and goes quiet.
 */
export class Fallback {
  readonly #target: Writable | string
  readonly #onError: (err: Error) => void
  #stream: Writable | undefined
  #broken = false
  /** Values still being read (from a dropped spool segment), one source after another: they arrive in the order they were dropped. */
  #later: Promise<void> = Promise.resolve()
  #laterPending = 0

  constructor (target: Writable | string, onError: (err: Error) => void) {
    this.#target = target
    this.#onError = onError
  }

  write (value: Buffer): void {
    if (this.#broken) return
    if (this.#stream === undefined) {
      this.#stream = typeof this.#target === 'string' ? fs.createWriteStream(this.#target, { flags: 'a' }) : this.#target
      this.#stream.on('error', (err) => {
        this.#broken = true
        this.#onError(err)
      })
    }
    const last = value.length > 0 ? value[value.length - 1] : undefined
    this.#stream.write(last === 0x0a ? value : Buffer.concat([value, NEWLINE]))
  }

  /**
   * Write values that are still to be read, after those handed over here before them
   * (the records of a dropped spool segment, read off the event loop). A failed read is
   * reported like a failed write.
   */
  writeLater (values: AsyncIterable<Buffer>): void {
    this.#laterPending++
    this.#later = this.#later.then(async () => {
      for await (const v of values) {
        if (this.#broken) break // stops the reading too (and deletes what it read from)
        this.write(v)
      }
    }).catch((err: unknown) => {
      this.#onError(new Error(`reading dropped records back failed: ${(err as Error).message}`, { cause: err }))
    }).finally(() => { this.#laterPending-- })
  }

  /** Close a file we opened (once the values still being read are in); a stream given by the caller stays theirs. */
  end (): void {
    if (typeof this.#target !== 'string') return
    if (this.#laterPending === 0) this.#stream?.end()
    else void this.#later.then(() => this.#stream?.end())
  }
}

const NEWLINE = Buffer.from('\n')
