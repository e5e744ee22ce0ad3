import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ResolvedOptions } from '../config/options'
import type { EncodedRecord } from '../record/record'
import { endTakesChildren } from '../lifecycle/takes-children'
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

/** A waited-for rescue connects within this at most (the app's exit waits for it). */
export const RESCUE_WAIT_CONNECT_MS = 10000
/** On top of its connect and flush bounds: node's start, and its close after giving up (about 1 s). */
const RESCUE_SLACK_MS = 5000

export interface Rescued {
  records: number
  dir: string
  /** The rescue process; undefined when it could not be started (the records wait in `dir`). */
  pid: number | undefined
  /** Set when this process waited for the rescue: how long, and whether it sent them all. */
  waited?: { ms: number, delivered: boolean, report: string | undefined }
}

/** Wait (synchronously: this runs at 'exit') for a rescue process to send `dir`, bounded. */
function waitForRescue (dir: string, o: ResolvedOptions, connectMs: number): Rescued['waited'] {
  const t0 = Date.now()
  spawnSync(process.execPath, [RESCUE_PROCESS, dir], {
    stdio: 'ignore',
    timeout: connectMs + o.flushTimeoutMs + RESCUE_SLACK_MS,
    killSignal: 'SIGKILL'
  })
  const delivered = !fs.existsSync(dir)
  let report: string | undefined
  try {
    // the report's own "Send them with" is said by the caller
    report = delivered ? undefined : fs.readFileSync(path.join(dir, RESCUE_REPORT_FILE), 'utf8').replace(/ Send them with: .*$/s, '').trim()
  } catch {
    report = 'the rescue process did not finish in time'
  }
  fs.rmSync(path.join(dir, RESCUE_OPTIONS_FILE), { force: true }) // may hold secrets
  return { ms: Date.now() - t0, delivered, report }
}

/**
 * The process is ending and Kafka was never (or is no longer) reachable from it: write what
 * memory holds into a spool directory of its own under the OS's temp dir, exactly as it
 * would have been sent (topic, key, headers with the same log-id, timestamp), and start a
 * process that sends it and deletes it, or leaves it there for `kafka-log-transport spool
 * replay` when Kafka stays away. Detached, it outlives this process; where this process's
 * end would kill it (a container's main process), this process waits for it, bounded
 * (option `rescue`). Synchronous: runs at 'exit'.
 */
export function rescue (records: readonly EncodedRecord[], o: ResolvedOptions): Rescued {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-log-transport-rescue-'))
  const spool = Spool.open({ dir, maxBytes: Number.MAX_SAFE_INTEGER, fsync: 'never', fsyncIntervalMs: 1000 })
  try {
    for (const r of records) spool.append(r)
  } finally {
    spool.close() // unlocks: the rescue process takes it over
  }
  const wait = o.rescue === 'wait' || (o.rescue === 'auto' && endTakesChildren())
  const connectMs = wait ? Math.min(o.connectTimeoutMs, RESCUE_WAIT_CONNECT_MS) : o.connectTimeoutMs
  fs.writeFileSync(path.join(dir, RESCUE_OPTIONS_FILE), JSON.stringify({ ...connectionOptions(o), connectTimeoutMs: connectMs }), { mode: 0o600 })
  if (wait) return { records: records.length, dir, pid: undefined, waited: waitForRescue(dir, o, connectMs) }
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
 * At exit, not connected (or on an engine that cannot send any more): rescue `records` and
 * return what to say on stderr, after `why`. Throws when they could not even be written (the
 * caller counts them as lost).
 */
export function rescueAtExit (records: readonly EncodedRecord[], o: ResolvedOptions, why = 'not connected to Kafka at exit'): string {
  const r = rescue(records, o)
  if (r.waited !== undefined) {
    return r.waited.delivered
      ? `${why}: ${r.records} log record(s) sent by a rescue process this process waited for (${r.waited.ms} ms)`
      : `${why}: up to ${r.records} log record(s) NOT delivered; a rescue process tried for ${r.waited.ms} ms ` +
        `(${r.waited.report ?? ''}). They are in ${r.dir}, which ends with this container unless it is on a volume ` +
        `(or set spool.dir to one): send them with kafka-log-transport spool replay ${r.dir} -b ${o.brokers}`
  }
  return r.pid === undefined
    ? `${why}: ${r.records} log record(s) written to ${r.dir}; the rescue process could not start: ` +
      `send them with kafka-log-transport spool replay ${r.dir} -b ${o.brokers}`
    : `${why}: ${r.records} log record(s) handed to a rescue process (pid ${r.pid}) that sends them ` +
      `within ${Math.round((o.connectTimeoutMs + o.flushTimeoutMs) / 1000)} s, or leaves them in ${r.dir}`
}
