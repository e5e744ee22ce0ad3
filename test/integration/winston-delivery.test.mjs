// Issue #6: winston logs through KafkaTransport into a real broker, read back: what is
// sent, routing by level/service, keying by a metadata field, level filtering, backpressure,
// and logger.end() flushing before 'finish'. Counts come from Kafka, not from counters.
import t from 'tap'
import winston from 'winston'
import { KafkaTransport } from 'kafka-log-transport/winston'
import { brokers, consumeAll, countRecords, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

function ended (logger) {
  return new Promise((resolve) => {
    logger.on('finish', resolve)
    logger.end()
  })
}

t.test('json lines, metadata, defaultMeta, child metadata and splat arrive; logger.end() flushes before finish', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-winston'), { partitions: 3 })
  const transport = new KafkaTransport({ brokers: brokers(), topic, key: 'reqId', logHeaders: true })
  const logger = winston.createLogger({
    level: 'debug',
    defaultMeta: { service: 'checkout' },
    format: winston.format.combine(winston.format.errors({ stack: true }), winston.format.timestamp(), winston.format.splat(), winston.format.json()),
    transports: [transport]
  })
  const N = 3000
  for (let i = 0; i < N; i++) logger.info('order %s placed', `o-${i}`, { reqId: `r-${i % 20}`, i })
  const child = logger.child({ reqId: 'child-req', component: 'payments' })
  child.warn('from the child')
  logger.error(new Error('kaboom'))
  await ended(logger)
  // 'finish' came after the flush: everything is acknowledged already
  t.match(transport.producer.metrics(), { written: N + 2, delivered: N + 2, dropped: 0, pending: 0 })

  const got = await consumeAll(topic, N + 2)
  t.equal(got.length, N + 2, 'every log is in Kafka, once')
  const recs = got.map((m) => ({ ...JSON.parse(m.value.toString()), key: m.key?.toString(), headers: m.headers }))
  const infos = recs.filter((r) => r.message.startsWith('order'))
  t.equal(new Set(infos.map((r) => r.i)).size, N)
  const r7 = infos.find((r) => r.i === 7)
  t.match(r7, { level: 'info', message: 'order o-7 placed', service: 'checkout', reqId: 'r-7', key: 'r-7' })
  t.ok(!Number.isNaN(Date.parse(r7.timestamp)))
  t.equal(r7.headers.level, 'info', 'level header')
  t.equal(r7.headers['content-type'], 'application/json')
  t.match(recs.find((r) => r.message === 'from the child'), { level: 'warn', reqId: 'child-req', component: 'payments', service: 'checkout', key: 'child-req' })
  t.match(recs.find((r) => r.level === 'error'), { message: 'kaboom', service: 'checkout', stack: /kaboom/ })
})

t.test('no finalizing format: a safe JSON of the info (circular metadata, errors, bigint)', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-winston-raw'))
  const transport = new KafkaTransport({ brokers: brokers(), topic })
  const logger = winston.createLogger({ format: winston.format.timestamp(), defaultMeta: { service: 'raw' }, transports: [transport] })
  const meta = { big: 10n, err: new Error('inner') }
  meta.self = meta
  logger.info('odd values', meta)
  logger.info('user %s logged in', 'bob', { extra: true })
  await ended(logger)
  const got = (await consumeAll(topic, 2)).map((m) => JSON.parse(m.value.toString()))
  t.equal(got.length, 2)
  t.match(got[0], { level: 'info', message: 'odd values', service: 'raw', big: '10', self: { self: '[Circular]' }, err: { message: 'inner' } })
  t.match(got[1], { message: 'user %s logged in', splat: ['bob', { extra: true }] }, 'arguments winston kept aside are sent')
})

t.test('topic template from level and service, key from a metadata field, with a text format', async (t) => {
  const service = `svc${Date.now() % 100000}`
  const topics = { info: `klt-w-${service}-info`, error: `klt-w-${service}-error` }
  for (const tp of Object.values(topics)) await createTopic(tp, { partitions: 4 })
  const transport = new KafkaTransport({ brokers: brokers(), topic: 'klt-w-{service}-{level}', key: 'user.id', level: 'info', format: winston.format.simple() })
  const logger = winston.createLogger({ level: 'debug', defaultMeta: { service }, transports: [transport] })
  for (let i = 0; i < 200; i++) {
    logger.debug('filtered out', { user: { id: `u${i % 10}` } })
    logger.info(`hello ${i}`, { user: { id: `u${i % 10}` } })
    if (i % 4 === 0) logger.error(`failed ${i}`, { user: { id: `u${i % 10}` } })
  }
  await ended(logger)
  const info = await consumeAll(topics.info, 200)
  const error = await consumeAll(topics.error, 50)
  t.equal(info.length, 200, 'info records in the info topic (debug filtered by the transport level)')
  t.equal(error.length, 50, 'error records in the error topic')
  t.match(info[0].value.toString(), /^info: hello \d+/, 'the text the format made is the value')
  const partitionOfKey = new Map()
  let mixed = 0
  for (const m of info) {
    const key = m.key.toString()
    if (!/^u\d$/.test(key)) mixed++
    if (partitionOfKey.has(key) && partitionOfKey.get(key) !== m.partition) mixed++
    partitionOfKey.set(key, m.partition)
  }
  t.equal(mixed, 0, 'every record keyed by user.id, one partition per key')
  t.equal(partitionOfKey.size, 10)
})

t.test("overflow 'block': callbacks held until drain; nothing dropped while the connection comes up", async (t) => {
  const topic = await createTopic(uniqueTopic('klt-winston-block'))
  const transport = new KafkaTransport({ brokers: brokers(), topic, overflow: 'block', maxBufferMessages: 50 })
  const logger = winston.createLogger({ transports: [transport] })
  const N = 5000
  for (let i = 0; i < N; i++) logger.info(`line ${i}`, { i })
  // before the connection is up the core holds 50; winston holds the rest
  t.ok(transport.producer.metrics().written <= 51, `the core took ${transport.producer.metrics().written} before 'drain'`)
  t.ok(transport.writableLength > 0 || logger.readableLength > 0, 'winston holds the rest (backpressure reached it)')
  await ended(logger)
  t.match(transport.producer.metrics(), { written: N, dropped: 0, delivered: N })
  t.equal(await countRecords(topic), N, 'all in Kafka')
  const seq = (await consumeAll(topic, N)).map((m) => JSON.parse(m.value.toString()).i)
  t.same(seq, Array.from({ length: N }, (_, i) => i), 'in order')
})

t.test('transport.close(): detaches from the logger, flushes, then finish', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-winston-close'))
  const transport = new KafkaTransport({ brokers: brokers(), topic })
  const logger = winston.createLogger({ transports: [transport] })
  for (let i = 0; i < 100; i++) logger.info(`m${i}`)
  const finished = new Promise((resolve) => transport.once('finish', resolve))
  const result = await transport.close(15000)
  await finished
  t.same(result, { delivered: 100, failed: 0, pending: 0 })
  t.equal(logger.transports.length, 0, 'no longer piped')
  t.equal(await countRecords(topic), 100)
})
