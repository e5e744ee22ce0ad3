// Issue #5: what a pino user gets in Kafka through the worker target and the main-thread
// destination: lines as pino wrote them, a level header, pino's time as the Kafka
// timestamp, keys and topic templates from the log's fields; levels per target.
import t from 'tap'
import pino from 'pino'
import { kafkaDestination, kafkaTransport } from 'kafka-log-transport/pino'
import { endStream } from '../helpers/pino-stream.mjs'
import { brokers, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'


function checkRecords (t, got, n) {
  t.equal(got.length, n, `${n} records in Kafka`)
  const byKey = new Map()
  for (const m of got) {
    const line = m.value.toString()
    const rec = JSON.parse(line)
    t.equal(m.timestamp, rec.time, 'the Kafka timestamp is pino\'s time')
    t.equal(m.headers.level, pino.levels.labels[rec.level], 'a level header with the label')
    t.equal(m.key.toString(), rec.reqId, 'keyed by reqId')
    if (!byKey.has(rec.reqId)) byKey.set(rec.reqId, new Set())
    byKey.get(rec.reqId).add(m.partition)
  }
  t.ok([...byKey.values()].every((s) => s.size === 1), 'one partition per key')
  return got.map((m) => JSON.parse(m.value.toString()))
}

for (const mode of ['worker', 'destination']) {
  t.test(`${mode}: lines, level header, timestamp, key`, async (t) => {
    const topic = await createTopic(uniqueTopic(`klt-pino-${mode}`), { partitions: 3 })
    const options = { brokers: brokers(), topic, key: 'reqId', logHeaders: ['level'] }
    const stream = mode === 'worker' ? pino.transport({ target: 'kafka-log-transport/pino', options }) : kafkaDestination(options)
    const logger = pino({ level: 'trace' }, stream)
    const N = 600
    const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']
    for (let i = 0; i < N; i++) logger[levels[i % levels.length]]({ reqId: `r${i % 7}`, i }, `message ${i}`)
    await endStream(stream)
    const recs = checkRecords(t, await consumeAll(topic, N, { settleMs: 300 }), N)
    t.same(recs.map((r) => r.i).sort((a, b) => a - b), Array.from({ length: N }, (_, i) => i), 'every line once')
    t.ok(recs.every((r) => typeof r.msg === 'string' && r.hostname && r.pid), 'as pino wrote them')
  })

  t.test(`${mode}: topic template from the log's fields`, async (t) => {
    const prefix = uniqueTopic('klt-pino-tpl')
    await createTopic(`${prefix}.checkout`)
    await createTopic(`${prefix}.search`)
    const options = { brokers: brokers(), topic: `${prefix}.{service}` }
    const stream = mode === 'worker' ? pino.transport({ target: 'kafka-log-transport/pino', options }) : kafkaDestination(options)
    const logger = pino(stream)
    for (let i = 0; i < 30; i++) logger.child({ service: i % 3 ? 'checkout' : 'search' }).info({ i }, 'routed')
    await endStream(stream)
    t.equal((await consumeAll(`${prefix}.checkout`, 20, { settleMs: 200 })).length, 20)
    t.equal((await consumeAll(`${prefix}.search`, 10, { settleMs: 200 })).length, 10)
  })
}

t.test('pino.transport({ targets }): info and up to Kafka, everything to another target', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-pino-targets'))
  const transport = pino.transport({
    targets: [
      { target: 'kafka-log-transport/pino', level: 'info', options: { brokers: brokers(), topic, logHeaders: ['level'] } },
      { target: 'pino/file', level: 'trace', options: { destination: '/dev/null' } }
    ]
  })
  const logger = pino({ level: 'trace' }, transport)
  for (let i = 0; i < 100; i++) logger[i % 2 ? 'debug' : 'warn']({ i }, 'mixed')
  await endStream(transport)
  const got = await consumeAll(topic, 50, { settleMs: 500 })
  t.equal(got.length, 50, 'only the warn lines')
  t.ok(got.every((m) => m.headers.level === 'warn'))
})

t.test('pino.multistream with the destination: levels per stream', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-pino-multi'))
  const dest = kafkaDestination({ brokers: brokers(), topic })
  const seen = []
  const logger = pino({ level: 'debug' }, pino.multistream([
    { level: 'error', stream: dest },
    { level: 'debug', stream: { write: (l) => seen.push(l) } }
  ]))
  for (let i = 0; i < 40; i++) logger[i % 4 === 0 ? 'error' : 'info']({ i }, 'multi')
  await new Promise((resolve) => logger.flush(resolve))
  await new Promise((resolve) => dest.end(resolve))
  t.equal(seen.length, 40)
  t.equal((await consumeAll(topic, 10, { settleMs: 300 })).length, 10, 'errors only in Kafka')
})

t.test('kafkaTransport() throws a ConfigError at once for a bad option', async (t) => {
  t.throws(() => kafkaTransport({ brokers: brokers(), topic: 'ok', overflow: 'sometimes' }), { code: 'KLT_INVALID_OPTIONS', option: 'overflow' })
})
