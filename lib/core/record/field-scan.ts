/**
 * Read top-level fields of a JSON object line without parsing the whole line: the producer
 * needs a key or topic field from every record, and JSON.parse of each line cost ~1 µs plus
 * garbage (11% of CPU for 1M pino lines). The last of duplicate keys counts, as in
 * JSON.parse: the walk stops once every name was found and none can come again; returns `undefined` for an absent field, and `NOT_FOUND_CHEAPLY`
 * when the line is not something this scanner handles (the caller then parses the line).
 * native/json_scan.cc walks the same way (the differential test holds them together).
 *
 * The walk runs over the line's bytes as a latin1 string (one character per byte, so the
 * indices are the bytes'), where `indexOf` finds a string's end without a call per byte.
 */
export const NOT_FOUND_CHEAPLY = Symbol('parse')
/** A field not met yet in a walk. */
const UNSEEN = Symbol('unseen')

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_OBJ = 0x7b
const CLOSE_OBJ = 0x7d
const OPEN_ARR = 0x5b
const CLOSE_ARR = 0x5d
const COLON = 0x3a
const COMMA = 0x2c

/** One walk: the line as latin1, and where its next backslash is (found once, not per string). */
interface Walk {
  readonly s: string
  /** Did the last string read have escapes? */
  escaped: boolean
  /** The first backslash at or after `from` (-1: none left), for the `from` it was looked up at. */
  backslash: number
  from: number
}

function nextBackslash (w: Walk, at: number): number {
  if (w.from <= at && (w.backslash === -1 || w.backslash >= at)) return w.backslash
  w.from = at
  w.backslash = w.s.indexOf('\\', at)
  return w.backslash
}

function skipSpace (s: string, i: number): number {
  for (let c = s.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a; c = s.charCodeAt(++i));
  return i
}

/** Index just past the string starting at `i` (a quote), or -1. Sets `escaped` when it has escapes. */
function endOfString (w: Walk, i: number): number {
  const s = w.s
  const quote = s.indexOf('"', i + 1)
  if (quote < 0) return -1
  const bs = nextBackslash(w, i + 1)
  if (bs < 0 || bs > quote) {
    w.escaped = false
    return quote + 1
  }
  w.escaped = true
  for (let j = bs; j < s.length; j++) {
    const c = s.charCodeAt(j)
    if (c === BACKSLASH) j++
    else if (c === QUOTE) return j + 1
  }
  return -1
}

/** Index just past the value starting at `i`, or -1. */
function endOfValue (w: Walk, i: number): number {
  const s = w.s
  const c = s.charCodeAt(i)
  w.escaped = false
  if (c === QUOTE) return endOfString(w, i)
  if (c === OPEN_OBJ || c === OPEN_ARR) {
    let depth = 0
    for (let j = i; j < s.length; j++) {
      const d = s.charCodeAt(j)
      if (d === QUOTE) {
        const end = endOfString(w, j)
        if (end < 0) return -1
        j = end - 1
      } else if (d === OPEN_OBJ || d === OPEN_ARR) {
        depth++
      } else if (d === CLOSE_OBJ || d === CLOSE_ARR) {
        if (--depth === 0) return j + 1
      }
    }
    return -1
  }
  let j = i
  for (let d = s.charCodeAt(j); j < s.length && d !== COMMA && d !== CLOSE_OBJ; d = s.charCodeAt(++j));
  return j
}

/** The value of top-level field `name` in the JSON object `line` (its last occurrence). */
export function scanTopLevelField (line: Buffer, name: Buffer): unknown {
  const found = scanTopLevelFields(line, [name])
  return found === NOT_FOUND_CHEAPLY ? found : found[0]
}

/**
 * The values of several top-level fields in one walk over the whole line (the last
 * occurrence of each, as JSON.parse takes it; undefined for an absent one), or
 * NOT_FOUND_CHEAPLY. `text`: the line as latin1, when the caller has it already.
 */
export function scanTopLevelFields (line: Buffer, names: readonly Buffer[], text?: string): unknown[] | typeof NOT_FOUND_CHEAPLY {
  const w: Walk = { s: text ?? line.toString('latin1'), escaped: false, backslash: 0, from: Infinity }
  const s = w.s
  const values: unknown[] = []
  for (let n = 0; n < names.length; n++) values.push(UNSEEN)
  let left = names.length
  let i = skipSpace(s, 0)
  if (s.charCodeAt(i) !== OPEN_OBJ) return NOT_FOUND_CHEAPLY
  i = skipSpace(s, i + 1)
  while (i < s.length && s.charCodeAt(i) === QUOTE) {
    const keyEnd = endOfString(w, i)
    if (keyEnd < 0) return NOT_FOUND_CHEAPLY
    if (w.escaped) return NOT_FOUND_CHEAPLY // a key with escapes could spell a name: let the parser decide
    const at = nameAt(s, i + 1, keyEnd - 1, names)
    i = skipSpace(s, keyEnd)
    if (s.charCodeAt(i) !== COLON) return NOT_FOUND_CHEAPLY
    i = skipSpace(s, i + 1)
    const valueEnd = endOfValue(w, i)
    if (valueEnd < 0) return NOT_FOUND_CHEAPLY
    if (at >= 0) {
      if (values[at] === UNSEEN) left--
      if (s.charCodeAt(i) === QUOTE && !w.escaped) {
        values[at] = line.toString('utf8', i + 1, valueEnd - 1)
      } else {
        try {
          values[at] = JSON.parse(line.toString('utf8', i, valueEnd)) as unknown
        } catch {
          return NOT_FOUND_CHEAPLY
        }
      }
      // every name found, and none can come again: done (the rest of the line is not walked)
      if (left === 0 && noneLater(s, valueEnd, names)) return values
    }
    i = skipSpace(s, valueEnd)
    if (s.charCodeAt(i) === COMMA) i = skipSpace(s, i + 1)
    else break
  }
  if (s.charCodeAt(i) !== CLOSE_OBJ) return NOT_FOUND_CHEAPLY
  for (let n = 0; n < values.length; n++) if (values[n] === UNSEEN) values[n] = undefined
  return values
}

const tails = new WeakMap<Buffer, string>()

/**
 * Is there a `"word"` (quotes unescaped) at or after `from`? Searched as `word"` (its first
 * letter is rarer than a quote, so `indexOf` skips faster), then the quote before checked.
 */
export function quotedAfter (s: string, from: number, tail: string): boolean {
  for (let at = s.indexOf(tail, from + 1); at >= 0; at = s.indexOf(tail, at + 1)) {
    if (s.charCodeAt(at - 1) === QUOTE) return true
  }
  return false
}

/**
 * Can no key after `from` be one of `names`? Only a later `"name"`, or a \u escape that
 * could spell one, could be: when neither is there, the first of each is the last.
 */
function noneLater (s: string, from: number, names: readonly Buffer[]): boolean {
  if (s.indexOf('\\u', from) >= 0) return false
  for (const name of names) {
    let tail = tails.get(name)
    if (tail === undefined) tails.set(name, tail = `${name.toString('latin1')}"`)
    if (quotedAfter(s, from, tail)) return false
  }
  return true
}

const texts = new WeakMap<Buffer, string>()

/** Which of `names` the key in s[from, to) is, or -1 (compared as latin1: byte for byte). */
function nameAt (s: string, from: number, to: number, names: readonly Buffer[]): number {
  const length = to - from
  for (let n = 0; n < names.length; n++) {
    const name = names[n] as Buffer
    if (name.length !== length) continue
    let text = texts.get(name)
    if (text === undefined) texts.set(name, text = name.toString('latin1'))
    if (s.startsWith(text, from)) return n
  }
  return -1
}
