// Pure functions behind `tail`: level ranks, filters and the pretty printer. No I/O here,
// so every rule is unit-tested (test/unit/cli-format.test.mjs).
import { PINO_LEVELS, rankOf, levelOf, timeOf } from '../core/record/level-time'

/** The rank of a level given as a pino number or a name (any case); undefined when unknown. */
export function levelRank (level: unknown): number | undefined {
  if (typeof level === 'number' && Number.isFinite(level)) return level
  if (typeof level === 'string') {
    const lower = level.trim().toLowerCase()
    if (/^\d+$/.test(lower)) return Number(lower)
    return rankOf(lower)
  }
  return undefined
}

/** A level as a lowercase name (pino numbers become names); undefined when there is none. */
export function levelName (level: unknown): string | undefined {
  if (typeof level === 'number') return PINO_LEVELS[level] ?? String(level)
  if (typeof level === 'string' && level.trim() !== '') return level.trim().toLowerCase()
  return undefined
}

/**
 * A record's level: ranked by its own field (a pino number ranks even when it is a custom
 * level), named by the producer's `level` header (which has the app's own names), else by
 * the field; ECS and OpenTelemetry fields count as well as `level`.
 */
export function recordLevel (fields: Record<string, unknown> | undefined, headers: Record<string, string> | undefined): { rank: number | undefined, name: string | undefined } {
  const own = fields === undefined ? undefined : fields['level'] ?? levelOf(fields)
  const header = headers?.['level']
  return { rank: levelRank(own) ?? levelRank(header), name: levelName(header) ?? levelName(own) }
}

/** What Kafka tells about a record besides its value. */
export interface RecordMeta {
  /** Kafka timestamp (ms), used when the record has no `time` of its own. */
  timestamp?: number | undefined
  key?: string | undefined
  /** Record headers as strings (the producer sets `level`, `content-type`). */
  headers?: Record<string, string> | undefined
}

export interface FormatOptions {
  /** Raw values, one per line (NDJSON for JSON records), instead of pretty lines. */
  json: boolean
  /** ANSI colours (when stdout is a TTY and NO_COLOR is unset). */
  color: boolean
  /** Show only records at or above this rank; records without a level are hidden. */
  minLevel?: number | undefined
  /** Show only records whose raw text matches. */
  grep?: RegExp | undefined
}

const ANSI = { reset: '\x1b[0m', dim: '\x1b[2m', bold: '\x1b[1m', cyan: '\x1b[36m', gray: '\x1b[90m' }
const LEVEL_COLOURS: Array<[number, string]> = [
  [60, '\x1b[41m\x1b[97m'], [50, '\x1b[31m'], [40, '\x1b[33m'], [30, '\x1b[32m'], [20, '\x1b[34m'], [0, '\x1b[90m']
]
// Fields shown in their own place (or not at all) rather than as key=value.
const SHOWN_APART = new Set(['time', 'timestamp', '@timestamp', 'level', 'log.level', 'severity_text', 'severityText', 'severity_number', 'severityNumber', 'msg', 'message', 'service', 'pid', 'hostname', 'v'])
const MAX_VALUE_CHARS = 200

function colourFor (rank: number | undefined): string {
  if (rank === undefined) return ''
  for (const [min, code] of LEVEL_COLOURS) if (rank >= min) return code
  return ''
}

function timeText (fields: Record<string, unknown> | undefined, meta: RecordMeta): string {
  // the record's own time as the producer reads it (seconds, ms, µs or ns, or ISO), else Kafka's
  const ms = timeOf(fields) ?? meta.timestamp
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return '-'
  const d = new Date(ms)
  return Number.isNaN(d.getTime()) ? '-' : d.toISOString()
}

function valueText (v: unknown): string {
  let text: string
  if (typeof v === 'string') text = /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)
  else if (v === undefined) text = 'undefined'
  else {
    try {
      text = JSON.stringify(v)
    } catch {
      text = Object.prototype.toString.call(v)
    }
  }
  return text.length > MAX_VALUE_CHARS ? text.slice(0, MAX_VALUE_CHARS - 3) + '...' : text
}

/** Parse a record value as a JSON object, or undefined for plain text (and JSON that is not an object). */
export function parseFields (text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{')) return undefined
  try {
    const v: unknown = JSON.parse(text)
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/** The service a record comes from: `service`, else `app`, else pino's logger `name`. */
export function serviceOf (fields: Record<string, unknown> | undefined): string | undefined {
  for (const k of ['service', 'app', 'name']) {
    const v = fields?.[k]
    if (typeof v === 'string' && v !== '') return v
  }
  return undefined
}

/**
 * One pretty line for a JSON log record: time, level (coloured), service, message, then
 * the remaining fields as key=value; an error's stack follows on indented lines.
 */
export function prettyRecord (fields: Record<string, unknown>, meta: RecordMeta, color: boolean): string {
  const level = recordLevel(fields, meta.headers)
  const rank = level.rank
  const name = (level.name ?? '-').toUpperCase().padEnd(5)
  const service = serviceOf(fields)
  const msg = fields['msg'] ?? fields['message']
  const parts: string[] = []
  const c = (code: string, text: string): string => (color && code !== '' ? code + text + ANSI.reset : text)
  parts.push(c(ANSI.dim, timeText(fields, meta)))
  parts.push(c(colourFor(rank), name))
  if (service !== undefined) parts.push(c(ANSI.cyan, `[${service}]`))
  if (msg !== undefined) parts.push(typeof msg === 'string' ? msg : valueText(msg))
  let stack: string | undefined
  for (const [k, v] of Object.entries(fields)) {
    if (SHOWN_APART.has(k) || (k === 'name' && v === service) || (k === 'app' && v === service)) continue
    if ((k === 'err' || k === 'error') && v !== null && typeof v === 'object') {
      const s = (v as Record<string, unknown>)['stack']
      if (typeof s === 'string') {
        stack = s
        const m = (v as Record<string, unknown>)['message']
        parts.push(`${c(ANSI.gray, k + '=')}${valueText(typeof m === 'string' ? m : v)}`)
        continue
      }
    }
    parts.push(`${c(ANSI.gray, k + '=')}${valueText(v)}`)
  }
  let line = parts.join(' ')
  if (stack !== undefined) line += '\n' + stack.split('\n').map((l) => '    ' + l.trim()).join('\n')
  return line
}

/**
 * What `tail` prints for one record: a line (no trailing newline), or undefined when the
 * filters hide it. Plain text records are shown as they are.
 */
export function formatRecord (value: Buffer | string | null | undefined, meta: RecordMeta, opts: FormatOptions): string | undefined {
  if (value === null || value === undefined) return undefined
  let text = typeof value === 'string' ? value : value.toString('utf8')
  if (text.endsWith('\n')) text = text.slice(0, -1)
  if (opts.grep !== undefined && !opts.grep.test(text)) return undefined
  const fields = opts.json && opts.minLevel === undefined ? undefined : parseFields(text)
  if (opts.minLevel !== undefined) {
    const rank = recordLevel(fields, meta.headers).rank
    if (rank === undefined || rank < opts.minLevel) return undefined
  }
  if (opts.json || fields === undefined) return text
  return prettyRecord(fields, meta, opts.color)
}

/** Parse `--level`: a name (`warn`) or a pino number (`40`). Returns undefined for an unknown name. */
export function parseLevel (text: string): number | undefined {
  return levelRank(text)
}

/** Node's `Message.headers` (an array of one-key objects) as a plain string map. */
export function headerMap (headers: ReadonlyArray<Record<string, unknown>> | undefined): Record<string, string> | undefined {
  if (headers === undefined || headers.length === 0) return undefined
  const out: Record<string, string> = {}
  for (const h of headers) {
    for (const [k, v] of Object.entries(h)) {
      out[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v)
    }
  }
  return out
}
