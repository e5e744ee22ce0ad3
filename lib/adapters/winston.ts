import TransportStream from 'winston-transport'
import { KafkaLogProducer } from '../core/producer'
import type { KafkaLogOptions } from '../core/options'

const MESSAGE = Symbol.for('message')

/** Options of {@link KafkaTransport}: the core's options plus winston's own. */
export type KafkaTransportOptions = KafkaLogOptions & TransportStream.TransportStreamOptions

/** A winston transport that sends each log to Kafka. */
export class KafkaTransport extends TransportStream {
  readonly producer: KafkaLogProducer

  constructor (options: KafkaTransportOptions) {
    const { level, silent, handleExceptions, handleRejections, format, ...rest } = options
    const core: Record<string, unknown> = { ...rest }
    for (const k of ['log', 'logv', 'close']) Reflect.deleteProperty(core, k)
    super({ level, silent, handleExceptions, handleRejections, format })
    this.producer = new KafkaLogProducer(core as unknown as KafkaLogOptions)
  }

  override log (info: Record<string | symbol, unknown>, callback: () => void): void {
    const formatted = info[MESSAGE]
    const ok = this.producer.write(typeof formatted === 'string' ? formatted : info)
    setImmediate(() => this.emit('logged', info))
    if (ok) callback()
    else this.producer.once('drain', callback)
  }

  override close (): void {
    void this.producer.close().then(() => this.emit('closed'))
  }
}
