import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  COMMON_OPTIONS, EXIT, consumerSettings, UsageError, flag, runCommand, parseDuration, parseNumber, showProperties, sleep, str,
  type CliIo
} from './args'
import { openReader } from './consumer'
import { headerMap, parseFields, recordLevel, serviceOf } from './format'
import { TrafficWatch, alertJson, alertLine, checkWatchConfig, watchPrometheus, type AlertKind, type WatchConfig, type WatchEvent } from './rates'

export const WATCH_USAGE = `Usage: kafka-log-transport watch --brokers HOST:PORT --topic TOPIC [options]

Watch log traffic: records per second by service and level (and per service, and in all)
over a sliding window, against a baseline (an exponentially weighted moving average).
Prints an alert line on stdout when a rate drops below --drop x baseline or spikes above
--spike x baseline, and an "OK recovered" line when it is back. Runs until SIGINT/SIGTERM
(or --duration).

Options:
  -b, --brokers LIST        bootstrap brokers, host:port[,host:port] (env KAFKA_BROKERS)
  -t, --topic TOPIC         topic to watch; several: a,b (env KAFKA_TOPIC)
      --window DURATION     sliding window a rate is measured over (default 10s)
      --tick DURATION       how often rates are evaluated (default window/10)
      --baseline DURATION   time constant of the baseline (default 5m)
      --warmup DURATION     no alerts before this (default 2 x window)
      --drop FRACTION       alert below FRACTION x baseline, 0 disables (default 0.5)
      --spike FACTOR        alert above FACTOR x baseline, 0 disables (default 3)
      --min-rate N          ignore drops from baselines under N/s and spikes to rates
                            under N/s (default 1)
      --exec CMD            also run CMD (with sh -c) on each alert and recovery; it gets
                            KLT_ALERT (the line), KLT_ALERT_KIND, KLT_ALERT_SERVICE,
                            KLT_ALERT_LEVEL, KLT_ALERT_RATE, KLT_ALERT_BASELINE
      --json                alerts as JSON lines
      --metrics-port PORT   serve Prometheus text at http://HOST:PORT/metrics (0: any port)
      --metrics-host HOST   address to listen on (default 127.0.0.1)
      --duration DURATION   stop after this long (default: run until interrupted)
  -X KEY=VALUE              a librdkafka consumer property (repeatable)
  -c, --config FILE         JSON file with any of these settings and "rdkafka": {...}
                            (env KAFKA_LOG_TRANSPORT_CONFIG)
      --timeout DURATION    give up connecting or reading metadata after this (default 10s)
  -v, --verbose             the settings on start, and the rates each window, on stderr
  -h, --help                this help

Durations: 500ms, 10s, 2m; a bare number is seconds.
Exit codes: 0 stopped, 1 runtime error (e.g. broker unreachable), 2 bad usage.
`

const OPTIONS = {
  ...COMMON_OPTIONS,
  window: { type: 'string' },
  tick: { type: 'string' },
  baseline: { type: 'string' },
  warmup: { type: 'string' },
  drop: { type: 'string' },
  spike: { type: 'string' },
  'min-rate': { type: 'string' },
  exec: { type: 'string' },
  json: { type: 'boolean' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  duration: { type: 'string' }
} as const

/** The watch settings from parsed flags (exported for tests of the defaults). */
export function watchConfigFrom (s: Record<string, string | boolean | undefined>): WatchConfig {
  const get = (k: string): string | undefined => (typeof s[k] === 'string' && s[k] !== '' ? s[k] : undefined)
  const windowMs = parseDuration('window', get('window') ?? '10s')
  const c: WatchConfig = {
    windowMs,
    tickMs: parseDuration('tick', get('tick') ?? `${Math.max(1, Math.round(windowMs / 10))}ms`),
    baselineMs: parseDuration('baseline', get('baseline') ?? '5m'),
    warmupMs: parseDuration('warmup', get('warmup') ?? `${2 * windowMs}ms`),
    drop: parseNumber('drop', get('drop') ?? '0.5'),
    spike: parseNumber('spike', get('spike') ?? '3'),
    minRate: parseNumber('min-rate', get('min-rate') ?? '1')
  }
  const problem = checkWatchConfig(c)
  if (problem !== undefined) throw new UsageError(problem)
  return c
}

function runExec (cmd: string, e: WatchEvent, line: string, io: CliIo): void {
  const child = spawn('/bin/sh', ['-c', cmd], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...(io.env ?? process.env),
      KLT_ALERT: line,
      KLT_ALERT_KIND: e.kind,
      KLT_ALERT_SERVICE: e.service,
      KLT_ALERT_LEVEL: e.level,
      KLT_ALERT_RATE: e.rate.toFixed(3),
      KLT_ALERT_BASELINE: e.baseline.toFixed(3)
    }
  })
  child.stdout.on('data', (d: Buffer) => io.stderr.write(d))
  child.stderr.on('data', (d: Buffer) => io.stderr.write(d))
  child.on('error', (err) => io.stderr.write(`kafka-log-transport watch: --exec failed: ${err.message}\n`))
  child.on('close', (code) => {
    if (code !== 0 && code !== null) io.stderr.write(`kafka-log-transport watch: --exec exited with code ${code}\n`)
  })
}

function listen (server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server.address() as AddressInfo)
    })
  })
}

/** `watch`: resolves to an exit code. */
export function run (argv: string[], io: CliIo): Promise<number> {
  return runCommand('watch', argv, io, OPTIONS, WATCH_USAGE, async (s, rdkafka) => {
    const { brokers, topics, timeoutMs } = consumerSettings(s)
    const config = watchConfigFrom(s)
    const durationText = str(s, 'duration')
    const durationMs = durationText === undefined ? undefined : parseDuration('duration', durationText)
    const portText = str(s, 'metrics-port')
    const port = portText === undefined ? undefined : parseNumber('metrics-port', portText, { min: 0, integer: true })
    if (port !== undefined && port > 65535) throw new UsageError(`--metrics-port must be 0-65535, got ${port}`)
    const exec = str(s, 'exec')
    const json = flag(s, 'json')
    const verbose = flag(s, 'verbose')
    if (verbose) {
      io.stderr.write(`watch: brokers=${brokers} topics=${topics.join(',')} window=${config.windowMs}ms tick=${config.tickMs}ms ` +
        `baseline=${config.baselineMs}ms warmup=${config.warmupMs}ms drop=${config.drop} spike=${config.spike} min-rate=${config.minRate} ` +
        `${showProperties(rdkafka)}\n`)
    }

    const consumer = await openReader({ brokers, topics, rdkafka, timeoutMs, from: 'end' })
    const watch = new TrafficWatch(config, Date.now())
    const alertsTotal: Record<AlertKind, number> = { drop: 0, spike: 0 }
    let server: Server | undefined
    try {
      if (port !== undefined) {
        server = createServer((req, res) => {
          if (req.url === '/metrics' || req.url?.startsWith('/metrics?') === true) {
            res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
            res.end(watchPrometheus(watch.rows(), alertsTotal))
          } else {
            res.writeHead(404, { 'content-type': 'text/plain' })
            res.end('not found: try /metrics\n')
          }
        })
        const addr = await listen(server, port, str(s, 'metrics-host') ?? '127.0.0.1')
        io.stderr.write(`kafka-log-transport watch: metrics at http://${addr.address}:${addr.port}/metrics\n`)
      }
      io.stderr.write(`kafka-log-transport watch: watching ${topics.join(',')} (${consumer.ranges.length} partition(s)); ` +
        `alerts after ${config.warmupMs} ms of warm-up\n`)

      const stopAt = durationMs === undefined ? Infinity : Date.now() + durationMs
      let nextTick = Date.now() + config.tickMs
      let nextReport = Date.now() + config.windowMs
      let failure: unknown
      const stopped = (): boolean => failure !== undefined || io.signal?.aborted === true || Date.now() >= stopAt
      // consuming and ticking interleave: consume() waits at most ~100 ms for records
      const consumeLoop = (async () => {
        while (!stopped()) {
          const batch = await consumer.consume()
          for (const m of batch) {
            const headers = headerMap(m.headers)
            const text = m.value === null ? '' : m.value.toString('utf8')
            const fields = parseFields(text)
            const level = recordLevel(fields, headers).name ?? '-'
            watch.record(serviceOf(fields) ?? '-', level)
          }
        }
      })().catch((err: unknown) => { failure = err ?? new Error('consume failed') })
      const tickLoop = (async () => {
        while (!stopped()) {
          await sleep(Math.max(0, Math.min(nextTick, stopAt) - Date.now()), io.signal)
          if (stopped()) break
          nextTick += config.tickMs
          for (const e of watch.tick(Date.now())) {
            if (e.kind !== 'recovered') alertsTotal[e.kind]++
            const line = alertLine(e)
            io.stdout.write((json ? alertJson(e) : line) + '\n')
            if (exec !== undefined) runExec(exec, e, line, io)
          }
          if (verbose && Date.now() >= nextReport) {
            nextReport += config.windowMs
            const rows = watch.rows().slice(0, 10).map((r) => `${r.service}/${r.level} ${r.rate.toFixed(1)}/s` +
              (r.baseline === undefined ? '' : ` (base ${r.baseline.toFixed(1)})`))
            io.stderr.write(`watch: ${rows.join(', ') || 'no traffic'}\n`)
          }
        }
      })()
      await Promise.all([consumeLoop, tickLoop])
      if (failure !== undefined) throw failure instanceof Error ? failure : new Error('consuming failed')
    } finally {
      if (server !== undefined) {
        const srv = server
        await new Promise<void>((resolve) => {
          srv.close(() => { resolve() })
          srv.closeAllConnections()
        })
      }
      await consumer.close()
    }
    return EXIT.ok
  })
}
