import type { Writable } from 'node:stream'

/**
 * Resolves on the stream's `'drain'`, and also when it fails or closes: a reader that went
 * away (a dead pipe, a closed pager) must end the wait, never reject into the writer.
 */
export function drainedOrGone (stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done)
      stream.off('error', done)
      stream.off('close', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('error', done)
    stream.on('close', done)
  })
}
