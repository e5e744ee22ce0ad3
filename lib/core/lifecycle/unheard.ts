import type { EventEmitter } from 'node:events'

const reported = new WeakMap<EventEmitter, Set<string>>()
/**
 * An error nobody listens for must not become an `'error'` event (Node would throw it into
 * the application). Say it on stderr (a process warning), once per emitter and code.
 */
export function reportUnheard (source: EventEmitter, err: Error): void {
  const code = (err as { code?: unknown }).code
  const key = typeof code === 'string' ? code : err.name
  let seen = reported.get(source)
  if (seen === undefined) {
    seen = new Set()
    reported.set(source, seen)
  }
  if (seen.has(key)) return
  seen.add(key)
  process.emitWarning(err.message, { code: key })
}
