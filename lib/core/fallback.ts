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

  /** Close a file we opened; a stream given by the caller stays theirs. */
  end (): void {
    if (typeof this.#target === 'string') this.#stream?.end()
  }
}

const NEWLINE = Buffer.from('\n')
