import { RECORD_OVERHEAD_BYTES } from './queue'

const NEWLINE = 0x0a
const NEWLINE_TEXT = '\n'

/**
 * Whole log lines written in one turn of the event loop, kept to become records in one
 * native call (the native line path) instead of one JS record each. A line is kept as the
 * caller gave it (a string, or a Buffer by reference, as a record's value would be), and
 * only when it is one line: one newline at most, at its end. Bounded by `maxLines` and
 * `maxBytes` (bytes counted as the buffer counts them, UTF-16 units as up to 3 bytes).
 */
export class LineBatch {
  readonly #maxLines: number
  readonly #maxBytes: number
  #parts: Array<string | Buffer> = []
  #lines = 0
  #bytes = 0
  #buffers = false

  constructor (maxLines: number, maxBytes: number) {
    this.#maxLines = maxLines
    this.#maxBytes = maxBytes
  }

  get lines (): number {
    return this.#lines
  }

  /** Is `line` one non-empty line this batch can keep? (Else it goes the JS encoder's way.) */
  static fits (line: string | Buffer): boolean {
    const nl = typeof line === 'string' ? line.indexOf(NEWLINE_TEXT) : line.indexOf(NEWLINE)
    // no newline and not empty, or one newline at the end after some text
    return nl < 0 ? line.length > 0 : nl > 0 && nl === line.length - 1
  }

  /** Would one more line of this size go over the bounds? */
  full (line: string | Buffer): boolean {
    return this.#lines >= this.#maxLines || this.#bytes + cost(line) > this.#maxBytes
  }

  /** Keep a line (that fits: see {@link fits}). */
  add (line: string | Buffer): void {
    this.#parts.push(line)
    if (typeof line === 'string') {
      if (line.charCodeAt(line.length - 1) !== 0x0a) this.#parts.push(NEWLINE_TEXT)
    } else {
      this.#buffers = true
      if (line[line.length - 1] !== NEWLINE) this.#parts.push(NEWLINE_TEXT)
    }
    this.#lines++
    this.#bytes += cost(line)
  }

  /** Everything kept, as one chunk of newline-ended lines; the batch is empty after. */
  take (): Buffer {
    const parts = this.#parts
    const data = this.#buffers
      ? Buffer.concat(parts.map((p) => typeof p === 'string' ? Buffer.from(p) : p))
      : Buffer.from((parts as string[]).join(''))
    this.#parts = []
    this.#lines = this.#bytes = 0
    this.#buffers = false
    return data
  }
}

function cost (line: string | Buffer): number {
  return (typeof line === 'string' ? line.length * 3 : line.length) + RECORD_OVERHEAD_BYTES
}
