/** Why a record was dropped; every drop is counted under one reason. */
export type DropReason = 'buffer-full' | 'bad-record' | 'closed' | 'connect-failed' | 'too-large'

/** A snapshot of the producer's counters. `written = delivered + failed + dropped + pending`. */
export interface MetricsSnapshot {
  written: number
  delivered: number
  failed: number
  dropped: number
  droppedByReason: Record<DropReason, number>
  /** Records buffered in JS (not yet handed to librdkafka). */
  buffered: number
  bufferedBytes: number
  /** Records handed to librdkafka and not yet acknowledged. */
  inflight: number
  /** buffered + inflight */
  pending: number
  bytesDelivered: number
  connected: boolean
}

export class Counters {
  written = 0
  delivered = 0
  failed = 0
  inflight = 0
  bytesDelivered = 0
  readonly dropped: Record<DropReason, number> = { 'buffer-full': 0, 'bad-record': 0, closed: 0, 'connect-failed': 0, 'too-large': 0 }

  droppedTotal (): number {
    let n = 0
    for (const v of Object.values(this.dropped)) n += v
    return n
  }
}
