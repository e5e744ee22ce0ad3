import type { HeldRecord } from '../engine/engine'
import type { EncodedRecord } from '../record/record'
import { keptWith } from '../report-router'
import type { Sender } from '../sender'
import { rescueAtExit } from '../spool/rescue'
import { sayAtExit } from './exit'

/**
 * At the process's end (the 'exit' hook, synchronous): produce what is buffered, kick
 * librdkafka, say how long to wait for it. Not connected (an outage, or not yet), or on an
 * engine in JS, which sends nothing once the event loop has stopped: what memory holds goes
 * to the spool for the next run, or to a rescue process.
 */
export function handOverAtExit (s: Sender, wait: boolean): number {
  if (s.closed) return 0
  if (s.conn.ready) s.drain()
  // the pure-JS engine gives back what it holds (in flight too: it may land twice, never go missing)
  const held = s.conn.takeHeld().map(asRecord)
  for (let i = 0; i < held.length; i++) s.ledger.counters.returned()
  if (!s.conn.ready || held.length > 0) {
    if (s.writer !== undefined) {
      for (const r of held) if (!s.writer.leave(r)) s.ledger.drop('closed', r)
      s.leaveBuffered()
      if (s.options.spool?.fsync !== 'never') s.writer.spool.sync()
    } else if (held.length > 0 || s.buffer.length > 0) {
      rescue(s, [...held, ...s.buffer.clear()], s.conn.ready ? 'at exit, the pure-JS engine' : 'not connected to Kafka at exit')
    }
    return 0
  }
  if (!wait || s.options.exitFlushMs === 0 || s.ledger.counters.inflight() === 0) return 0
  // librdkafka's flush makes it send at once instead of lingering; its callback never runs
  s.conn.flush(s.options.exitFlushMs, () => {})
  return s.options.exitFlushMs
}

/** A record the engine gave back: the one kept with it (a spooled record stays one), else as the encoder made it. */
function asRecord (r: HeldRecord): EncodedRecord {
  const kept = keptWith(r.opaque)
  if (typeof kept === 'object' && kept !== null && 'value' in kept) return kept as EncodedRecord
  return { topic: r.topic, value: r.value, key: r.key ?? null, timestamp: r.timestamp, headers: r.headers as EncodedRecord['headers'] }
}

function rescue (s: Sender, records: EncodedRecord[], why: string): void {
  try {
    sayAtExit(rescueAtExit(records, s.options, why))
  } catch (err) {
    for (const r of records) s.ledger.drop('closed', r)
    sayAtExit(`${why}, the rescue of ${records.length} log record(s) failed: ${(err as Error).message}`)
  }
}
