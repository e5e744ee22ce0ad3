import path from 'node:path'
import type { EncodedRecord } from './record/record'
import { OLDEST_MS, type KafkaClock } from './record/kafka-time'
import type { LinePlan } from './record/line-plan'
import { loadRdkafka } from './native'

/** The addon built at install from native/batch.cc (scripts/build-native.cjs). */
interface BatchAddon {
  produceBatch: (client: object, name: string, count: number, topics: string[], values: Buffer[],
    keys: Array<string | Buffer | null>, timestamps: Float64Array, headerCounts: Uint32Array,
    headers: string[], out: Int32Array) => number
  errorText: (code: number) => string
  makeLinePlan: (topicParts: string[], keyKind: number, keyText: string, statics: string[], flags: number,
    labels: Array<number | string>, maxBytes: number) => number
  /** out: [offset reached, records, value bytes, stop code, records sent with the send time]; clock: [oldest, latest, send time] (native/lines.cc) */
  produceLines: (client: object, name: string, plan: number, chunk: Buffer, start: number, end: number, out: Float64Array, clock: Float64Array) => void
}

/** Why the native line path stopped: every complete line was taken. */
export const LINES_END = 0
/** ... the line where it stopped is for the JS encoder (or the path was not usable now). */
export const LINES_UNSUPPORTED = 1

/** A line plan made native (see record/line-plan.ts). */
export interface NativeLinePlan {
  readonly id: number
  /** The topic when it is constant (a shared connection notes who writes to it). */
  readonly topic: string | undefined
}

/** Make a plan native, when the addon is there (`KLT_NATIVE_LINES=0` turns the line path off, batches stay). */
export function nativeLinePlan (plan: LinePlan): NativeLinePlan | undefined {
  const a = batchAddon()
  if (a === undefined || process.env['KLT_NATIVE_LINES'] === '0') return undefined
  const id = a.makeLinePlan(plan.topicParts, plan.keyKind, plan.keyText, plan.statics, plan.flags, plan.labels, plan.maxBytes)
  return { id, topic: plan.topicParts.length === 1 ? plan.topicParts[0] : undefined }
}

/** What one native line call did. */
export interface LinesResult {
  /** The offset reached: past the last line taken, or the start of the line that stopped it. */
  at: number
  records: number
  bytes: number
  /** LINES_END, LINES_UNSUPPORTED, BATCH_NOT_CONNECTED or librdkafka's error for the line at `at`. */
  stop: number
  /** Records sent with the send time: their own time could not be a Kafka timestamp. */
  replaced: number
}

/** The window of a KafkaClock, now, as the native line path takes it. */
export function clockWindow (clock: KafkaClock, into: Float64Array): Float64Array {
  const now = Date.now()
  into[0] = OLDEST_MS
  into[1] = clock.latest(now)
  into[2] = clock.sendTime(now)
  return into
}

/** The most records handed over in one native call. */
export const BATCH_RECORDS = 1024
/** out[0] when the producer was closing: the records stay with us. */
export const BATCH_NOT_CONNECTED = -1

const ADDON = path.join(__dirname, '..', '..', 'build', 'Release', 'klt_batch.node')
let addon: BatchAddon | null | undefined
let why = ''

/**
 * The native batch path, when this install has it (built at install; `KLT_NATIVE_BATCH=0`
 * turns it off): one call hands up to {@link BATCH_RECORDS} records to the librdkafka handle
 * node-rdkafka owns. Without it, node-rdkafka's `produce()`, one call per record.
 */
export function batchAddon (): BatchAddon | undefined {
  if (addon !== undefined) return addon ?? undefined
  addon = null
  if (process.env['KLT_NATIVE_BATCH'] === '0') {
    why = 'turned off (KLT_NATIVE_BATCH=0)'
    return undefined
  }
  try {
    loadRdkafka() // first: the addon uses the librdkafka node-rdkafka loaded
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    addon = require(ADDON) as BatchAddon
  } catch (err) {
    why = `not built (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): \`npm rebuild kafka-log-transport\` builds it`
  }
  return addon ?? undefined
}

/** How records reach librdkafka in this install, in words. */
export function describeProducePath (): string {
  return batchAddon() !== undefined ? 'native batches' : `produce() per record (the native batch path: ${why})`
}

/** One batch laid out flat for the addon; the arrays are reused from batch to batch. */
export class FlatBatch {
  readonly topics: string[] = []
  readonly values: Buffer[] = []
  readonly keys: Array<string | Buffer | null> = []
  readonly timestamps = new Float64Array(BATCH_RECORDS)
  readonly headerCounts = new Uint32Array(BATCH_RECORDS)
  readonly headers: string[] = []
  readonly out = new Int32Array(1)

  /** Lay out the first `count` records that `at` gives, each with its Kafka timestamp from `clock`. */
  fill (count: number, at: (i: number) => EncodedRecord, clock: KafkaClock): void {
    const now = Date.now()
    this.topics.length = 0
    this.values.length = 0
    this.keys.length = 0
    this.headers.length = 0
    for (let i = 0; i < count; i++) {
      const r = at(i)
      this.topics.push(r.topic)
      this.values.push(r.value)
      this.keys.push(r.key)
      this.timestamps[i] = clock.stamp(r.timestamp, now)
      let n = 0
      for (const h of r.headers) {
        for (const name in h) {
          this.headers.push(name, h[name] as string)
          n++
        }
      }
      this.headerCounts[i] = n
    }
  }
}
