import { EventEmitter } from 'node:events'
import { KafkaLogProducer, type FlushResult } from '../core/producer'
import type { KafkaLogOptions } from '../core/options'

/**
 * A pino destination on the main thread, like `pino.destination()`: `write`, `flush(cb)`, `end`.
 */
export class KafkaDestination extends EventEmitter {
  readonly producer: KafkaLogProducer

  constructor (options: KafkaLogOptions) {
    super()
    this.producer = new KafkaLogProducer(options)
    this.producer.on('drain', () => this.emit('drain'))
  }

  write (line: string): boolean {
    return this.producer.write(line)
  }

  flush (cb?: (err?: Error | null, result?: FlushResult) => void): void {
    this.producer.flush().then((r) => cb?.(null, r), (e: unknown) => cb?.(e instanceof Error ? e : new Error(String(e))))
  }

  end (cb?: () => void): void {
    this.producer.close().then(() => {
      this.emit('finish')
      this.emit('close')
      cb?.()
    }, () => cb?.())
  }
}

/** Create a main-thread destination: `pino(opts, kafkaDestination({ brokers, topic }))`. */
export function kafkaDestination (options: KafkaLogOptions): KafkaDestination {
  return new KafkaDestination(options)
}
