import { addonPath, BATCH_NOT_CONNECTED, batchAddon, clockWindow, FlatBatch, LINES_UNSUPPORTED, nativeProblem, type LinesResult, type NativeLinePlan } from './native-batch'
import { NativeLoadError } from './errors'
import type { KafkaClock } from './record/kafka-time'
import type { EncodedRecord } from './record/record'

const PLUGIN_PATHS = 'plugin.library.paths'
let noticeGiven = false

/**
 * One connection's native route to librdkafka (issue #34): the addon named as a librdkafka
 * plugin in the producer's config, the handle librdkafka hands it (claimed by the
 * producer's name once connected, released before it disconnects), and the calls that hand
 * records over through it. When the route cannot be had, the connection uses node-rdkafka's
 * `produce()` and {@link problem} says why (once per process on stderr, at connect).
 */
export class NativeRoute {
  readonly #wanted: boolean
  readonly #onFailure: (err: NativeLoadError) => void
  readonly #batch = new FlatBatch()
  readonly #linesOut = new Float64Array(5)
  readonly #linesClock = new Float64Array(3)
  #handle = 0
  #problem = ''

  /**
   * `wanted`: false when every record needs its own report (only `produce()` carries an
   * opaque). `onFailure`: a native call threw (it never should), said once.
   */
  constructor (wanted: boolean, onFailure: (err: NativeLoadError) => void) {
    this.#wanted = wanted
    this.#onFailure = onFailure
  }

  /** Hands records over natively now (connected, handle claimed). */
  get active (): boolean { return this.#handle !== 0 }

  /** Will hand records over natively once connected (the addon is there, nothing failed). */
  get usable (): boolean {
    return this.#wanted && this.#problem === '' && batchAddon() !== undefined
  }

  /** Why this connection does not use the native path ('' when it does, or when it was not wanted or was turned off). */
  get problem (): string {
    return this.#wanted ? this.#problem || nativeProblem() : ''
  }

  /** librdkafka's global config with the addon named as a plugin (as it is when the route is not usable). */
  withPlugin (global: Record<string, unknown>): Record<string, unknown> {
    if (!this.usable) return global
    const file = addonPath()
    if (file.includes(';')) {
      this.#problem = `its file's path has a ';', which plugin.library.paths cannot hold (${file})`
      return global
    }
    const given = global[PLUGIN_PATHS]
    return { ...global, [PLUGIN_PATHS]: typeof given === 'string' && given !== '' ? `${given};${file}` : file }
  }

  /** librdkafka refused the config with the plugin named (but takes it without): no native route. */
  pluginRefused (message: string): void {
    this.#problem = `librdkafka did not load it as a plugin (${message})`
  }

  /** Connected as `name`: claim the handle librdkafka gave the plugin. Says once per process when the route is not in use. */
  connected (name: unknown): void {
    const addon = batchAddon()
    if (this.usable && addon !== undefined) {
      if (typeof name !== 'string') {
        this.#problem = 'node-rdkafka reported no name for its producer'
      } else {
        this.#handle = addon.claimHandle(name)
        if (this.#handle === 0) this.#problem = `librdkafka did not hand over the handle of ${name}`
      }
    }
    const problem = this.problem
    if (problem !== '' && !noticeGiven) {
      noticeGiven = true
      process.stderr.write(`kafka-log-transport: the native path is not in use, records go through node-rdkafka's produce() (same records, more CPU per record): ${problem}\n`)
    }
  }

  /** The producer is about to disconnect: the handle is not ours from now on. */
  release (): void {
    if (this.#handle !== 0) batchAddon()?.releaseHandle(this.#handle)
    this.#handle = 0
  }

  /**
   * Hand the first `count` records `at` gives to librdkafka in one native call. Returns how
   * many it took, from the first, and the librdkafka error code of the record that stopped
   * it (0: none; {@link BATCH_NOT_CONNECTED}: not connected). `note` sees each record's topic.
   */
  produceBatch (count: number, at: (i: number) => EncodedRecord, clock: KafkaClock, note?: (topic: string) => void): { taken: number, code: number } {
    const addon = batchAddon()
    if (addon === undefined || this.#handle === 0) return { taken: 0, code: BATCH_NOT_CONNECTED }
    const b = this.#batch
    b.fill(count, at, clock)
    if (note !== undefined) for (const topic of b.topics) note(topic)
    try {
      const taken = addon.produceBatch(this.#handle, count, b.topics, b.values, b.keys, b.timestamps, b.headerCounts, b.headers, b.out)
      for (let i = 0; i < taken; i++) clock.sent(at(i).timestamp, b.timestamps[i] as number)
      return { taken, code: taken < count ? b.out[0] ?? 0 : 0 }
    } catch (err) {
      this.#failed(err)
      return { taken: 0, code: BATCH_NOT_CONNECTED }
    }
  }

  /** Hand the complete lines of chunk[start, end) to librdkafka through the native line path, as far as it takes them. */
  produceLines (plan: NativeLinePlan, chunk: Buffer, start: number, end: number, clock: KafkaClock): LinesResult {
    const addon = batchAddon()
    if (addon === undefined || this.#handle === 0) return { at: start, records: 0, bytes: 0, stop: BATCH_NOT_CONNECTED, replaced: 0 }
    const out = this.#linesOut
    try {
      addon.produceLines(this.#handle, plan.id, chunk, start, end, out, clockWindow(clock, this.#linesClock))
    } catch (err) {
      this.#failed(err)
      return { at: start, records: 0, bytes: 0, stop: LINES_UNSUPPORTED, replaced: 0 }
    }
    return { at: out[0] ?? start, records: out[1] ?? 0, bytes: out[2] ?? 0, stop: out[3] ?? BATCH_NOT_CONNECTED, replaced: out[4] ?? 0 }
  }

  /** librdkafka's words for an error code from a native call. */
  errorText (code: number): string {
    return batchAddon()?.errorText(code) ?? `librdkafka error ${code}`
  }

  /** The addon threw (it never should): from now on this connection goes through `produce()`; the records stay with the caller. */
  #failed (err: unknown): void {
    this.release()
    this.#problem = `a native call failed (${err instanceof Error ? err.message : String(err)})`
    this.#onFailure(new NativeLoadError(`the native path failed; records go through node-rdkafka's produce() from now on: ${this.#problem}`, { cause: err }))
  }
}
