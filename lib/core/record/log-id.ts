import { randomFillSync } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'

// uuid's default rng asks the OS for 16 random bytes per id: with one id per log record
// that was 73% of the producer's CPU (node --cpu-prof, 1M records). Draw from a pool.
const POOL_BYTES = 16 * 1024
const pool = new Uint8Array(POOL_BYTES)
let offset = POOL_BYTES

function random16 (): Uint8Array {
  if (offset + 16 > POOL_BYTES) {
    randomFillSync(pool)
    offset = 0
  }
  const r = pool.subarray(offset, offset + 16)
  offset += 16
  return r
}

// Monotonic within a millisecond (RFC 9562, method 1: a counter seeded randomly each ms),
// as uuid does for its own state, which it skips when given explicit random bytes.
let lastMs = -1
let seq = 0

/** A time-ordered UUIDv7 for a log record (consumers deduplicate on it). */
export function logId (): string {
  const random = random16()
  let msecs = Date.now()
  if (msecs > lastMs) {
    seq = (((random[6] ?? 0) << 23) | ((random[7] ?? 0) << 16) | ((random[8] ?? 0) << 8) | (random[9] ?? 0)) & 0x7fffffff
    lastMs = msecs
  } else {
    seq = (seq + 1) | 0
    if (seq === 0) lastMs++
    msecs = lastMs
  }
  return uuidv7({ random, msecs, seq })
}
