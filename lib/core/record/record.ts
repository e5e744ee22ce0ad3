import { hostname } from 'node:os'
import { BadRecordError } from '../errors'
import { NOT_FOUND_CHEAPLY, scanTopLevelFields } from './field-scan'
import { LEVEL_TIME_FIELDS, levelOf, timeOf } from './level-time'
import { logId } from './log-id'
import { OtlpEncoder } from './otlp'
import { textLevel } from './text-level'
import type { KeyOption, LogFields, LogHeaderName, LogInput, ResolvedOptions, TopicOption } from '../config/options'
import { safeStringify } from './safe-json'
import { CONTENT_TYPE_HEADER, CONTENT_TYPE_JSON, TOPIC_RE } from './line-rules'
import { mentionsTrace, parseFields, peekTimeAndLevel, stripNewline, traceparentOf } from './line-read'

/** One record ready for `produce()`. */
export interface EncodedRecord {
  topic: string
  value: Buffer
  key: string | Buffer | null
  timestamp: number | null
  headers: Array<Readonly<Record<string, string>>>
  /** Set when the value was cut to `maxMessageBytes`: the original size in bytes. */
  truncatedFrom?: number
}

/** A record over `maxMessageBytes` under the `'drop'` policy. */
export class OversizedRecordError extends BadRecordError {
  readonly bytes: number
  constructor (bytes: number, max: number) {
    super(`record of ${bytes} bytes is over maxMessageBytes (${max})`)
    this.bytes = bytes
  }
}

const CONTENT_JSON = Object.freeze({ [CONTENT_TYPE_HEADER]: CONTENT_TYPE_JSON })
const CONTENT_TEXT = Object.freeze({ [CONTENT_TYPE_HEADER]: 'text/plain' })

/** Which per-record headers a kind of record gets (from one of ResolvedLogHeaders' lists). */
interface HeaderChoice {
  readonly any: boolean
  readonly contentType: boolean
  readonly logId: boolean
  readonly level: boolean
  readonly traceparent: boolean
}

function headerChoice (names: readonly LogHeaderName[]): HeaderChoice {
  const has = (h: LogHeaderName): boolean => names.includes(h)
  return Object.freeze({ any: names.length > 0, contentType: has('content-type'), logId: has('log-id'), level: has('level'), traceparent: has('traceparent') })
}

// a Map, not an object: a level named `constructor` must not find Object.prototype's
const LEVEL_HEADERS: ReadonlyMap<string, Readonly<Record<string, string>>> = new Map(
  ['trace', 'debug', 'info', 'http', 'verbose', 'warn', 'error', 'fatal', 'silly'].map((l) => [l, Object.freeze({ level: l })]))
/** The key under `key: 'hostname'`. */
export const HOST = hostname()
/** A valid Kafka topic name (line-rules.ts). */
export { TOPIC_RE }
const PLACEHOLDER = /\{([^}]+)\}/g
const LEVEL_NAME = Buffer.from('level')
const TIME_NAME = Buffer.from('time')

/** Read a dotted path such as `req.id` from parsed fields. */
export function readPath (fields: LogFields, path: string): unknown {
  // own fields only: a key or topic field named `constructor` or `toString` is absent from a
  // line without it, not Object.prototype's
  if (!path.includes('.')) return Object.hasOwn(fields, path) ? fields[path] : undefined // the common case, without splitting per record
  let cur: unknown = fields
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined
    cur = (cur as Record<string, unknown>)[part]
  }
  return cur
}

function needsFields (topic: TopicOption, key: KeyOption): boolean {
  return typeof topic === 'function' || (typeof topic === 'string' && topic.includes('{')) ||
    (key !== 'none' && key !== 'hostname')
}

/** Top-level field names a line must yield, when the scanner can get them all; else undefined (parse). */
function scannableNames (topic: TopicOption, key: KeyOption): Buffer[] | undefined {
  if (typeof topic === 'function' || typeof key === 'function') return undefined
  const paths = [...topic.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '')
  if (key !== 'none' && key !== 'hostname') paths.push(key)
  if (paths.some((p) => p.includes('.'))) return undefined
  return [...new Set(paths)].map((p) => Buffer.from(p))
}

/**
 * Turns write() inputs into records. A line goes out as it is (one trailing newline
 * stripped); it is parsed only when the topic or key needs one of its fields.
 */
export class RecordEncoder {
  readonly #o: ResolvedOptions
  readonly #needsFields: boolean
  readonly #scanNames: Buffer[] | undefined
  /** What a line without pino's head is scanned for: every level and time field, and the key/topic fields. */
  readonly #fallbackNames: Buffer[] | undefined
  readonly #static: Array<Readonly<Record<string, string>>>
  /** The per-record headers of a JSON line's record (raw encoding). */
  readonly #jsonHeaders: HeaderChoice
  /** The per-record headers of a text line's record, and of every OTLP record. */
  readonly #otherHeaders: HeaderChoice
  /** The level is needed for every record: for a JSON line's header, a `{level}` in the topic, or OTLP. */
  readonly #needsLevel: boolean
  /** Set for the OTLP encodings: values become OTLP export requests built from every field. */
  readonly #otlp: OtlpEncoder | undefined
  readonly #otlpContent: Readonly<Record<string, string>> | undefined
  #labels: Readonly<Record<number, string>>

  constructor (options: ResolvedOptions) {
    this.#o = options
    this.#jsonHeaders = headerChoice(options.logHeaders.json)
    this.#otherHeaders = headerChoice(options.logHeaders.other)
    this.#otlp = options.encoding === 'raw' ? undefined : new OtlpEncoder(options.encoding)
    this.#otlpContent = this.#otlp === undefined ? undefined : Object.freeze({ 'content-type': this.#otlp.contentType })
    this.#needsLevel = this.#jsonHeaders.level || this.#otlp !== undefined || (typeof options.topic === 'string' && options.topic.includes('{level}'))
    this.#needsFields = needsFields(options.topic, options.key)
    // level and time come from pino's head when a line has one: not scanned for again
    this.#scanNames = scannableNames(options.topic, options.key)?.filter((n) => !n.equals(LEVEL_NAME) && !n.equals(TIME_NAME))
    this.#fallbackNames = this.#scanNames === undefined
      ? undefined
      : [...new Set([...LEVEL_TIME_FIELDS, ...this.#scanNames.map((n) => n.toString())])].map((n) => Buffer.from(n))
    this.#static = Object.entries(options.headers).map(([k, v]) => ({ [k]: v }))
    this.#labels = options.levelLabels
  }

  /** Numeric levels to names from now on (resolved: see resolveLevelLabels). */
  setLevelLabels (labels: Readonly<Record<number, string>>): void {
    this.#labels = labels
  }

  /**
   * Throws {@link BadRecordError} for inputs that cannot become a record. `known`: the
   * record's fields when the caller has them already (an adapter holding the log object):
   * topic, key, timestamp and headers are read from them, and a line is not looked into.
   */
  encode (input: LogInput, known?: LogFields): EncodedRecord {
    let value: Buffer
    let fields: LogFields | undefined = known
    let json: boolean
    if (typeof input === 'string' || Buffer.isBuffer(input)) {
      value = stripNewline(typeof input === 'string' ? Buffer.from(input) : input)
      json = value[0] === 0x7b // '{'
      if (json && fields === undefined) fields = this.#lineFields(value)
    } else if (input !== null && typeof input === 'object') {
      let text: string
      try {
        text = safeStringify(input)
      } catch (err) {
        throw new BadRecordError('the record could not be serialized to JSON', { cause: err })
      }
      value = Buffer.from(text)
      fields ??= input
      json = true
    } else {
      throw new BadRecordError(`a log record must be a string, a Buffer or an object, got ${input === null ? 'null' : typeof input}`)
    }
    const want = this.#headerChoice(json)
    // a plain-text line states its level in words, if at all
    const level = !this.#needsLevel && !want.level ? undefined : fields !== undefined ? levelOf(fields, this.#labels) : json ? undefined : textLevel(value)
    const headers = want.any ? this.#logHeaders(want, json, fields, level) : [...this.#static]
    const record: EncodedRecord = {
      topic: this.#topic(fields ?? {}, level),
      value,
      key: this.#key(fields ?? {}),
      timestamp: timeOf(fields),
      headers
    }
    const fitting = value.length > this.#o.maxMessageBytes ? this.#oversized(record, json, fields) : record
    return this.#otlp === undefined ? fitting : this.#toOtlp(this.#otlp, fitting, json, fields, level)
  }

  /**
   * The own time and per-record headers of a record whose value is `value`, as encode()
   * gives them: for a record sent again from its delivery report, which carries neither (a
   * new log id; an OTLP record's time and level are not read back from its value).
   */
  reread (value: Buffer): Pick<EncodedRecord, 'timestamp' | 'headers'> {
    if (this.#otlp === undefined) {
      try {
        const { timestamp, headers } = this.encode(value)
        return { timestamp, headers }
      } catch {
        // a value the encoder would refuse now: no time, the headers below
      }
    }
    const want = this.#otherHeaders
    return { timestamp: null, headers: want.any ? this.#logHeaders(want, false, undefined, undefined) : [...this.#static] }
  }

  /** The record's value as an OTLP export request (a cut record: its envelope, or its cut text). */
  #toOtlp (otlp: OtlpEncoder, r: EncodedRecord, json: boolean, fields: LogFields | undefined, level: string | undefined): EncodedRecord {
    const cut = r.truncatedFrom !== undefined
    const own = cut && json ? parseFields(r.value) : fields
    const line = own === undefined ? r.value.toString() : undefined
    return { ...r, value: otlp.encode(own, line, level, r.timestamp) }
  }

  /** The per-record headers for a record: a JSON line's (raw encoding), or the others'. */
  #headerChoice (json: boolean): HeaderChoice {
    return json && this.#otlp === undefined ? this.#jsonHeaders : this.#otherHeaders
  }

  #logHeaders (want: HeaderChoice, json: boolean, fields: LogFields | undefined, level: string | undefined): EncodedRecord['headers'] {
    // header objects that do not change are shared between records (no garbage per record)
    const headers = [...this.#static]
    if (want.contentType) headers.push(this.#otlpContent ?? (json ? CONTENT_JSON : CONTENT_TEXT))
    if (want.logId) headers.push({ 'log-id': logId() })
    if (want.level && level !== undefined) headers.push(LEVEL_HEADERS.get(level) ?? { level })
    const traceparent = want.traceparent && fields !== undefined ? traceparentOf(fields) : undefined
    if (traceparent !== undefined) headers.push({ traceparent })
    return headers
  }

  /**
   * The fields a JSON line must yield: level and time (from any common shape), plus
   * key/topic fields; parsed only when scanning cannot.
   */
  #lineFields (value: Buffer): LogFields | undefined {
    if (this.#otlp !== undefined || (this.#jsonHeaders.traceparent && mentionsTrace(value)) || this.#fallbackNames === undefined || this.#scanNames === undefined) {
      return parseFields(value)
    }
    const text = value.toString('latin1') // one character per byte: the head and the scan read it
    const head = peekTimeAndLevel(text)
    const names = head === undefined ? this.#fallbackNames : this.#scanNames
    const fields: LogFields = head ?? {}
    if (names.length === 0) return fields
    const found = scanTopLevelFields(value, names, text)
    // a line the scan leaves: parsed; a pino line that does not parse keeps its head's level and time
    if (found === NOT_FOUND_CHEAPLY) return parseFields(value) ?? head
    for (let i = 0; i < names.length; i++) {
      if (found[i] === undefined) continue
      const name = (names[i] as Buffer).toString()
      // as JSON.parse makes it: an own field, even one named __proto__
      if (name === '__proto__') Object.defineProperty(fields, name, { value: found[i], enumerable: true, writable: true, configurable: true })
      else fields[name] = found[i]
    }
    return fields
  }

  /** Cut a record to maxMessageBytes, keeping it valid JSON when it was JSON; or refuse it. */
  #oversized (r: EncodedRecord, json: boolean, fields: LogFields | undefined): EncodedRecord {
    const max = this.#o.maxMessageBytes
    const bytes = r.value.length
    if (this.#o.oversized === 'drop') throw new OversizedRecordError(bytes, max)
    let value: Buffer
    const room = max - 256 // the marker and the envelope's fields
    if (json) {
      const head = r.value.subarray(0, room).toString() // a cut inside a character becomes U+FFFD
      const envelope = { level: fields?.['level'], time: fields?.['time'], truncated: true, originalBytes: bytes, head }
      value = Buffer.from(safeStringify(envelope))
      // escaping can grow the text: cut again until it fits
      for (let n = room; value.length > max && n > 0; n = Math.floor(n * 0.8)) {
        value = Buffer.from(safeStringify({ ...envelope, head: r.value.subarray(0, n).toString() }))
      }
    } else {
      value = Buffer.concat([r.value.subarray(0, room), Buffer.from(` ...[truncated: ${bytes} bytes]`)])
    }
    r.headers.push({ truncated: String(bytes) })
    return { ...r, value, truncatedFrom: bytes }
  }

  #topic (fields: LogFields, level: string | undefined): string {
    const t = this.#o.topic
    const topic = typeof t === 'function'
      ? t(fields)
      : t.includes('{') ? t.replace(PLACEHOLDER, (_m, path: string) => {
        const v = path === 'level' ? level : readPath(fields, path)
        return v === undefined || v === null ? 'unknown' : fieldText(v)
      }) : t
    if (typeof topic !== 'string' || !TOPIC_RE.test(topic)) {
      throw new BadRecordError(`topic ${safeStringify(topic).slice(0, 100)} is not a valid Kafka topic name`)
    }
    return topic
  }

  #key (fields: LogFields): string | Buffer | null {
    const k = this.#o.key
    if (k === 'none') return null
    if (k === 'hostname') return HOST
    const v = typeof k === 'function' ? k(fields) : readPath(fields, k)
    if (v === undefined || v === null) return null
    return Buffer.isBuffer(v) ? v : fieldText(v)
  }
}

/** A field as text for a key or a topic: strings as they are, anything else as JSON. */
function fieldText (v: unknown): string {
  return typeof v === 'string' ? v : safeStringify(v)
}
