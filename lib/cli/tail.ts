import type { Writable } from 'node:stream'
import {
  COMMON_OPTIONS, EXIT, consumerSettings, UsageError, flag, runCommand, showProperties, str, type CliIo
} from './args'
import { openReader } from './consumer'
import { formatRecord, headerMap, parseLevel, type FormatOptions } from './format'
import { drainedOrGone } from '../internal'

export const TAIL_USAGE = `Usage: kafka-log-transport tail --brokers HOST:PORT --topic TOPIC [options]

Read log records from Kafka and print them: time, level (in colour on a terminal),
service, message and the other fields; plain text records as they are.

Options:
  -b, --brokers LIST      bootstrap brokers, host:port[,host:port] (env KAFKA_BROKERS)
  -t, --topic TOPIC       topic to read; several: a,b (env KAFKA_TOPIC)
      --from-beginning    start at the oldest record (default: only new records)
      --no-follow         stop at the end of the topic instead of waiting for more
  -l, --level LEVEL       only records at or above LEVEL (trace debug info warn error fatal,
                          or a pino number); records without a level are hidden
  -g, --grep REGEX        only records whose raw text matches REGEX (JavaScript syntax)
      --json              print the raw records (NDJSON), no formatting
      --color, --no-color force colours on or off (default: on when stdout is a terminal
                          and NO_COLOR is unset)
  -X KEY=VALUE            a librdkafka consumer property (repeatable), e.g. -X security.protocol=SSL
  -c, --config FILE       JSON file with any of these settings and "rdkafka": {...}
                          (env KAFKA_LOG_TRANSPORT_CONFIG)
      --timeout DURATION  give up connecting or reading metadata after this (default 10s)
  -v, --verbose           print the settings in use (secrets masked) on stderr
  -h, --help              this help

Durations: 500ms, 10s, 2m; a bare number is seconds. Flags win over the environment,
which wins over the config file.
Exit codes: 0 done, 1 runtime error (e.g. broker unreachable), 2 bad usage.
`

const OPTIONS = {
  ...COMMON_OPTIONS,
  'from-beginning': { type: 'boolean' },
  'no-follow': { type: 'boolean' },
  level: { type: 'string', short: 'l' },
  grep: { type: 'string', short: 'g' },
  json: { type: 'boolean' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' }
} as const

/** Write, waiting for 'drain' when the stream is full (a slow pager must slow us, not grow memory). */
function writeOut (out: Writable, text: string): Promise<void> | undefined {
  return out.write(text) ? undefined : drainedOrGone(out)
}

/** `tail`: resolves to an exit code. */
export function run (argv: string[], io: CliIo): Promise<number> {
  return runCommand('tail', argv, io, OPTIONS, TAIL_USAGE, async (s, rdkafka) => {
    const { brokers, topics, timeoutMs } = consumerSettings(s)
    const levelText = str(s, 'level')
    const minLevel = levelText === undefined ? undefined : parseLevel(levelText)
    if (levelText !== undefined && minLevel === undefined) throw new UsageError(`--level: unknown level ${JSON.stringify(levelText)} (trace, debug, info, warn, error, fatal or a number)`)
    let grep: RegExp | undefined
    const grepText = str(s, 'grep')
    if (grepText !== undefined) {
      try {
        grep = new RegExp(grepText)
      } catch (err) {
        throw new UsageError(`--grep: ${err instanceof Error ? err.message : String(err)}`)
      }
    }
    const env = io.env ?? process.env
    const color = flag(s, 'no-color') ? false : flag(s, 'color') ? true : io.stdout.isTTY === true && (env['NO_COLOR'] ?? '') === ''
    const opts: FormatOptions = { json: flag(s, 'json'), color, minLevel, grep }
    const follow = !flag(s, 'no-follow')
    if (flag(s, 'verbose')) {
      io.stderr.write(`tail: brokers=${brokers} topics=${topics.join(',')} from=${flag(s, 'from-beginning') ? 'beginning' : 'end'} ` +
        `follow=${follow} ${showProperties(rdkafka)}\n`)
    }
    const consumer = await openReader({ brokers, topics, rdkafka, timeoutMs, from: flag(s, 'from-beginning') ? 'beginning' : 'end' })
    if (flag(s, 'verbose')) io.stderr.write(`tail: reading ${consumer.ranges.length} partition(s)${follow ? ', following' : ' up to their current end'}\n`)
    let stdoutGone = false
    const onStdoutError = (): void => { stdoutGone = true } // EPIPE (e.g. `| head`): stop quietly
    io.stdout.on('error', onStdoutError)
    try {
      // for --no-follow: partitions still short of the end they had when we started
      const remaining = new Map(consumer.ranges.filter((r) => r.start < r.end).map((r) => [`${r.topic}\u0000${r.partition}`, r.end]))
      while (io.signal?.aborted !== true && !stdoutGone && (follow || remaining.size > 0)) {
        const batch = await consumer.consume()
        let out = ''
        for (const m of batch) {
          const id = `${m.topic}\u0000${m.partition}`
          if (!follow) {
            const end = remaining.get(id)
            if (end === undefined || m.offset >= end) continue // arrived after we started
            if (m.offset + 1 >= end) remaining.delete(id)
          }
          const line = formatRecord(m.value, {
            timestamp: m.timestamp,
            key: m.key === undefined || m.key === null ? undefined : m.key.toString(),
            headers: headerMap(m.headers)
          }, opts)
          if (line !== undefined) out += line + '\n'
        }
        if (!follow && batch.length === 0) {
          // gaps (compaction, transaction markers) mean the last offset may never arrive
          for (const [id, pos] of consumer.positions()) if ((remaining.get(id) ?? Infinity) <= pos) remaining.delete(id)
        }
        if (out !== '') await writeOut(io.stdout, out)
      }
    } finally {
      io.stdout.off('error', onStdoutError)
      await consumer.close()
    }
    return EXIT.ok
  })
}
