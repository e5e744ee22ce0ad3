import type { ResolvedOptions } from './config/options'
import type { Ledger } from './ledger'
import { LineBatch } from './line-batch'
import { describeNativePath, LINES_END, nativeLinePlan, type NativeLinePlan } from './native-batch'
import { linePlan } from './record/line-plan'
import type { Sender } from './sender'

const NEWLINE = 0x0a
const CR = 0x0d
/** At most this many lines wait in write() for the end of the turn (one native call takes them). */
const PENDING_LINES = 1024
/** How a pino line starts: what the native line path reads first (native/lines.cc). */
const PINO_HEAD = Buffer.from('{"level":')

function startsAsPino (data: Buffer, at: number): boolean {
  return data.length - at >= PINO_HEAD.length && data.compare(PINO_HEAD, 0, PINO_HEAD.length, at, at + PINO_HEAD.length) === 0
}

/** A line with nothing in it but its end: '', '\r', '\n' or '\r\n' (as a string or a Buffer). */
export function blank (input: unknown): boolean {
  if (typeof input === 'string') return input.length <= 2 && (input === '' || input === '\n' || input === '\r' || input === '\r\n')
  if (!Buffer.isBuffer(input) || input.length > 2) return false
  let end = input.length
  if (end > 0 && input[end - 1] === NEWLINE) end--
  return end === 0 || (end === 1 && input[0] === CR)
}

/**
 * Whole log lines on their way in: written one at a time (kept for the end of the turn of the
 * event loop, when all of them become records in one native call), or handed over as chunks
 * of lines. The common lines (pino's) go through the native line path without a JS object
 * per line while it takes them; any other line goes the JS encoder's way (`send`).
 */
export class LineIntake {
  readonly #options: ResolvedOptions
  readonly #sender: Sender
  readonly #ledger: Ledger
  /** One line the JS encoder's way; false when the buffer reached its bound. */
  readonly #send: (line: Buffer) => boolean
  /** The level names in use (the option, or what an adapter learned from its logger). */
  #levelLabels: Readonly<Record<number, string>>
  /** The native line path's plan: undefined until first needed, null when these options cannot have one. */
  #plan: NativeLinePlan | null | undefined
  /** Lines written in this turn of the event loop, for the native line path in one call. */
  readonly #pending: LineBatch
  #pendingSoon = false

  constructor (options: ResolvedOptions, sender: Sender, ledger: Ledger, send: (line: Buffer) => boolean) {
    this.#options = options
    this.#sender = sender
    this.#ledger = ledger
    this.#send = send
    this.#levelLabels = options.levelLabels
    this.#pending = new LineBatch(Math.min(PENDING_LINES, options.maxBufferMessages), options.maxBufferBytes)
  }

  /** Lines kept for the end of this turn. */
  get waiting (): number {
    return this.#pending.lines
  }

  /** The level names for lines from now on (those kept go first, under the names before). */
  setLevelLabels (labels: Readonly<Record<number, string>>): void {
    this.take()
    this.#levelLabels = labels
    this.#plan = undefined // a new plan with these names
  }

  /**
   * Keep a whole line for the native line path at the end of this turn; false when that
   * path does not take lines now. What is kept always fits in the empty buffer (in records
   * and bytes), so that even if librdkafka took none of it, none would be dropped.
   */
  keep (line: string | Buffer): boolean {
    if (this.#pending.full(line)) this.take()
    if (!this.#sender.takesLines || this.plan === undefined) return false
    this.#pending.add(line)
    if (!this.#pendingSoon) {
      this.#pendingSoon = true
      setImmediate(() => { this.take() })
    }
    return true
  }

  /** The lines kept, to librdkafka now (all of them: their write() said true). */
  take (): void {
    this.#pendingSoon = false
    if (this.#pending.lines === 0) return
    const data = this.#pending.take()
    for (let from = 0; from < data.length;) {
      const { next } = this.writeLines(data, from)
      if (next === from) break // cannot happen: every kept line ends with its newline
      from = next
    }
  }

  /** See KafkaLogProducer.writeLines. */
  writeLines (data: Buffer, from: number): { next: number, full: boolean } {
    if (this.#pending.lines > 0) this.take()
    const plan = this.plan
    let at = from
    let native = true
    while (at < data.length) {
      // after a line the native path left, only a line that starts as pino's goes back to it
      // (the JS records before it are handed over first): others stay together on the JS way
      if (plan !== undefined && (native || startsAsPino(data, at))) {
        const r = this.#sender.sendLines(plan, data, at, data.length)
        this.#ledger.counters.written += r.records
        at = r.at
        if (r.stop === LINES_END) return { next: at, full: false }
      }
      // a line the native path left (or all of them, without it): the JS encoder's
      const nl = data.indexOf(NEWLINE, at)
      if (nl < 0) break
      const line = data.subarray(at, nl)
      at = nl + 1
      native = false
      if (!blank(line) && !this.#send(line)) return { next: at, full: true }
    }
    return { next: at, full: false }
  }

  /** How lines reach librdkafka, in words (KafkaLogProducer.producePath). */
  get producePath (): string {
    return this.plan !== undefined ? 'native lines (and native batches)' : describeNativePath()
  }

  get plan (): NativeLinePlan | undefined {
    if (this.#plan === undefined) {
      const plan = this.#sender.native ? linePlan(this.#options, this.#levelLabels) : undefined
      this.#plan = (plan === undefined ? undefined : nativeLinePlan(plan)) ?? null
    }
    return this.#plan ?? undefined
  }
}
