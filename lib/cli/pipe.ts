import { KafkaLogError, KafkaLogProducer, type Compression, type Encoding, type OverflowPolicy } from '../index'
import {
  COMMON_OPTIONS, CliError, EXIT, UsageError, flag, runCommand, parseDuration, parseNumber, redactText, required,
  showProperties, str, type CliIo
} from './args'

export const PIPE_USAGE = `Usage: <command> | kafka-log-transport pipe --brokers HOST:PORT --topic TOPIC [options]

Send stdin into Kafka, one record per line (NDJSON or plain text, sent as they are),
through a bounded buffer. On end of input or SIGINT/SIGTERM it flushes, prints a summary
on stderr and exits 3 if any line was not delivered.

Options:
  -b, --brokers LIST          bootstrap brokers, host:port[,host:port] (env KAFKA_BROKERS)
  -t, --topic TOPIC           topic, or a template such as logs.{service} (env KAFKA_TOPIC)
      --topic-template TPL    same as --topic with a template, e.g. logs.{service}.{level}
  -k, --key FIELD             partition key: a field path such as reqId or req.id, or hostname
      --compression CODEC     lz4 (default), zstd, gzip, snappy, none
      --encoding ENCODING     raw (default: each line as it is), otlp_json or otlp_proto
                              (an OTLP log export request per line, for the
                              OpenTelemetry Collector; needs @opentelemetry/otlp-transformer)
      --oauthbearer-token-file FILE  SASL/OAUTHBEARER token in FILE, read again before
                              it expires (sets sasl.mechanisms OAUTHBEARER)
      --max-buffer N          records held while Kafka is slow or away (default 100000)
      --overflow POLICY       at that bound: block (default: stop reading stdin, so the
                              writing app waits), drop-oldest or drop-newest (the app
                              never waits; drops are counted and make the exit code 3)
      --tee                   also copy stdin to stdout
  -q, --quiet                 no live counter, no summary (errors are still printed)
  -X KEY=VALUE                a librdkafka property (repeatable), e.g. -X client.id=myapp
  -c, --config FILE           JSON file with any of these settings and "rdkafka": {...}
                              (env KAFKA_LOG_TRANSPORT_CONFIG)
      --timeout DURATION      give up when Kafka cannot be reached for this long (default 10s)
      --flush-timeout DURATION  longest wait for deliveries at the end (default 10s)
  -v, --verbose               print the settings in use (secrets masked) on stderr
  -h, --help                  this help

Durations: 500ms, 10s, 2m; a bare number is seconds. Flags win over the environment,
which wins over the config file.
Exit codes: 0 all delivered, 1 runtime error (e.g. broker unreachable), 2 bad usage,
3 some lines not delivered.
`

const OPTIONS = {
  ...COMMON_OPTIONS,
  key: { type: 'string', short: 'k' },
  'topic-template': { type: 'string' },
  compression: { type: 'string' },
  encoding: { type: 'string' },
  'oauthbearer-token-file': { type: 'string' },
  'max-buffer': { type: 'string' },
  overflow: { type: 'string' },
  'flush-timeout': { type: 'string' },
  tee: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' }
} as const

const OVERFLOW: Record<string, OverflowPolicy | undefined> = { block: 'block', 'drop-oldest': 'dropOldest', 'drop-newest': 'dropNewest' }
const NEWLINE = 0x0a
// A line longer than this is sent in pieces (the producer truncates records over 1 MB anyway).
const MAX_LINE_BYTES = 4 * 1024 * 1024
const COUNTER_MS = 250

type Stop = 'eof' | 'signal' | 'unreachable' | 'input-error'

// The core's connect error ends with a promise: "... Still retrying, buffering up to N
// records." pipe gives up instead, so here that sentence would be false. The rest is kept
// rather than rewritten: only that message carries librdkafka's own words (e.g. "Connection
// refused") and the hint for refused credentials.
const RETRY_PROMISE = /\s*Still retrying\b[\s\S]*$/i

function givenUp (message: string): string {
  return message.replace(RETRY_PROMISE, '').replace(/\.$/, '')
}

/** `pipe`: resolves to an exit code. */
export function run (argv: string[], io: CliIo): Promise<number> {
  return runCommand('pipe', argv, io, OPTIONS, PIPE_USAGE, async (s, rdkafka) => {
    const brokers = required(s, 'brokers')
    const template = str(s, 'topic-template')
    const topic = template ?? required(s, 'topic')
    const timeoutMs = parseDuration('timeout', str(s, 'timeout') ?? '10s')
    const flushMs = parseDuration('flush-timeout', str(s, 'flush-timeout') ?? '10s')
    const maxBuffer = parseNumber('max-buffer', str(s, 'max-buffer') ?? '100000', { min: 1, integer: true })
    const quiet = flag(s, 'quiet')
    const overflowText = str(s, 'overflow') ?? 'block'
    const overflow = OVERFLOW[overflowText]
    if (overflow === undefined) throw new UsageError(`--overflow takes block, drop-oldest or drop-newest, got ${JSON.stringify(overflowText)}`)
    const tokenFile = str(s, 'oauthbearer-token-file')
    const started = Date.now()

    const producer = new KafkaLogProducer({
      brokers,
      topic,
      key: str(s, 'key'),
      compression: str(s, 'compression') as Compression | undefined,
      encoding: str(s, 'encoding') as Encoding | undefined,
      ...(tokenFile === undefined ? {} : { oauthbearerToken: { file: tokenFile } }),
      rdkafka,
      // the CLI owns the process: it handles signals and exit itself
      exitHook: false,
      overflow,
      maxBufferMessages: maxBuffer,
      connectTimeoutMs: Math.max(1, timeoutMs),
      flushTimeoutMs: flushMs
    })
    if (flag(s, 'verbose')) {
      io.stderr.write(`pipe: brokers=${producer.options.brokers} topic=${topic} key=${String(producer.options.key)} ` +
        `timeout=${timeoutMs}ms flush-timeout=${flushMs}ms max-buffer=${maxBuffer} overflow=${overflowText} ${showProperties(rdkafka)}\n`)
    }

    let lines = 0
    const { promise: stopped, resolve: stop } = Promise.withResolvers<Stop>()
    let unreachable: KafkaLogError | undefined
    const { promise: unreachableSeen, resolve: onUnreachable } = Promise.withResolvers<undefined>()
    const otherErrors = new Set<string>()
    producer.on('error', (err: KafkaLogError) => {
      if (err.code === 'KLT_CONNECT_TIMEOUT' && !producer.metrics().connected) {
        unreachable = err
        onUnreachable(undefined)
        stop('unreachable')
        return
      }
      const msg = redactText(err.message, rdkafka)
      if (!otherErrors.has(msg)) {
        otherErrors.add(msg)
        io.stderr.write(`kafka-log-transport pipe: ${msg}\n`)
      }
    })
    let firstDeliveryError: string | undefined
    producer.on('delivery-error', (err: Error) => { firstDeliveryError ??= redactText(err.message, rdkafka) })

    // --- read stdin, line by line, pausing while the producer's buffer is full -------------
    const input = io.stdin
    let carry: Buffer | undefined
    let held: { chunk: Buffer, from: number } | undefined
    let ended = false
    const send = (line: Buffer): boolean => {
      let end = line.length
      if (end > 0 && line[end - 1] === 0x0d) end-- // CRLF
      if (end === 0) return true
      lines++
      const below = producer.write(end === line.length ? line : line.subarray(0, end))
      // only under 'block' does a full buffer pause stdin; the drop policies keep reading
      return below || overflow !== 'block'
    }
    const take = (chunk: Buffer, from: number): void => {
      let i = from
      while (i < chunk.length) {
        const nl = chunk.indexOf(NEWLINE, i)
        if (nl < 0) {
          const rest = chunk.subarray(i)
          carry = carry === undefined ? rest : Buffer.concat([carry, rest])
          if (carry.length >= MAX_LINE_BYTES) {
            const piece = carry
            carry = undefined
            if (!send(piece)) {
              pauseAt(chunk, chunk.length)
              return
            }
          }
          return
        }
        let line = chunk.subarray(i, nl)
        if (carry !== undefined) {
          line = Buffer.concat([carry, line])
          carry = undefined
        }
        i = nl + 1
        if (!send(line)) {
          pauseAt(chunk, i)
          return
        }
      }
    }
    const pauseAt = (chunk: Buffer, from: number): void => {
      input.pause()
      held = { chunk, from }
      void producer.waitForRoom().then(resumeHeld)
    }
    const resumeHeld = (): void => {
      if (held === undefined) return
      const h = held
      held = undefined
      take(h.chunk, h.from)
      if (held === undefined) {
        if (ended) finishInput()
        else input.resume()
      }
    }
    const finishInput = (): void => {
      if (carry !== undefined) {
        const last = carry
        carry = undefined
        send(last)
      }
      stop('eof')
    }
    const onData = (chunk: Buffer | string): void => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      if (flag(s, 'tee')) io.stdout.write(b)
      take(b, 0)
    }
    const onEnd = (): void => {
      ended = true
      if (held === undefined) finishInput()
    }
    let inputError: string | undefined
    const onError = (err: Error): void => {
      inputError = err.message
      stop('input-error')
    }
    const onAbort = (): void => { stop('signal') }
    input.on('data', onData)
    input.once('end', onEnd)
    input.once('error', onError)
    io.signal?.addEventListener('abort', onAbort, { once: true })
    if (io.signal?.aborted === true) stop('signal')

    const counter = !quiet && io.stderr.isTTY === true
      ? setInterval(() => {
        const m = producer.metrics()
        io.stderr.write(`\r\x1b[Klines ${lines}  sent ${m.written - m.buffered - m.dropped}  buffered ${m.buffered}  failed ${m.failed}  dropped ${m.dropped}`)
      }, COUNTER_MS)
      : undefined

    let why = await stopped
    if (why === 'eof' && lines > 0 && !producer.metrics().connected && unreachable === undefined) {
      // input ended before the first connection: a broker that never answers is an error
      // within --timeout, not a slow count of undelivered lines after --flush-timeout
      const aborted = new Promise<void>((resolve) => {
        if (io.signal?.aborted === true) resolve()
        io.signal?.addEventListener('abort', () => { resolve() }, { once: true })
      })
      await Promise.race([producer.connect().catch(() => undefined), unreachableSeen, aborted])
      if (unreachable !== undefined) why = 'unreachable'
    }
    held = undefined // input is over: what was held back is not read any more
    input.off('data', onData)
    input.off('end', onEnd)
    input.off('error', onError)
    io.signal?.removeEventListener('abort', onAbort)
    input.pause()
    if (counter !== undefined) {
      clearInterval(counter)
      io.stderr.write('\r\x1b[K')
    }

    if (why === 'unreachable') {
      // nothing got through: close quickly, the records cannot be delivered
      await producer.close(Math.min(flushMs, 1000))
      const m = producer.metrics()
      throw new CliError(`${redactText(unreachable === undefined ? 'Kafka is unreachable' : givenUp(unreachable.message), rdkafka)}; ` +
        `${m.written} line(s) read, none delivered`)
    }
    const result = await producer.close(flushMs)
    const m = producer.metrics()
    const lost = m.written - m.delivered
    const took = ((Date.now() - started) / 1000).toFixed(1)
    if (!quiet || lost > 0) {
      const drops = Object.entries(m.droppedByReason).filter(([, n]) => n > 0).map(([r, n]) => `${n} ${r}`).join(', ')
      io.stderr.write(`kafka-log-transport pipe: ${m.written} line(s) read, ${m.delivered} delivered to ${topic}, ${m.failed} failed, ` +
        `${m.dropped} dropped${drops === '' ? '' : ` (${drops})`}, ${result.pending} unconfirmed in ${took} s` +
        `${why === 'signal' ? ' (interrupted)' : ''}\n`)
    }
    if (firstDeliveryError !== undefined) io.stderr.write(`kafka-log-transport pipe: first delivery error: ${firstDeliveryError}\n`)
    if (why === 'input-error') throw new CliError(`reading stdin failed: ${inputError ?? 'unknown error'}`)
    return lost > 0 ? EXIT.undelivered : EXIT.ok
  })
}
