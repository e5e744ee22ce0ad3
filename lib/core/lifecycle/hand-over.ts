import type { Sender } from '../sender'
import { rescueAtExit } from '../spool/rescue'
import { sayAtExit } from './exit'

/**
 * At the process's end (the 'exit' hook, synchronous): produce what is buffered, kick
 * librdkafka, say how long to wait for it. Not connected (an outage, or not yet): what
 * memory holds goes to the spool for the next run, or to a rescue process.
 */
export function handOverAtExit (s: Sender, wait: boolean): number {
  if (s.closed) return 0
  if (!s.conn.ready) {
    if (s.writer !== undefined) {
      s.leaveBuffered()
      if (s.options.spool?.fsync !== 'never') s.writer.spool.sync()
    } else if (s.buffer.length > 0) {
      rescue(s)
    }
    return 0
  }
  s.drain()
  if (!wait || s.options.exitFlushMs === 0 || s.ledger.counters.inflight() === 0) return 0
  // librdkafka's flush makes it send at once instead of lingering; its callback never runs
  s.conn.flush(s.options.exitFlushMs, () => {})
  return s.options.exitFlushMs
}

function rescue (s: Sender): void {
  const records = s.buffer.clear()
  try {
    sayAtExit(rescueAtExit(records, s.options))
  } catch (err) {
    for (const r of records) s.ledger.drop('closed', r)
    sayAtExit(`not connected to Kafka at exit, and the rescue of ${records.length} log record(s) failed: ${(err as Error).message}`)
  }
}
