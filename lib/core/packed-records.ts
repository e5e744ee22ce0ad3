import type { EncodedRecord } from './record/record'
import { bodySize, decodeBody, writeBody } from './spool/format'

/** The size of one chunk; a larger record gets a chunk of its own size. */
export const CHUNK_BYTES = 1024 * 1024
/** Each record's body is preceded by its length and its value's length. */
const LENGTH_BYTES = 8

/**
 * A FIFO of records kept as bytes (the spool's record layout) in chunks of `CHUNK_BYTES`,
 * with no JS object per record. Records that wait long (an outage) would otherwise be
 * promoted to V8's old space and, once sent or evicted, stay there as garbage until a major
 * GC; here taking the oldest is an offset moving on, and a chunk read to its end is reused
 * or let go. A record comes back as a new object, equal to the one pushed.
 */
export class PackedRecords {
  /** Chunks in use, oldest first: reading in the first, writing in the last. */
  #chunks: Buffer[] = []
  #readAt = 0
  #writeAt = 0
  /** Records per chunk not yet read, parallel to `#chunks`. */
  #counts: number[] = []
  #length = 0
  /** One chunk read to its end, kept for the next one needed (a steady backlog allocates nothing). */
  #spare: Buffer | undefined

  get length (): number { return this.#length }

  /** Bytes held in chunks (what this costs in memory, spare included). */
  get chunkBytes (): number {
    let n = this.#spare?.length ?? 0
    for (const c of this.#chunks) n += c.length
    return n
  }

  push (r: EncodedRecord): void {
    const size = bodySize(r)
    const need = LENGTH_BYTES + size
    let chunk = this.#chunks.at(-1)
    if (chunk === undefined || chunk.length - this.#writeAt < need) {
      chunk = this.#newChunk(need)
      this.#chunks.push(chunk)
      this.#counts.push(0)
      this.#writeAt = 0
      if (this.#chunks.length === 1) this.#readAt = 0
    }
    chunk.writeUInt32LE(size, this.#writeAt)
    chunk.writeUInt32LE(r.value.length, this.#writeAt + 4)
    writeBody(r, 'spooledAt' in r ? (r as { spooledAt: number }).spooledAt : Number.NaN, chunk, this.#writeAt + LENGTH_BYTES)
    this.#writeAt += need
    const last = this.#counts.length - 1
    this.#counts[last] = (this.#counts[last] as number) + 1
    this.#length++
  }

  shift (): EncodedRecord | undefined {
    const chunk = this.#chunks[0]
    if (chunk === undefined) return undefined
    const size = chunk.readUInt32LE(this.#readAt)
    const start = this.#readAt + LENGTH_BYTES
    const r = decodeBody(chunk.subarray(start, start + size))
    this.#passed(start + size)
    return r // with `spooledAt` only when it came from the spool: the mark the replayer counts by
  }

  /** Let the oldest go without making it an object: its value's length (-1: none). */
  discard (): number {
    const chunk = this.#chunks[0]
    if (chunk === undefined) return -1
    const size = chunk.readUInt32LE(this.#readAt)
    const valueLength = chunk.readUInt32LE(this.#readAt + 4)
    this.#passed(this.#readAt + LENGTH_BYTES + size)
    return valueLength
  }

  /** Everything, oldest first; empty after. */
  clear (): EncodedRecord[] {
    const all: EncodedRecord[] = []
    for (let r = this.shift(); r !== undefined; r = this.shift()) all.push(r)
    return all
  }

  /** The oldest record was read: the next one starts at `next`. */
  #passed (next: number): void {
    this.#readAt = next
    this.#length--
    const left = (this.#counts[0] as number) - 1
    this.#counts[0] = left
    if (left === 0) this.#dropFirst()
  }

  #newChunk (need: number): Buffer {
    if (need > CHUNK_BYTES) return Buffer.allocUnsafeSlow(need)
    const spare = this.#spare
    this.#spare = undefined
    return spare ?? Buffer.allocUnsafeSlow(CHUNK_BYTES)
  }

  /** The first chunk is read to its end: the next one is read from its start. */
  #dropFirst (): void {
    const done = this.#chunks.shift() as Buffer
    this.#counts.shift()
    this.#readAt = 0
    if (this.#chunks.length === 0) this.#writeAt = 0
    if (done.length === CHUNK_BYTES) this.#spare = done
  }
}
