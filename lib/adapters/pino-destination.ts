import { EventEmitter } from 'node:events'
import { KafkaLogProducer, type FlushResult } from '../core/producer'
import type { KafkaLogOptions } from '../core/options'

type FlushCallback = (err?: Error | null, result?: FlushResult) => void

/**
 * A pino destination on the main thread, like `pino.destination()`: `write`, `flush(cb)`,
 * `flushSync`, `end`. Works as `pino(opts, dest)` and inside `pino.multistream`.
 * Lines go to the core as pino wrote them. Exit handling is the core's: flush on
 * SIGTERM/SIGINT, a bounded hand-over on process.exit() and crashes.
 *
 * Events: `drain`, `finish`, `close`, and `error` (the producer's errors, forwarded only
 * while someone listens here: an unheard error must not crash the app).
 */
export class KafkaDestination extends EventEmitter {
  /** The core producer behind this destination (metrics, events). */
  readonly producer: KafkaLogProducer
  /** pino recognizes a destination stream by this flag; false once ended. */
  writable = true
  #ending: Promise<FlushResult> | undefined

  constructor (options: KafkaLogOptions) {
    super()
    this.producer = new KafkaLogProducer(options)
    this.producer.on('drain', () => this.emit('drain'))
    let forwarding = false
    this.on('newListener', (event: string) => {
      if (event !== 'error' || forwarding) return
      forwarding = true
      this.producer.on('error', (err) => this.emit('error', err))
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
