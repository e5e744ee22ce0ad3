import { quotedAfter } from './field-scan'
import type { LogFields } from '../config/options'
import { HEAD_LATER, HEAD_LEVEL, HEAD_TIME, TRACE_NEEDLE } from './line-rules'

// What the encoder reads from a line before (or instead of) parsing it whole.

/** The line without one trailing newline (LF, or CRLF). */
export function stripNewline (buf: Buffer): Buffer {
  let end = buf.length
  if (end > 0 && buf[end - 1] === 0x0a) end--
  if (end > 0 && buf[end - 1] === 0x0d) end--
  return end === buf.length ? buf : buf.subarray(0, end)
}

/** The line's fields when it is a JSON object, else undefined. */
export function parseFields (value: Buffer): LogFields | undefined {
  try {
    const parsed: unknown = JSON.parse(value.toString())
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as LogFields : undefined
  } catch {
    return undefined
  }
}

const TRACE_ID = /^[0-9a-f]{32}$/
const SPAN_ID = /^[0-9a-f]{16}$/

// one native search covers both spellings ("trace_id", "traceId"); a string needle would be re-encoded per call
const TRACE = Buffer.from(TRACE_NEEDLE)
/** Could the line carry a trace id (either spelling)? */
export function mentionsTrace (value: Buffer): boolean {
  return value.includes(TRACE)
}

/** W3C traceparent from OpenTelemetry-style fields (trace_id/span_id/trace_flags or camelCase). */
export function traceparentOf (fields: LogFields): string | undefined {
  const traceId = fields['trace_id'] ?? fields['traceId']
  const spanId = fields['span_id'] ?? fields['spanId']
  if (typeof traceId !== 'string' || typeof spanId !== 'string' || !TRACE_ID.test(traceId) || !SPAN_ID.test(spanId)) return undefined
  const rawFlags = fields['trace_flags'] ?? fields['traceFlags']
  const flags = typeof rawFlags === 'string' && /^[0-9a-f]{2}$/.test(rawFlags)
    ? rawFlags
    : typeof rawFlags === 'number' ? rawFlags.toString(16).padStart(2, '0').slice(-2) : '01'
  return `00-${traceId}-${spanId}-${flags}`
}

// pino lines start with {"level":N,"time":T,...}: read those two without a full parse, as
// native/lines.cc's ReadHead does (the differential test holds the two together). N: digits
// or a quoted lowercase label; T: digits, ended by , or } (1.5e12, 1e300 and a cut line are
// read by the full scan). Only when no later key could be a second `level` or `time`
// (JSON.parse takes the last of duplicate keys): a later "level" or "time", or any \u
// escape, sends the line to the full scan (line-rules.ts).
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const HEAD_RE = new RegExp(`^${escapeRe(HEAD_LEVEL)}(\\d+|"[a-z]+")${escapeRe(HEAD_TIME)}(\\d+)[,}]`)
// "level" and "time" are looked for as quoted words, the others as they are
const LATER_WORDS = HEAD_LATER.filter((w) => /^"\w+"$/.test(w)).map((w) => w.slice(1))
const LATER_TEXTS = HEAD_LATER.filter((w) => !/^"\w+"$/.test(w))
/** pino's head, `{"level":N,"time":T`, read without a parse; undefined when the line must be parsed. */
export function peekTimeAndLevel (text: string): LogFields | undefined {
  const m = HEAD_RE.exec(text)
  if (m === null) return undefined
  const end = m[0].length - 1
  for (const t of LATER_TEXTS) if (text.indexOf(t, end) >= 0) return undefined
  for (const w of LATER_WORDS) if (quotedAfter(text, end, w)) return undefined
  const level = m[1] as string
  return { level: level.charCodeAt(0) === 0x22 ? level.slice(1, -1) : Number(level), time: Number(m[2]) }
}
