import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ResolvedOptions } from '../config/options'
import type { EncodedRecord } from '../record/record'
import { Spool } from './store'

const RESCUE_PROCESS = path.join(__dirname, 'rescue-process.js')
/** Where the rescue process finds its connection settings (read, then deleted: they may hold secrets). */
export const RESCUE_OPTIONS_FILE = 'rescue-options.json'
/** What the rescue process writes when it could not send everything. */
export const RESCUE_REPORT_FILE = 'rescue-report.txt'

/** The options the rescue process connects with: the app's connection settings, nothing that cannot cross a process boundary. */
function connectionOptions (o: ResolvedOptions): Record<string, unknown> {
  return {
    brokers: o.brokers,
    compression: o.compression,
    acks: o.acks,
    idempotence: o.idempotence,
    lingerMs: o.lingerMs,
    batchMessages: o.batchMessages,
    maxMessageBytes: o.maxMessageBytes,
    rdkafka: o.rdkafka,
    connectTimeoutMs: o.connectTimeoutMs,
    flushTimeoutMs: o.flushTimeoutMs,
    messageTimeoutMs: o.messageTimeoutMs
  }
}

export interface Rescued {
  records: number
  dir: string
  /** The rescue process; undefined when it could not be started (the records wait in `dir`). */
  pid: number | undefined
}

/**
 * The process is ending and Kafka was never (or is no longer) reachable from it: write what
 * memory holds into a spool directory of its own under the OS's temp dir, exactly as it
 * would have been sent (topic, key, headers with the same log-id, timestamp), and start a
 * detached process that sends it and deletes it, or leaves it there for
 * `kafka-log-transport spool replay` when Kafka stays away. Synchronous: runs at 'exit'.
 */
export function rescue (records: readonly EncodedRecord[], o: ResolvedOptions): Rescued {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-log-transport-rescue-'))
  const spool = Spool.open({ dir, maxBytes: Number.MAX_SAFE_INTEGER, fsync: 'never', fsyncIntervalMs: 1000 })
  try {
    for (const r of records) spool.append(r)
  } finally {
    spool.close() // unlocks: the rescue process takes it over
  }
  fs.writeFileSync(path.join(dir, RESCUE_OPTIONS_FILE), JSON.stringify(connectionOptions(o)), { mode: 0o600 })
  let pid: number | undefined
  try {
    // its own session: it outlives this process (and a terminal's Ctrl-C to its group)
    const child = spawn(process.execPath, [RESCUE_PROCESS, dir], { detached: true, stdio: 'ignore' })
    child.on('error', () => { /* reported below by the missing pid */ })
    child.unref()
    pid = child.pid
  } catch {
    pid = undefined
  }
  return { records: records.length, dir, pid }
}

/**
 * At exit, not connected: rescue `records` and return what to say on stderr. Throws when
 * they could not even be written (the caller counts them as lost).
 */
export function rescueAtExit (records: readonly EncodedRecord[], o: ResolvedOptions): string {
  const r = rescue(records, o)
  return r.pid === undefined
    ? `not connected to Kafka at exit: ${r.records} log record(s) written to ${r.dir}; the rescue process could not start: ` +
      `send them with kafka-log-transport spool replay ${r.dir} -b ${o.brokers}`
    : `not connected to Kafka at exit: ${r.records} log record(s) handed to a rescue process (pid ${r.pid}) that sends them ` +
      `within ${Math.round((o.connectTimeoutMs + o.flushTimeoutMs) / 1000)} s, or leaves them in ${r.dir}`
}
