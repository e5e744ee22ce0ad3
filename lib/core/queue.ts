/**
 * What a buffered record costs beyond its value, in bytes: the record object, its header
 * objects and strings, the Buffer's own bookkeeping. Measured: RSS grows ~1 KiB per buffered
 * record whose value is ~175 bytes. Counted in the byte bound so that `maxBufferBytes` bounds
 * memory, not only payload.
 */
export const RECORD_OVERHEAD_BYTES = 768

/** A FIFO of records with O(1) push/shift and a running byte count (value + overhead). */
export class RecordQueue<T extends { value: Buffer }> {
  #items: Array<T | undefined> = []
  #head = 0
  #bytes = 0

  get length (): number { return this.#items.length - this.#head }
  get bytes (): number { return this.#bytes }

  push (item: T): void {
    this.#items.push(item)
    this.#bytes += item.value.length + RECORD_OVERHEAD_BYTES
  }

  peek (): T | undefined { return this.#items[this.#head] }

  /** The i-th item from the front (0: the one `peek()` gives). */
  at (i: number): T | undefined { return this.#items[this.#head + i] }

  shift (): T | undefined {
    if (this.#head >= this.#items.length) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head++] = undefined
    if (item) this.#bytes -= item.value.length + RECORD_OVERHEAD_BYTES
    // compact once the dead prefix dominates, so memory follows the live size
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  clear (): T[] {
    const rest = this.#items.slice(this.#head) as T[]
    this.#items = []
    this.#head = 0
    this.#bytes = 0
    return rest
  }
}
