// Issue #6: nothing listens at the broker address. Under the default policy the core's
// bound holds (winston does not buffer instead), logging never throws, and logger.end()
// finishes by the flush deadline with the loss counted.
import t from 'tap'
import winston from 'winston'
import { KafkaTransport } from 'kafka-log-transport/winston'

t.test('broker down, dropOldest: bounded memory, no throw, end() keeps its deadline', async (t) => {
  const transport = new KafkaTransport({ brokers: '127.0.0.1:9', topic: 'nowhere', maxBufferMessages: 1000, connectTimeoutMs: 1000, flushTimeoutMs: 2000 })
  const logger = winston.createLogger({ transports: [transport] })
  const warns = []
  logger.on('warn', (err) => warns.push(err.code))
  const N = 20000
  t.doesNotThrow(() => { for (let i = 0; i < N; i++) logger.info(`line ${i}`, { i, pad: 'x'.repeat(200) }) })
  await new Promise((resolve) => setTimeout(resolve, 1500)) // past connectTimeoutMs
  const m = transport.producer.metrics()
  t.equal(m.written, N, 'every log reached the core (winston holds nothing back)')
  t.ok(m.buffered <= 1000, `the core holds at most its bound (${m.buffered})`)
  t.equal(transport.writableLength, 0, 'nothing piles up in the transport stream')
  t.equal(m.droppedByReason['buffer-full'], N - m.buffered, 'the rest dropped (oldest first) and counted')
  t.ok(warns.includes('KLT_CONNECT_TIMEOUT'), 'the connect timeout reached logger.on("warn")')
  const t0 = Date.now()
  await new Promise((resolve) => { logger.on('finish', resolve); logger.end() })
  const took = Date.now() - t0
  t.ok(took < 2000 + 11000, `logger.end() finished after ${took} ms (flush deadline 2000 ms plus at most one connect attempt)`)
  const after = transport.producer.metrics()
  t.equal(after.pending, 0)
  t.equal(after.dropped, N, 'every log accounted for as dropped')
})
