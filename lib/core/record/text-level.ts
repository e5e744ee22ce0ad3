/**
 * The level of a plain-text or logfmt log line, from where such lines state it: a leading
 * level word (`error: ...`, `Warning: ...`, `[ERROR] ...`, `WARN ...`, also after a
 * leading ISO 8601 timestamp), glog's `E1203 13:00:00.000000 ...`, or logfmt's
 * `level=`/`lvl=`/`severity=` key. Nothing is guessed from words inside the message: a line
 * in none of these forms has no level. Labels come out as pino's six names.
 */

const WORDS: Readonly<Record<string, string>> = Object.freeze({
  trace: 'trace',
  debug: 'debug',
  dbg: 'debug',
  info: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  crit: 'fatal',
  panic: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal'
})
const GLOG: Readonly<Record<string, string>> = Object.freeze({ I: 'info', W: 'warn', E: 'error', F: 'fatal' })

const TIMESTAMP = String.raw`\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]?\s+`
// [word] in any case; word: in any case; WORD in capitals followed by a space or the end
const LEADING = new RegExp(String.raw`^(?:${TIMESTAMP})?(?:\[\s*([A-Za-z]+)\s*\]|([A-Za-z]+):|([A-Z]+)(?=\s|$))`)
const GLOG_HEAD = /^([IWEF])\d{4} \d\d:\d\d:\d\d/
const LOGFMT_START = /^[A-Za-z_][\w.@-]*=/
const LOGFMT_PAIR = /\s*([\w.@-]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?=\s|$)/y
const LOGFMT_LEVEL_KEYS = new Set(['level', 'lvl', 'severity'])
/** A level is stated near the start: look no further than this. */
const HEAD_BYTES = 1024

function fromLogfmt (head: string): string | undefined {
  LOGFMT_PAIR.lastIndex = 0
  for (let m = LOGFMT_PAIR.exec(head); m !== null; m = LOGFMT_PAIR.exec(head)) {
    const [, key = '', raw = ''] = m
    if (LOGFMT_LEVEL_KEYS.has(key.toLowerCase())) {
      const value = raw.startsWith('"') ? raw.slice(1, -1) : raw
      return WORDS[value.toLowerCase()]
    }
  }
  return undefined
}

/** The level a text line states, as a pino label; undefined when it states none. */
export function textLevel (line: Buffer | string): string | undefined {
  const head = typeof line === 'string' ? line.slice(0, HEAD_BYTES) : line.toString('latin1', 0, Math.min(line.length, HEAD_BYTES))
  const glog = GLOG_HEAD.exec(head)
  if (glog !== null) return GLOG[glog[1] ?? '']
  if (LOGFMT_START.test(head)) return fromLogfmt(head)
  const m = LEADING.exec(head)
  if (m === null) return undefined
  const word = m[1] ?? m[2] ?? m[3] ?? ''
  return WORDS[word.toLowerCase()]
}
