import { Fifo } from './fifo'
import { PackedRecords } from './packed-records'
import type { EncodedRecord } from './record/record'

/**
 * What a buffered record costs beyond its value, in bytes: the record object, its header
 * objects and strings, the Buffer's own bookkeeping. Measured: RSS grows ~1 KiB per buffered
 * record whose value is ~175 bytes. Counted in the byte bound so that `maxBufferBytes` bounds
 * memory, not only payload.
 */
export const RECORD_OVERHEAD_BYTES = 768

/**
 * Records beyond this many in the newest part of the queue are packed into bytes: in the
 * normal flow the buffer is drained at the end of each turn, at most one native batch
 * (1024) later, so only a backlog (an outage, a burst librdkafka cannot take) pays for it.
 */
export const PACK_AFTER = 1024

/**
 * A FIFO of records with O(1) push/shift and a running byte count (value + overhead). The
 * oldest records of a backlog wait as bytes ({@link PackedRecords}); the newest few, and the
 * few about to be handed over (`at()` unpacks what it reaches), as objects:
 * front (oldest) | packed | tail (newest).
 */
export class RecordQueue {
  readonly #front = new Fifo<EncodedRecord>()
  readonly #packed = new PackedRecords()
  readonly #tail = new Fifo<EncodedRecord>()
  #bytes = 0

  get length (): number { return this.#front.length + this.#packed.length + this.#tail.length }
  get bytes (): number { return this.#bytes }

  /**
   * `pack`: the record will wait (librdkafka does not take records now), as bytes at once.
   * An object that outlives a few young-generation GCs makes V8 grow its young generation
   * (to 128 MiB on Node 24, seen in an outage): none should, while a backlog builds.
   */
  push (item: EncodedRecord, pack = false): void {
    this.#bytes += item.value.length + RECORD_OVERHEAD_BYTES
    if (pack) {
      for (let r = this.#tail.shift(); r !== undefined; r = this.#tail.shift()) this.#packed.push(r) // order: the newest go last
      this.#packed.push(item)
      return
    }
    this.#tail.push(item)
    if (this.#tail.length > PACK_AFTER) this.#packed.push(this.#tail.shift() as EncodedRecord)
  }

  peek (): EncodedRecord | undefined { return this.at(0) }

  /** The i-th item from the front (0: the one `peek()` gives). */
  at (i: number): EncodedRecord | undefined {
    while (i >= this.#front.length && this.#packed.length > 0) this.#front.push(this.#packed.shift() as EncodedRecord)
    return i < this.#front.length ? this.#front.at(i) : this.#tail.at(i - this.#front.length)
  }

  shift (): EncodedRecord | undefined {
    const item = this.#front.shift() ?? this.#packed.shift() ?? this.#tail.shift()
    if (item !== undefined) this.#bytes -= item.value.length + RECORD_OVERHEAD_BYTES
    return item
  }

  /** Let the oldest go; from the packed part without making it an object. False when empty. */
  discard (): boolean {
    const old = this.#front.shift()
    const valueLength = old !== undefined ? old.value.length : this.#packed.discard()
    if (valueLength >= 0) {
      this.#bytes -= valueLength + RECORD_OVERHEAD_BYTES
      return true
    }
    const newest = this.#tail.shift()
    if (newest !== undefined) this.#bytes -= newest.value.length + RECORD_OVERHEAD_BYTES
    return newest !== undefined
  }

  clear (): EncodedRecord[] {
    const rest = [...this.#front.clear(), ...this.#packed.clear(), ...this.#tail.clear()]
    this.#bytes = 0
    return rest
  }
}
