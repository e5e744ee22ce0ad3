/**
 * JSON for log records that never throws on odd values: circular references become
 * "[Circular]", BigInt becomes a string, Errors keep name/message/stack/cause (and own
 * fields), throwing getters/toJSON become "[Throws: <message>]". Lone UTF-16 surrogates
 * come out escaped (\udXXX), so the text is always valid UTF-8 once encoded.
 */

function errorToObject (err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: err.message, stack: err.stack }
  for (const k of Object.keys(err)) out[k] = (err as unknown as Record<string, unknown>)[k]
  if (err.cause !== undefined) out['cause'] = err.cause
  return out
}

function fastReplacer (_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Error) return errorToObject(value)
  return value
}

function describeThrow (err: unknown): string {
  try {
    return `[Throws: ${err instanceof Error ? err.message : String(err)}]`
  } catch {
    return '[Throws]'
  }
}

/** Build a JSON-safe copy of `value`, tracking ancestors (not every seen object: shared refs are fine). */
function sanitize (value: unknown, ancestors: object[], depth: number): unknown {
  if (value === null) return null
  switch (typeof value) {
    case 'string': case 'boolean': return value
    case 'number': return Number.isFinite(value) ? value : String(value)
    case 'bigint': return value.toString()
    case 'undefined': case 'function': case 'symbol': return undefined
  }
  const obj = value as Record<string, unknown>
  if (ancestors.includes(obj)) return '[Circular]'
  if (depth > 100) return '[Too deep]'
  let source: unknown = obj
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
    try {
      source = (obj as { toJSON: () => unknown }).toJSON()
    } catch (err) {
      return describeThrow(err)
    }
    if (source !== obj) return sanitize(source, [...ancestors, obj], depth + 1)
  }
  if (obj instanceof Error) source = errorToObject(obj)
  ancestors.push(obj)
  try {
    if (Array.isArray(source)) {
      return source.map((v) => {
        const s = sanitize(v, ancestors, depth + 1)
        return s === undefined ? null : s
      })
    }
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(source as object)) {
      let v: unknown
      try {
        v = (source as Record<string, unknown>)[key]
      } catch (err) {
        out[key] = describeThrow(err)
        continue
      }
      const s = sanitize(v, ancestors, depth + 1)
      if (s !== undefined) out[key] = s
    }
    return out
  } finally {
    ancestors.pop()
  }
}

/**
 * Serialize any value to one line of JSON. Throws only when even the sanitized copy
 * cannot be serialized (not expected); callers count that as a bad record.
 */
export function safeStringify (value: unknown): string {
  try {
    const s = JSON.stringify(value, fastReplacer)
    if (s !== undefined) return s
  } catch {
    // circular, throwing getter or toJSON: take the careful path
  }
  const s = JSON.stringify(sanitize(value, [], 0))
  return s === undefined ? 'null' : s
}
