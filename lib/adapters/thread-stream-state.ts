/**
 * How far pino's worker thread has read what the main thread handed it. thread-stream (pino's
 * transport plumbing) passes the log bytes through a SharedArrayBuffer whose state it gives
 * its worker as `workerData.stateBuf`: the main thread advances a write index, the worker's
 * read loop a read index, each woken on its own turn. A flush request can reach this thread
 * before the read loop has taken the last bytes, so a flush first waits for the read index
 * to catch up (see thread-stream's lib/indexes.js, unchanged from v2 to v4).
 */
import { workerData } from 'node:worker_threads'

const WRITE_INDEX = 4
const READ_INDEX = 8

let state: Int32Array | null | undefined

function sharedState (): Int32Array | null {
  if (state === undefined) {
    const buf = (workerData as { stateBuf?: unknown } | null)?.stateBuf
    state = buf instanceof SharedArrayBuffer && buf.byteLength >= (READ_INDEX + 1) * 4 ? new Int32Array(buf) : null
  }
  return state
}

/** True when every byte the main thread has written is read (or this is not a thread-stream worker). */
export function pinoBytesAllRead (): boolean {
  const s = sharedState()
  if (s === null) return true
  const written = Atomics.load(s, WRITE_INDEX)
  // negative: thread-stream's error or end marks; nothing more will be read
  return written < 0 || Atomics.load(s, READ_INDEX) === written
}
