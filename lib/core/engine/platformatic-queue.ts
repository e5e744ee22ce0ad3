import type { MessageToProduce } from '@platformatic/kafka'
import { Fifo } from '../fifo'
import type { EngineHeaders, EngineReport } from './engine'

/** A record the pure-JS engine holds until Kafka acknowledges it. */
export interface Pending {
  topic: string
  value: Buffer
  key: Buffer | undefined
  timestamp: number | null
  opaque: unknown
  headers: EngineHeaders
  /** When produce() took it (for message.timeout.ms, and its time when it has none). */
  at: number
  /** Refused with others in one request: it goes again alone, so that the broker names the record it refuses. */
  alone: boolean
}

/** The engine's queue, in order: taken from the head in batches, put back at the head when a request fails. */
export class PendingQueue {
  readonly #fifo = new Fifo<Pending>()
  #bytes = 0

  get length (): number { return this.#fifo.length }
  /** The values' bytes waiting. */
  get bytes (): number { return this.#bytes }

  push (r: Pending): void {
    this.#fifo.push(r)
    this.#bytes += r.value.length
  }

  /** Up to `max` records from the head (one when the head must go alone). */
  take (max: number): Pending[] {
    // records put back to go alone are at the head, before any other
    const count = this.#fifo.at(0)?.alone === true ? 1 : max
    return this.takeWhile((_r, taken) => taken < count)
  }

  /** Records back to the head, in their order. */
  putBack (batch: readonly Pending[]): void {
    this.#fifo.putBack(batch)
    for (const r of batch) this.#bytes += r.value.length
  }

  /** The records at the head, one by one, while `take` says so (it sees the record and how many were taken). */
  takeWhile (take: (r: Pending, taken: number) => boolean): Pending[] {
    const out: Pending[] = []
    for (let r = this.#fifo.at(0); r !== undefined && take(r, out.length); r = this.#fifo.at(0)) {
      this.#fifo.shift()
      this.#bytes -= r.value.length
      out.push(r)
    }
    return out
  }
}

/** A record as the engine writes it. `sticky`: the partition of this request's keyless records. */
export function toMessage (r: Pending, sticky: number): MessageToProduce {
  const m: MessageToProduce = { topic: r.topic, value: r.value }
  if (r.headers.length > 0) m.headers = headerMap(r.headers)
  if (r.key !== undefined) m.key = r.key
  else m.partition = sticky
  // librdkafka stamps a record without a time (null, 0) at produce(); so do we (left unset,
  // this engine writes a time the broker refuses when another record of the batch has one)
  m.timestamp = BigInt(r.timestamp === null || r.timestamp === 0 ? r.at : r.timestamp)
  return m
}

/** Header names as bytes, made once: a log stream repeats a few names on every record. */
const headerNames = new Map<string, Buffer>()
const MAX_HEADER_NAMES = 256

function headerName (name: string): Buffer {
  let bytes = headerNames.get(name)
  if (bytes === undefined) {
    bytes = Buffer.from(name)
    if (headerNames.size < MAX_HEADER_NAMES) headerNames.set(name, bytes)
  }
  return bytes
}

/** Headers as the engine writes them: names and values as bytes (it has no serializers here). */
function headerMap (headers: EngineHeaders): Map<Buffer, Buffer> {
  const map = new Map<Buffer, Buffer>()
  for (const h of headers) {
    for (const [k, v] of Object.entries(h)) {
      // Kafka allows a name twice in one record: the map's keys are buffers, so the second gets its own
      let name = headerName(k)
      if (map.has(name)) name = Buffer.from(k)
      map.set(name, typeof v === 'string' ? Buffer.from(v) : v)
    }
  }
  return map
}

/** The delivery report of `r` (its partition and offset are not known here); its value with `withValue`. */
export function reportOf (r: Pending, withValue: boolean): EngineReport {
  const report: EngineReport = { topic: r.topic, partition: -1, offset: -1, key: r.key ?? null, opaque: r.opaque, size: r.value.length }
  if (withValue) report.value = r.value
  if (r.timestamp !== null) report.timestamp = r.timestamp
  return report
}
