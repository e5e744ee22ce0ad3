import { once } from 'node:events'
import build from 'pino-abstract-transport'
import { KafkaLogProducer } from '../core/producer'
import type { KafkaLogOptions } from '../core/options'

/**
 * The pino worker target. Lines reach the core as pino wrote them (never re-serialized).
 * On close (logger end, process exit) the producer flushes and disconnects before the
 * worker ends: a worker that ends while its producer is connecting aborts the process.
 */
export function pinoTransport (options: KafkaLogOptions): ReturnType<typeof build> {
  const producer = new KafkaLogProducer(options)
  return build(async (source) => {
    for await (const line of source as AsyncIterable<string>) {
      if (!producer.write(line)) await once(producer, 'drain')
    }
  }, {
    parse: 'lines',
    close: async () => { await producer.close() }
  })
}

export default pinoTransport
