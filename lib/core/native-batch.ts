import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { EncodedRecord } from './record/record'
import { OLDEST_MS, type KafkaClock } from './record/kafka-time'
import type { LinePlan } from './record/line-plan'
import { loadRdkafka } from './native'

/**
 * The addon (native/, issue #34): Node-API, and librdkafka's public C API found at run time
 * in the librdkafka node-rdkafka loaded. It is also a librdkafka plugin: a producer whose
 * config names it in `plugin.library.paths` hands it its handle, claimed by name.
 */
interface BatchAddon {
  produceBatch: (handle: number, count: number, topics: string[], values: Buffer[],
    keys: Array<string | Buffer | null>, timestamps: Float64Array, headerCounts: Uint32Array,
    headers: string[], out: Int32Array) => number
  errorText: (code: number) => string
  /** The id of the librdkafka handle named `name` that librdkafka handed the plugin; 0 if none. */
  claimHandle: (name: string) => number
  releaseHandle: (handle: number) => void
  /** header: the rdkafka.h version built with; loaded: the loaded librdkafka's (0: not found); problem: why its API is unusable */
  librdkafka: () => { header: number, loaded: number, problem: string, live: number }
  makeLinePlan: (topicParts: string[], keyKind: number, keyText: string, statics: string[], flags: number,
    labels: Array<number | string>, maxBytes: number) => NativePlanHandle
  /** out: [offset reached, records, value bytes, stop code, records sent with the send time]; clock: [oldest, latest, send time] (native/lines.cc) */
  produceLines: (handle: number, plan: NativePlanHandle, chunk: Buffer, start: number, end: number, out: Float64Array, clock: Float64Array) => void
}

export { LINES_END, LINES_UNSUPPORTED } from './record/line-rules'

/** The addon's plan: an external object, its memory freed when it is collected. */
export type NativePlanHandle = object & { readonly nativePlan?: never }

/** A line plan made native (see record/line-plan.ts). */
export interface NativeLinePlan {
  readonly id: NativePlanHandle
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
export { BATCH_NOT_CONNECTED } from './record/line-rules'

const ROOT = path.join(__dirname, '..', '..')
/** Where scripts/build-native.cjs leaves the reason when the build at install failed. */
export const BUILD_FAILED_FILE = path.join(ROOT, 'build', 'native-build-failed.txt')
/** The one command that builds the addon (with pnpm, install scripts must be allowed first). */
const REBUILD = 'run `npm rebuild kafka-log-transport` (npm 11: `npm install-scripts approve kafka-log-transport` first; pnpm: `pnpm approve-builds`, then `pnpm rebuild kafka-log-transport`)'

let addon: BatchAddon | null | undefined
let addonFile = ''
let why = ''

/**
 * The addon's files for this machine, in order: built at install, else the prebuilt one
 * shipped in the package. `KLT_NATIVE_ADDON`: this file instead (the tests load a build
 * made with AddressSanitizer and UndefinedBehaviorSanitizer this way).
 */
export function addonFiles (): string[] {
  const given = process.env['KLT_NATIVE_ADDON']
  if (given !== undefined && given !== '') return [given]
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { prebuiltPath } = require(path.join(ROOT, 'scripts', 'native-files.cjs')) as { prebuiltPath: (root: string) => string }
  return [path.join(ROOT, 'build', 'Release', 'klt_batch.node'), prebuiltPath(ROOT)]
}

/**
 * The native batch path, when this install has it (a prebuilt addon, or built at install;
 * `KLT_NATIVE_BATCH=0` turns it off): one call hands up to {@link BATCH_RECORDS} records to
 * the librdkafka handle of a node-rdkafka producer. Without it, node-rdkafka's `produce()`,
 * one call per record. Never throws: when it cannot be used, {@link describeProducePath} says why.
 */
export function batchAddon (): BatchAddon | undefined {
  if (addon !== undefined) return addon ?? undefined
  addon = null
  if (process.env['KLT_NATIVE_BATCH'] === '0') {
    why = 'turned off (KLT_NATIVE_BATCH=0)'
    return undefined
  }
  let file: string | undefined
  try {
    file = addonFiles().find((f) => existsSync(f))
  } catch (err) {
    why = `its files could not be looked up (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): ${REBUILD}`
    return undefined
  }
  if (file === undefined) {
    why = existsSync(BUILD_FAILED_FILE)
      ? `its build at install failed (${readFileSync(BUILD_FAILED_FILE, 'utf8').trim().split('\n')[0]}): ${REBUILD}`
      : `not built for ${process.platform}-${process.arch}, and its install script did not run: ${REBUILD}`
    return undefined
  }
  try {
    loadRdkafka() // first: the addon uses the librdkafka node-rdkafka loaded
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(file) as BatchAddon
    const lib = loaded.librdkafka()
    const problem = lib.problem !== '' ? lib.problem : librdkafkaMismatch(lib.header, lib.loaded)
    if (problem !== '') {
      why = `it cannot use the loaded librdkafka (${problem}); reinstall kafka-log-transport beside this node-rdkafka`
      return undefined
    }
    addon = loaded
    addonFile = file
  } catch (err) {
    why = `it did not load (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): ${REBUILD}`
  }
  return addon ?? undefined
}

/**
 * Can an addon built with librdkafka's header `header` (RD_KAFKA_VERSION) call the loaded
 * librdkafka `loaded` (rd_kafka_version())? librdkafka keeps its C ABI within a major
 * version from 2.0 on; the functions the addon uses are all in 2.0. '' when it can, else why.
 */
export function librdkafkaMismatch (header: number, loaded: number): string {
  const text = (v: number): string => `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}`
  if (loaded >>> 24 !== header >>> 24 || loaded >>> 24 < 2) return `librdkafka ${text(loaded)} is loaded, the addon was built for ${text(header)}: another major version`
  return ''
}

/** The addon's file, for librdkafka's `plugin.library.paths` ('' when the addon is not loaded). */
export function addonPath (): string {
  return batchAddon() === undefined ? '' : addonFile
}

/** Why the native path is not used in this process ('' when it is, or was turned off on purpose). */
export function nativeProblem (): string {
  return batchAddon() !== undefined || process.env['KLT_NATIVE_BATCH'] === '0' ? '' : why
}

/** How records reach librdkafka through node-rdkafka in this install, in words. */
export function describeNativePath (): string {
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
