import type { Ledger } from '../ledger'
import type { Sender } from '../sender'
import type { SpoolWriter } from '../spool/writer'
import type { MetricsSnapshot, SpoolMetrics } from './metrics'

/** A producer's counters as `metrics()` gives them: the ledger's, and what the sender holds. */
export function metricsSnapshot (sender: Sender, ledger: Ledger): MetricsSnapshot {
  const { counters: c, latency } = ledger
  const { buffer, conn, writer, clock } = sender
  const inflight = c.inflight()
  const stats = conn.stats
  return {
    written: c.written,
    delivered: c.delivered,
    failed: c.failed,
    dropped: c.droppedTotal(),
    droppedByReason: { ...c.dropped },
    truncated: c.truncated,
    timestamps: { replaced: clock.replaced, resent: clock.resent, correctionMs: clock.correctionMs },
    buffered: buffer.length,
    bufferedBytes: buffer.bytes,
    inflight,
    pending: buffer.length + inflight + sender.spooled,
    bytesProduced: c.bytesProduced,
    errors: c.errors,
    connected: conn.ready && !sender.closed,
    engine: conn.engine,
    nativePath: { inUse: conn.nativeInUse, problem: conn.nativeProblem },
    latencyMs: latency.snapshot(),
    ...(writer === undefined ? {} : { spool: spoolMetrics(sender, writer) }),
    ...(stats === undefined ? {} : { rdkafka: stats })
  }
}

function spoolMetrics (sender: Sender, writer: SpoolWriter): SpoolMetrics {
  const state = writer.spool.state()
  const replayer = sender.replayer
  return {
    records: state.records,
    bytes: state.bytes,
    segments: state.segments,
    oldestAgeMs: state.oldestSpooledAt === undefined ? 0 : Math.max(0, Date.now() - state.oldestSpooledAt),
    spooled: writer.spooled,
    replayed: replayer?.replayed ?? 0,
    replayPerSecond: replayer?.perSecond ?? 0,
    recovered: writer.spool.recovered,
    corrupt: state.corrupt
  }
}
