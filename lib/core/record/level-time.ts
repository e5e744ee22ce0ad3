/**
 * A record's level (as a label) and time (epoch ms), from each common shape of a JSON log
 * record: pino (`level` number, `time` epoch ms), pino with `formatters.level` (`level`
 * label), winston (`level`, `timestamp`), Elastic Common Schema (`log.level`, flat or
 * nested, and `@timestamp`), OpenTelemetry (`severity_text`/`severityText`,
 * `severity_number`/`severityNumber`, `timestamp`). Pure functions.
 */
import type { LogFields } from '../config/types'
// epoch numbers below SECONDS_BELOW are seconds, above MICROS_ABOVE µs, above NANOS_ABOVE ns
import { MICROS_ABOVE, NANOS_ABOVE, SECONDS_BELOW } from './line-rules'

/** pino's own levels: number → label. */
export const PINO_LEVELS: Readonly<Record<number, string>> = Object.freeze({ 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' })

/** Level names of pino, winston (npm and syslog levels) and other loggers, lowercase → pino's rank. */
export const LEVEL_RANKS: Readonly<Record<string, number>> = Object.freeze({
  trace: 10, silly: 10, debug: 20, verbose: 20, http: 25, info: 30, notice: 35, warn: 40, warning: 40,
  error: 50, err: 50, fatal: 60, crit: 60, critical: 60, alert: 60, emerg: 60, emergency: 60
})

/** The rank of a level name (lowercase), or undefined: own names only (`constructor` is none). */
export function rankOf (name: string): number | undefined {
  return Object.hasOwn(LEVEL_RANKS, name) ? LEVEL_RANKS[name] : undefined
}

/** The top-level fields a JSON line's level and time are read from (what a scan must yield). */
export const LEVEL_TIME_FIELDS: readonly string[] = Object.freeze([
  'level', 'log.level', 'log', 'severity_text', 'severityText', 'severity_number', 'severityNumber',
  'time', '@timestamp', 'timestamp'
])

/** OpenTelemetry SeverityNumber ranges (1-4 trace ... 21-24 fatal). */
const SEVERITY_RANGES: ReadonlyArray<readonly [number, string]> = [[21, 'fatal'], [17, 'error'], [13, 'warn'], [9, 'info'], [5, 'debug'], [1, 'trace']]

function severityLabel (n: number): string | undefined {
  if (!Number.isInteger(n) || n > 24) return undefined
  for (const [min, label] of SEVERITY_RANGES) if (n >= min) return label
  return undefined
}

/** Control characters: a text holding one is no level (a header value cannot carry a NUL through node-rdkafka). */
const CONTROL = /[\u0000-\u001f\u007f]/

/** A `level` value as a label: numbers through `labels` (pino's, or the app's custom levels), strings as they are. */
export function levelLabel (level: unknown, labels: Readonly<Record<number, string>> = PINO_LEVELS): string | undefined {
  if (typeof level === 'string') return level === '' || CONTROL.test(level) ? undefined : level
  if (typeof level === 'number') return labels[level] ?? String(level)
  return undefined
}

function lowerText (v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' && !CONTROL.test(v) ? v.toLowerCase() : undefined
}

/**
 * The record's level as a label, or undefined. `level` first (pino, winston: kept as the
 * app spells it), then ECS `log.level`, then OpenTelemetry severity (ECS and OTel text in
 * lower case, as pino's and winston's labels are).
 */
export function levelOf (fields: LogFields, labels: Readonly<Record<number, string>> = PINO_LEVELS): string | undefined {
  const plain = levelLabel(fields['level'], labels)
  if (plain !== undefined) return plain
  const log = fields['log']
  const ecs = lowerText(fields['log.level'] ?? (log !== null && typeof log === 'object' ? (log as LogFields)['level'] : undefined))
  if (ecs !== undefined) return ecs
  const text = lowerText(fields['severity_text'] ?? fields['severityText'])
  if (text !== undefined) return text
  const n = fields['severity_number'] ?? fields['severityNumber']
  return typeof n === 'number' ? severityLabel(n) : undefined
}


/**
 * Whole ms, down, but a value a float's rounding put just under a whole ms is that ms: a
 * nanosecond time past 2^53 is stored to 256 ns, so `ms * 1e6 / 1e6` can come back as
 * `ms - 2e-4`, and a plain floor would move the record a millisecond back.
 */
function wholeMs (ms: number): number {
  const up = Math.ceil(ms)
  return up - ms < SNAP_MS ? up : Math.floor(ms)
}
const SNAP_MS = 1e-3

/** Digits as epoch ms; past 2^53 (ns as text) they are divided exactly, as integers. */
function digitsMs (t: string): number | null {
  if (t.length <= 15) return epochMs(Number(t))
  const n = BigInt(t)
  if (n > BigInt(NANOS_ABOVE)) return epochMs(Number(n / 1000000n))
  return epochMs(Number(t))
}

/** A time value as epoch ms: a number (s, ms, µs or ns since the epoch, told apart by size) or an ISO 8601 text. */
export function epochMs (t: unknown): number | null {
  if (typeof t === 'number') {
    if (!Number.isFinite(t) || t <= 0) return null
    const ms = t < SECONDS_BELOW ? t * 1000 : t > NANOS_ABOVE ? t / 1e6 : t > MICROS_ABOVE ? t / 1e3 : t
    return wholeMs(ms)
  }
  if (typeof t === 'string' && t !== '') {
    const ms = /^\d+$/.test(t) ? digitsMs(t) : Date.parse(t)
    return ms !== null && Number.isFinite(ms) && ms > 0 ? ms : null
  }
  return null
}

/** The record's own time as epoch ms: `time` (pino), else `@timestamp` (ECS), else `timestamp` (winston, OTel); null when none. */
export function timeOf (fields: LogFields | undefined): number | null {
  if (fields === undefined) return null
  const t = fields['time'] ?? fields['@timestamp'] ?? fields['timestamp']
  return t === undefined ? null : epochMs(t)
}
