import TransportStream from 'winston-transport'
import { ConfigError, type KafkaLogOptions, type LogFields, KafkaLogProducer, type FlushResult } from '../index'
import { bounded, resolveOptions, describeValue } from '../internal'

// triple-beam's symbols (winston's own, shared through the global symbol registry)
const LEVEL = Symbol.for('level')
const MESSAGE = Symbol.for('message')
const SPLAT = Symbol.for('splat')
// winston's exception and rejection handlers call process.exit(1) 3000 ms after logging
// the fatal record: flush within less than that, so the record is acknowledged first.
const FATAL_FLUSH_MS = 2500
// an end() that waits for the lines a logger still holds looks again this often (and at each drain)
const END_RECHECK_MS = 20

type Info = Record<string | symbol, unknown>
type Callback = (err?: Error | null) => void
type Payload = string | Record<string, unknown>

/** The options winston's base transport reads; everything else belongs to the core. */
interface WinstonSideOptions {
  /** Most verbose level sent (winston's level filtering). Default: the logger's level. */
  level?: string
  silent?: boolean
  handleExceptions?: boolean
  handleRejections?: boolean
  /** A per-transport logform format, applied after the logger's format. */
  format?: TransportStream.TransportStreamOptions['format']
  /** Infos winston buffers in this transport's stream before the logger pauses. Default 16. */
  highWaterMark?: number
}

/** Options of {@link KafkaTransport}: the core's options plus winston's own. */
export type KafkaTransportOptions = KafkaLogOptions & WinstonSideOptions

const WINSTON_KEYS = ['level', 'silent', 'handleExceptions', 'handleRejections', 'format', 'highWaterMark'] as const

function checkWinstonOptions (o: Record<string, unknown>): void {
  for (const k of ['silent', 'handleExceptions', 'handleRejections'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new ConfigError(k, `got ${describeValue(o[k])}, expected a boolean`)
  }
  if (o['level'] !== undefined && (typeof o['level'] !== 'string' || o['level'] === '')) {
    throw new ConfigError('level', `got ${describeValue(o['level'])}, expected a level name such as 'info'`)
  }
  const f = o['format']
  if (f !== undefined && (f === null || typeof f !== 'object' || typeof (f as { transform?: unknown }).transform !== 'function')) {
    throw new ConfigError('format', `got ${describeValue(f)}, expected a logform format such as winston.format.json()`)
  }
  const hwm = o['highWaterMark']
  if (hwm !== undefined && (typeof hwm !== 'number' || !Number.isInteger(hwm) || hwm < 1)) {
    throw new ConfigError('highWaterMark', `got ${describeValue(hwm)}, expected an integer >= 1`)
  }
}

/**
 * What goes to Kafka when no format produced `info[MESSAGE]`: the info's own fields with
 * the uncoloured level, a timestamp when it has none, an Error's message and stack, and
 * the extra arguments winston kept aside (`info[SPLAT]`) when they were not merged in.
 */
export function infoToRecord (info: Info): Record<string, unknown> {
  const out: Record<string, unknown> = { ...info }
  if (info instanceof Error) {
    out['message'] = info.message
    out['stack'] = info.stack
  }
  const level = info[LEVEL]
  if (typeof level === 'string') out['level'] = level
  if (out['timestamp'] === undefined) out['timestamp'] = new Date().toISOString()
  const splat = info[SPLAT]
  if (Array.isArray(splat) && splat.length > 0 && !mergedMeta(splat, info)) out['splat'] = splat
  return out
}

/** winston merges a lone metadata object into the info itself (`logger.info('msg', { meta })`). */
function mergedMeta (splat: unknown[], info: Info): boolean {
  if (splat.length !== 1) return false
  const meta = splat[0]
  if (meta === null || typeof meta !== 'object') return false
  return Object.keys(meta).every((k) => k === 'message' || k === 'stack' || k === 'cause' || info[k] === (meta as Info)[k])
}

/** The fields topic templates and keys read: the info itself, with the uncoloured level. */
function routingFields (info: Info): LogFields {
  const level = info[LEVEL]
  if (typeof level !== 'string' || info['level'] === level) return info
  return { ...info, level }
}

/**
 * A winston transport that publishes each log to Kafka through a {@link KafkaLogProducer}.
 *
 * - Sends `info[MESSAGE]` (what the formats produced) as it is; without it, a safe JSON of the info.
 * - Topic templates and keys read the info (level, metadata), whatever the format.
 * - Calls back once the record is buffered; with `overflow: 'block'`, only after `'drain'`
 *   when the buffer is full, so backpressure reaches winston. Emits `'logged'`.
 * - `logger.end()` and `close()` flush (bounded by `flushTimeoutMs`) before `'finish'`.
 * - Kafka problems are emitted as `'warn'` (winston forwards them to `logger.on('warn')`), or
 *   become a process warning when nobody listens: an `'error'` on a transport makes winston
 *   unpipe and close it, or throw into the application.
 */
export class KafkaTransport extends TransportStream {
  /** The producer behind this transport: `metrics()`, `flush()`, `'drop'` and other events. */
  readonly producer: KafkaLogProducer
  // set by winston's exception/rejection handlers before they log the fatal record
  declare _ending?: boolean
  // set by winston-transport when a logger pipes into this transport
  declare parent?: (NodeJS.EventEmitter & { exitOnError?: unknown, unpipe: (dest: NodeJS.WritableStream) => unknown }) | null

  readonly #block: boolean
  /** Records waiting for 'drain' (winston's exception stream calls log() directly, unserialized). */
  #waiting: Array<{ payload: Payload | undefined, info: Info, callback: Callback | undefined }> = []
  #holding = false
  #closing: Promise<FlushResult> | undefined
  #closeStarted = false
  /** Resolved when the stream's _final() runs: every pending write went through log(). */
  readonly #final = Promise.withResolvers<undefined>()

  /** Throws {@link ConfigError} for a bad option; no I/O until the first log. */
  constructor (options: KafkaTransportOptions) {
    if (options === null || typeof options !== 'object') throw new ConfigError('options', `got ${describeValue(options)}, expected an object with at least brokers and topic`)
    const winston: Record<string, unknown> = {}
    const core: Record<string, unknown> = { ...options }
    for (const k of WINSTON_KEYS) {
      winston[k] = core[k]
      Reflect.deleteProperty(core, k)
    }
    checkWinstonOptions(winston)
    const resolved = resolveOptions(core) // validated here, once; the producer re-reads the same values
    super(winston)
    this.#block = resolved.overflow === 'block'
    this.producer = this.createProducer(core as unknown as KafkaLogOptions)
    this.producer.on('error', (err: Error) => { this.#warn(err) })
  }

  /** Builds the producer; a subclass may return another (unit tests pass a fake). */
  protected createProducer (options: KafkaLogOptions): KafkaLogProducer {
    return new KafkaLogProducer(options)
  }

  /** winston's hook: send one info. Never throws. */
  override log (info: Info, callback?: Callback): void {
    const formatted = info[MESSAGE]
    const payload = typeof formatted === 'string' ? formatted : infoToRecord(info)
    if (this.#holding) this.#waiting.push({ payload, info, callback })
    else this.#send(payload, info, callback)
    if ((info['exception'] === true || info['rejection'] === true) && this._ending === true) this.#fatalLogged()
  }

  /** Wait until what was logged so far is acknowledged, or `timeoutMs` passes. */
  flush (timeoutMs?: number): Promise<FlushResult> {
    return this.producer.flush(timeoutMs)
  }

  /**
   * Detach from the logger, deliver what was logged (bounded by `timeoutMs`, default
   * `flushTimeoutMs`), close the producer, then end this stream (`'finish'`). Idempotent.
   */
  // winston calls close() and ignores what it returns; the promise never rejects
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  override close (timeoutMs?: number): Promise<FlushResult> {
    if (this.#closing === undefined) {
      this.#closeStarted = true
      this.#closing = this.#shutdown(timeoutMs ?? this.producer.options.flushTimeoutMs)
      // winston calls close() on unpipe; a direct call detaches too, so that no log reaches
      // an ended stream (winston would throw that 'error' at the application)
      this.parent?.unpipe(this)
    }
    return this.#closing
  }

  /**
   * winston's Logger._final ends each transport once the logger's own writable side is done,
   * which can be while lines still wait in its readable buffer for this transport (held
   * back under 'block'): they would then be written after the end, lost, and thrown at the
   * app as 'write after end'. So an end while the logger still holds lines for us waits
   * until they are written here (bounded by flushTimeoutMs).
   */
  override end (...args: unknown[]): this {
    const parent = this.parent
    if (this.#closeStarted || !holdsLines(parent)) return super.end(...(args as []))
    const deadline = Date.now() + this.producer.options.flushTimeoutMs
    const again = (): void => {
      clearTimeout(timer)
      this.off('drain', soon)
      if (this.parent === parent && holdsLines(parent) && !this.#closeStarted && Date.now() < deadline) {
        timer = setTimeout(again, END_RECHECK_MS)
        this.once('drain', soon)
      } else {
        super.end(...(args as []))
      }
    }
    // after 'drain' the pipe writes what the logger holds (its own 'drain' listener): look then
    const soon = (): void => { setImmediate(again) }
    let timer = setTimeout(again, END_RECHECK_MS)
    this.once('drain', soon)
    return this
  }

  /** Called by the stream once every pending write went through log(): flush before 'finish'. */
  override _final (callback: Callback): void {
    this.#final.resolve(undefined)
    void this.close().then(() => { callback() }, () => { callback() })
  }

  // winston-transport's _write and _writev rethrow a format's exception into logger.info();
  // ours report it instead. Its _writev also calls every log() of a batch at once and the
  // batch back before they are taken: here each waits for the previous, so a held
  // callback holds the batch.
  override _write (info: Info, encoding: BufferEncoding, callback: Callback): void {
    try {
      super._write(info, encoding, callback)
    } catch (err) {
      this.#warn(err instanceof Error ? err : new Error(String(err))) // the base called back before throwing
    }
  }

  override _writev (chunks: Array<{ chunk: Info, encoding: BufferEncoding }>, callback: Callback): void {
    let i = 0
    const next = (): void => {
      while (i < chunks.length) {
        const c = chunks[i++]
        if (c === undefined) continue
        let sync = true
        let called = false
        this._write(c.chunk, c.encoding, () => {
          called = true
          if (!sync) next()
        })
        sync = false
        if (!called) return
      }
      callback()
    }
    next()
  }

  #send (payload: Payload, info: Info, callback: Callback | undefined): void {
    // topic, key and level come from what was logged, not from the text a format made of it
    const accepted = this.producer.write(payload, routingFields(info))
    if (this.listenerCount('logged') > 0) setImmediate(() => this.emit('logged', info))
    // full under 'block': hold the callback (winston buffers and pauses) until 'drain'.
    // Under the drop policies the core keeps its bound by dropping: holding would move an
    // unbounded buffer into winston instead.
    if (!accepted && this.#block && !this.#closeStarted) {
      if (!this.#holding) void this.producer.waitForRoom().then(() => { this.#release() })
      this.#holding = true
      if (callback) this.#waiting.push({ payload: undefined, info, callback }) // its record went in already
      return
    }
    callback?.()
  }

  /** Room again (or closed): send what waited, holding again if the buffer fills. */
  #release (): void {
    const waiting = this.#waiting
    this.#waiting = []
    this.#holding = false
    for (let i = 0; i < waiting.length; i++) {
      const w = waiting[i]
      if (w === undefined) continue
      if (w.payload === undefined) w.callback?.()
      else this.#send(w.payload, w.info, w.callback)
      if (this.#holding) {
        this.#waiting.push(...waiting.slice(i + 1))
        return
      }
    }
  }

  /** A fatal record under winston's exception/rejection handler: deliver it, then finish. */
  #fatalLogged (): void {
    this._ending = false
    if (this.parent?.exitOnError === false) return // winston will not exit: carry on as usual
    void this.close(Math.min(this.producer.options.flushTimeoutMs, FATAL_FLUSH_MS))
  }

  async #shutdown (timeoutMs: number): Promise<FlushResult> {
    const deadline = Date.now() + timeoutMs
    const ending = (this as unknown as { _writableState?: { ending?: boolean } })._writableState?.ending === true
    if (!ending) this.end()
    // every write winston buffered in this stream reaches log() first (bounded)
    await bounded(timeoutMs, (done) => { void this.#final.promise.then(done); return () => {} })
    const result = await this.producer.close(Math.max(0, deadline - Date.now()))
    this.#release() // anything still waiting goes to the closed producer: counted as dropped
    return result
  }

  #warn (err: Error): void {
    this.emit('warn', err)
    const parentHears = (this.parent?.listenerCount('warn') ?? 0) > 0
    const forwarder = (this as unknown as Record<string, unknown>)['__winstonwarn'] // winston's, added on logger.add()
    if (!parentHears && !this.listeners('warn').some((l) => l !== forwarder)) {
      process.emitWarning(err.message, { code: (err as { code?: string }).code ?? 'KLT_WINSTON' })
    }
  }
}

/** Does a piping logger still hold lines in its readable buffer (not yet written to us)? */
function holdsLines (parent: unknown): boolean {
  return ((parent as { readableLength?: number } | null | undefined)?.readableLength ?? 0) > 0
}
