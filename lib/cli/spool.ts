import fs from 'node:fs'
import path from 'node:path'
import { COMMON_OPTIONS, CliError, EXIT, UsageError, flag, guard, parseCommand, parseDuration, required, str, type CliIo } from './args'
import { Spool, spoolOwner, drainSpool } from '../internal'

export const SPOOL_USAGE = `Usage: kafka-log-transport spool status DIR [--json]
       kafka-log-transport spool replay DIR --brokers HOST:PORT [options]

status: what a spool directory holds (records waiting, bytes, age of the oldest, torn
        records skipped) and whether a live process owns it. Reads only; safe while the
        app runs.
replay: send what a spool holds to Kafka, oldest first, then delete it; for a spool left
        by an app that will not run again. Records go to the topics they were written for.
        Refused while a live process owns the directory.

Options:
  -b, --brokers LIST          bootstrap brokers, host:port[,host:port] (env KAFKA_BROKERS)
  -X KEY=VALUE                a librdkafka property (repeatable), e.g. -X security.protocol=ssl
  -c, --config FILE           JSON file with any of these settings and "rdkafka": {...}
      --timeout DURATION      give up when Kafka cannot be reached for this long (default 30s)
      --json                  status as one JSON object
  -v, --verbose               progress on stderr
  -h, --help                  this help

Exit codes: 0 ok (replay: everything sent), 1 runtime error (e.g. the spool is in use, the
broker unreachable), 2 bad usage, 3 replay: records left in the spool.
`

const OPTIONS = { ...COMMON_OPTIONS, json: { type: 'boolean' } } as const

/** `spool status|replay DIR`: resolves to an exit code. */
export function run (argv: string[], io: CliIo): Promise<number> {
  let rdkafka: Record<string, string> = {}
  return guard('spool', io, async () => {
    const [action, dir, ...rest] = argv
    if (action === undefined || action === '--help' || action === '-h') {
      ;(action === undefined ? io.stderr : io.stdout).write(SPOOL_USAGE)
      return action === undefined ? EXIT.usage : EXIT.ok
    }
    if (action !== 'status' && action !== 'replay') throw new UsageError(`unknown spool action ${JSON.stringify(action)} (status or replay)`)
    if (dir === undefined || dir.startsWith('-')) throw new UsageError(`spool ${action} needs a spool directory`)
    const parsed = parseCommand(rest, OPTIONS, io.env ?? process.env)
    rdkafka = parsed.rdkafka
    if (action === 'status') return status(dir, flag(parsed.settings, 'json'), io)
    const timeoutMs = parseDuration('timeout', str(parsed.settings, 'timeout') ?? '30s')
    return replay(dir, required(parsed.settings, 'brokers'), rdkafka, timeoutMs, flag(parsed.settings, 'verbose'), io)
  }, () => rdkafka)
}

function mib (bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

function age (ms: number): string {
  const s = Math.round(ms / 1000)
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`
}

function status (dir: string, json: boolean, io: CliIo): number {
  const state = Spool.inspect(dir)
  const pid = spoolOwner(dir)
  const oldestAgeMs = state.oldestSpooledAt === undefined ? undefined : Math.max(0, Date.now() - state.oldestSpooledAt)
  if (json) {
    io.stdout.write(JSON.stringify({ dir: path.resolve(dir), ...state, oldestAgeMs, owner: pid ?? null }) + '\n')
    return EXIT.ok
  }
  const oldest = state.oldestSpooledAt === undefined || oldestAgeMs === undefined ? '' : `, oldest spooled ${age(oldestAgeMs)} ago (${new Date(state.oldestSpooledAt).toISOString()})`
  io.stdout.write(`${path.resolve(dir)}: ${state.records} records waiting${oldest}\n` +
    `  ${mib(state.bytes)} on disk in ${state.segments} segment${state.segments === 1 ? '' : 's'}` +
    `${state.corrupt > 0 ? `; ${state.corrupt} torn or corrupt record${state.corrupt === 1 ? '' : 's'} will be skipped` : ''}\n` +
    `  ${pid === undefined ? 'no live process owns it: `spool replay` can send it' : `owned by live process ${pid} (it replays the spool itself)`}\n`)
  return EXIT.ok
}

async function replay (dir: string, brokers: string, rdkafka: Record<string, string>, timeoutMs: number, verbose: boolean, io: CliIo): Promise<number> {
  if (!fs.existsSync(dir)) throw new CliError(`no spool directory at ${dir}`)
  // the records carry their own topics: the topic option is never used
  const found = Spool.inspect(dir).records
  if (verbose) io.stderr.write(`spool replay: ${found} records in ${path.resolve(dir)}, sending to ${brokers}\n`)
  const r = await drainSpool({ brokers, topic: 'unused', spool: { dir }, connectTimeoutMs: Math.max(1, timeoutMs), rdkafka }, {
    ...(io.signal === undefined ? {} : { signal: io.signal }),
    onError: (err) => { io.stderr.write(`kafka-log-transport spool: ${err.message}\n`) },
    ...(verbose ? { onProgress: (delivered: number, pending: number) => { io.stderr.write(`spool replay: ${delivered} delivered, ${pending} to go\n`) } } : {})
  })
  const { left, corrupt, unreachable } = r
  io.stderr.write(`spool replay: ${r.delivered} of ${r.found} records delivered, ${r.failed} failed, ${left} left in the spool` +
    `${corrupt > 0 ? `; ${corrupt} torn or corrupt record${corrupt === 1 ? '' : 's'} skipped` : ''}\n`)
  if (unreachable !== undefined) throw new CliError(unreachable.message)
  return left > 0 || r.failed > 0 ? EXIT.undelivered : EXIT.ok
}
