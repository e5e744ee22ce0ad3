import type { EventEmitter } from 'node:events'
import type { Writable } from 'node:stream'

/** Resolves with the first of `events` on `emitter` (never rejects, whatever the event), then stops listening. */
export function firstOf<E extends string> (emitter: EventEmitter, events: readonly E[]): Promise<E> {
  return new Promise((resolve) => {
    const handlers = new Map<E, () => void>()
    for (const e of events) {
      handlers.set(e, () => {
        for (const [name, h] of handlers) emitter.off(name, h)
        resolve(e)
      })
    }
    for (const [name, h] of handlers) emitter.on(name, h)
  })
}

/**
 * Resolves on the stream's `'drain'`, and also when it fails or closes: a reader that went
 * away (a dead pipe, a closed pager) must end the wait, never reject into the writer.
 */
export async function drainedOrGone (stream: Writable): Promise<void> {
  await firstOf(stream, ['drain', 'error', 'close'])
}
