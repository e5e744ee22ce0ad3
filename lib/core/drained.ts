import type { EventEmitter } from 'node:events'
import type { Writable } from 'node:stream'

/** Resolves at the first of `events` on `emitter` (never rejects, whatever the event), then stops listening. */
export function firstOf (emitter: EventEmitter, events: readonly string[]): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const e of events) emitter.off(e, done)
      resolve()
    }
    for (const e of events) emitter.on(e, done)
  })
}

/**
 * Resolves on the stream's `'drain'`, and also when it fails or closes: a reader that went
 * away (a dead pipe, a closed pager) must end the wait, never reject into the writer.
 */
export function drainedOrGone (stream: Writable): Promise<void> {
  return firstOf(stream, ['drain', 'error', 'close'])
}
