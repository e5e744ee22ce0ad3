/**
 * A first-in first-out list over an array with a moving head: push at the tail, shift at
 * the head, both O(1); the dead prefix is dropped once it dominates, so memory follows the
 * live size. Records that went out can be put back at the head, in their order.
 */
export class Fifo<T> {
  #items: Array<T | undefined> = []
  #head = 0

  get length (): number { return this.#items.length - this.#head }

  push (item: T): void {
    this.#items.push(item)
  }

  at (i: number): T | undefined { return this.#items[this.#head + i] }

  shift (): T | undefined {
    if (this.#head >= this.#items.length) return undefined
    const item = this.#items[this.#head]
    this.#items[this.#head++] = undefined
    // compact once the dead prefix dominates, so memory follows the live size
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }
    return item
  }

  /** `items` back at the head, before what waits, in their order. */
  putBack (items: readonly T[]): void {
    if (items.length <= this.#head) {
      this.#head -= items.length
      for (let i = 0; i < items.length; i++) this.#items[this.#head + i] = items[i]
    } else {
      this.#items.splice(this.#head, 0, ...items)
    }
  }

  clear (): T[] {
    const rest = this.#items.slice(this.#head) as T[]
    this.#items = []
    this.#head = 0
    return rest
  }
}
