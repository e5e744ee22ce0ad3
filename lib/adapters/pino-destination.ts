import { EventEmitter } from 'node:events'
import type { KafkaLogProducer, ConfigError, FlushResult, KafkaLogOptions } from '../index'
import { reportUnheard } from '../internal'
import { pinoConfigLabels, type PinoConfigMessage } from './pino-config'

type FlushCallback = (err?: Error | null, result?: FlushResult) => void

/**
 * A pino destination on the main thread, like `pino.destination()`: `write`, `flush(cb)`,
 * `flushSync`, `end`. Works as `pino(opts, dest)` and inside `pino.multistream`.
 * Lines go to the core as pino wrote them. Exit handling is the core's (README, "Exit").
 * It starts connecting at once, so that a crash soon after start finds it connected.
 *
 * Events: `drain`, `finish`, `close`, and `error` (the producer's errors, emitted only
 * when someone listens here at that moment; otherwise said on stderr once per code: an
 * unheard error must never crash the app).
 */
export class KafkaDestination extends EventEmitter {
  /** The core producer behind this destination (metrics, events). */
  readonly producer: KafkaLogProducer
  /** pino recognizes a destination stream by this flag; false once ended. */
  writable = true
  #ending: Promise<FlushResult> | undefined

  constructor (options: KafkaLogOptions) {
    super()
    this.producer = new (core().KafkaLogProducer)(options)
    this.producer.on('drain', () => this.emit('drain'))
    // a listener may come and go: look at emit time, never throw into the app
    this.producer.on('error', (err: Error) => {
      if (this.listenerCount('error') > 0) this.emit('error', err)
      else reportUnheard(this.producer, err)
    })
    this.producer.connect().catch(() => { /* closed before it connected: nothing to do */ })
    // pino tells a destination its config when a logger is made on it (also through
    // pino.multistream): the level names, custom levels included
    this.on('message', (m: PinoConfigMessage | null) => {
      const labels = pinoConfigLabels(m)
      if (labels === undefined) return
      try {
        this.producer.setLevelLabels({ ...this.producer.options.levelLabels, ...labels })
      } catch (err) {
        reportUnheard(this.producer, err as ConfigError)
      }
    })
  }

  /** Never throws; false when the buffer is at its bound (then `'drain'` follows). */
  write (line: string | Buffer): boolean {
    return this.producer.write(line)
  }

  /** Resolve `cb` once everything written is acknowledged, or at `flushTimeoutMs`; never an error. */
  flush (cb?: FlushCallback): void {
    this.producer.flush().then((r) => cb?.(null, r), (e: unknown) => cb?.(e instanceof Error ? e : new Error(String(e))))
  }

  /**
   * Hand everything buffered to librdkafka now, synchronously. Acknowledgements can only
   * arrive asynchronously: use `flush(cb)` to wait for them.
   */
  flushSync (): void {
    this.producer.handOver()
  }

  /** Flush and close the producer (bounded by `flushTimeoutMs`), then `'finish'` and `'close'`. */
  end (cb?: () => void): this {
    if (this.#ending === undefined) {
      this.writable = false
      this.#ending = this.producer.close()
      void this.#ending.then(() => {
        this.emit('finish')
        this.emit('close')
      })
    }
    void this.#ending.then(() => cb?.())
    return this
  }

  destroy (): this {
    return this.end()
  }
}

/** Create a main-thread destination: `pino(opts, kafkaDestination({ brokers, topic }))`. */
export function kafkaDestination (options: KafkaLogOptions): KafkaDestination {
  return new KafkaDestination(options)
}

/**
 * The core, loaded when a destination is made: `kafka-log-transport/pino` is also what a
 * pino worker thread loads for the worker target, which never makes a producer there.
 */
function core (): typeof import('../index') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../index') as typeof import('../index')
}
