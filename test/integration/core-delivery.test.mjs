// Issue #4: what the core promises about delivery, checked by reading Kafka back.
import t from 'tap'
import { KafkaLogProducer } from 'kafka-log-transport'
import { brokers, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { hasFeature, missingFeature } from '../helpers/features.mjs'

function invariant (t, producer) {
  const m = producer.metrics()
  t.equal(m.written, m.delivered + m.failed + m.dropped + m.pending, `written ${m.written} = delivered ${m.delivered} + failed ${m.failed} + dropped ${m.dropped} + pending ${m.pending}`)
  return m
}

t.test('order per key holds, also through the QUEUE_FULL path (tiny librdkafka queue)', async (t) => {
  const topic = await createTopic(uniqueTopic(), { partitions: 3 })
  const producer = new KafkaLogProducer({ brokers: brokers(), topic, key: 'k', rdkafka: { 'queue.buffering.max.messages': 10 } })
  t.teardown(() => producer.close())
  const N = 5000
  for (let i = 0; i < N; i++) producer.write(`{"level":30,"time":${Date.now()},"k":"key-${i % 10}","seq":${i}}\n`)
  t.same(await producer.flush(60000), { delivered: N, failed: 0, pending: 0 })
  invariant(t, producer)
  const got = await consumeAll(topic, N)
  t.equal(got.length, N)
  const last = new Map()
  let outOfOrder = 0
  for (const m of got.sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    const { k, seq } = JSON.parse(m.value.toString())
    if ((last.get(k) ?? -1) > seq) outOfOrder++
    last.set(k, seq)
  }
  t.equal(outOfOrder, 0, 'each key\'s records are in write order')
})

t.test('every compression codec round-trips', async (t) => {
  for (const compression of ['lz4', 'zstd', 'gzip', 'snappy', 'none']) {
    if (compression !== 'none' && !hasFeature(t, compression)) {
      t.throws(() => new KafkaLogProducer({ brokers: brokers(), topic: 'x', compression }),
        { code: 'KLT_INVALID_OPTIONS', message: new RegExp(`without ${compression}.*${missingFeature(compression).debian}.*npm rebuild node-rdkafka`) },
        `${compression}: absent from this build, the error names the package and the rebuild`)
      continue
    }
    const topic = await createTopic(uniqueTopic(`klt-${compression}`))
    const producer = new KafkaLogProducer({ brokers: brokers(), topic, compression })
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ level: 30, i, msg: 'x'.repeat(i % 50), codec: compression }))
    for (const l of lines) producer.write(l)
    await producer.close(15000)
    const got = (await consumeAll(topic, lines.length, { settleMs: 200 })).map((m) => m.value.toString()).sort()
    t.same(got, [...lines].sort(), `${compression}: content intact`)
  }
})

t.test('topic templates route records by their fields', async (t) => {
  const prefix = uniqueTopic('klt-tpl')
  await createTopic(`${prefix}.checkout.info`)
  await createTopic(`${prefix}.search.warn`)
  const producer = new KafkaLogProducer({ brokers: brokers(), topic: `${prefix}.{service}.{level}` })
  t.teardown(() => producer.close())
  for (let i = 0; i < 20; i++) producer.write({ level: 30, service: 'checkout', i })
  for (let i = 0; i < 10; i++) producer.write(`{"level":40,"time":1,"service":"search","i":${i}}`)
  producer.write({ level: 30, service: 'bad/name' })
  t.same(await producer.flush(15000), { delivered: 30, failed: 0, pending: 0 })
  t.equal((await consumeAll(`${prefix}.checkout.info`, 20, { settleMs: 200 })).length, 20)
  t.equal((await consumeAll(`${prefix}.search.warn`, 10, { settleMs: 200 })).length, 10)
  t.equal(invariant(t, producer).droppedByReason['bad-record'], 1, 'a template yielding an invalid topic name is a counted drop')
})

t.test('bad input is serialized safely or dropped and counted; other records are unaffected', async (t) => {
  const topic = await createTopic(uniqueTopic())
  const producer = new KafkaLogProducer({ brokers: brokers(), topic })
  t.teardown(() => producer.close())
  const drops = []
  producer.on('drop', (reason, err) => drops.push([reason, err?.code]))
  const circular = { level: 30, msg: 'circular' }
  circular.self = circular
  const inputs = [null, undefined, 42, Symbol('s'), circular, { level: 30, big: 10n }, { level: 30, [Symbol('k')]: 1, msg: 'symbol key' },
    { level: 30, get boom () { throw new Error('getter') } }, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'plain text line']
  for (const x of inputs) t.doesNotThrow(() => producer.write(x))
  t.same(drops.map((d) => d[0]), ['bad-record', 'bad-record', 'bad-record', 'bad-record'], 'null, undefined, a number and a symbol are counted drops')
  t.equal(drops[0][1], 'KLT_BAD_RECORD')
  await producer.flush(15000)
  const m = invariant(t, producer)
  t.equal(m.delivered, 6)
  const values = (await consumeAll(topic, 6, { settleMs: 300 })).map((x) => x.value.toString())
  t.equal(values.length, 6)
  t.ok(values.includes('{"level":30,"msg":"circular","self":"[Circular]"}'))
  t.ok(values.includes('{"level":30,"big":"10"}'))
  t.ok(values.includes('{"level":30,"msg":"symbol key"}'))
  t.ok(values.includes('{"level":30,"boom":"[Throws: getter]"}'))
  t.ok(values.includes('plain text line'))
})

t.test('oversized records: truncated with a marker (valid JSON) or dropped, always counted', async (t) => {
  const topic = await createTopic(uniqueTopic())
  const big = JSON.stringify({ level: 50, time: 1700000000000, msg: 'y'.repeat(3 * 1024 * 1024) })
  const truncating = new KafkaLogProducer({ brokers: brokers(), topic })
  truncating.write(big)
  truncating.write('{"level":30,"msg":"small"}')
  await truncating.close(15000)
  t.equal(truncating.metrics().truncated, 1)
  t.equal(truncating.metrics().delivered, 2)
  const got = await consumeAll(topic, 2, { settleMs: 300 })
  const cut = got.find((m) => m.headers.truncated)
  t.ok(cut, 'the truncated record has a truncated header')
  const parsed = JSON.parse(cut.value.toString())
  t.match(parsed, { level: 50, time: 1700000000000, truncated: true, originalBytes: big.length })
  t.ok(cut.value.length <= 1000000, `value cut to ${cut.value.length} bytes`)

  const dropping = new KafkaLogProducer({ brokers: brokers(), topic, oversized: 'drop', maxMessageBytes: 4096 })
  dropping.write('z'.repeat(5000))
  dropping.write('fits')
  await dropping.close(15000)
  t.equal(dropping.metrics().droppedByReason['too-large'], 1)
  t.equal(dropping.metrics().delivered, 1)
  // read back: the topic holds the two records above and 'fits', once; the dropped one is not there
  const after = (await consumeAll(topic, 3, { settleMs: 300 })).map((m) => m.value.toString())
  t.same(after.filter((v) => !v.startsWith('{')), ['fits'], 'the one that fits arrived, once; the oversized one did not')
  t.equal(after.length, 3)
})

t.test('records carrying trace ids get a W3C traceparent header', async (t) => {
  const topic = await createTopic(uniqueTopic())
  const producer = new KafkaLogProducer({ brokers: brokers(), topic, logHeaders: ['traceparent'] })
  producer.write('{"level":30,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","trace_flags":"01","msg":"traced"}')
  producer.write({ level: 30, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', msg: 'camel' })
  producer.write({ level: 30, msg: 'untraced' })
  await producer.close(15000)
  const got = await consumeAll(topic, 3, { settleMs: 300 })
  const tp = got.map((m) => m.headers.traceparent).filter(Boolean)
  t.same(tp, ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'])
})

t.test('logHeaders: by default only where the value cannot tell, all, none, or the chosen few, as Kafka stores them', async (t) => {
  const line = '{"level":50,"time":1700000000000,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","msg":"m"}'
  const text = 'error: disk full'
  const cases = [
    [undefined, line, []],
    [undefined, text, ['content-type', 'level']],
    [true, line, ['content-type', 'log-id', 'level', 'traceparent']],
    [false, text, []],
    [['traceparent', 'level'], line, ['level', 'traceparent']],
    [['log-id'], line, ['log-id']]
  ]
  for (const [logHeaders, value, names] of cases) {
    const topic = await createTopic(uniqueTopic())
    const producer = new KafkaLogProducer({ brokers: brokers(), topic, logHeaders, headers: { service: 'checkout' } })
    producer.write(value)
    const what = `logHeaders ${JSON.stringify(logHeaders)}, ${value === line ? 'a JSON line' : 'a text line'}`
    t.same(await producer.close(15000), { delivered: 1, failed: 0, pending: 0 }, `${what}: acknowledged by the broker`)
    const [got] = await consumeAll(topic, 1, { settleMs: 300 })
    if (!got) {
      t.fail(`${what}: acknowledged, but not read back from ${topic}`)
      continue
    }
    t.same(Object.keys(got.headers).sort(), ['service', ...names].sort(), what)
    if (names.includes('level')) t.equal(got.headers.level, 'error')
    if (names.includes('content-type')) t.equal(got.headers['content-type'], value === line ? 'application/json' : 'text/plain', what)
    t.equal(got.value.toString(), value, 'the line itself is unchanged')
  }
})

t.test('deliveryReports "all" feeds the write-to-ack latency histogram', async (t) => {
  const topic = await createTopic(uniqueTopic())
  const producer = new KafkaLogProducer({ brokers: brokers(), topic, deliveryReports: 'all' })
  for (let i = 0; i < 500; i++) producer.write({ level: 30, i })
  await producer.close(15000)
  const m = producer.metrics()
  t.equal(m.delivered, 500)
  t.equal(m.latencyMs.count, 500)
  t.ok(m.latencyMs.p50 > 0 && m.latencyMs.p50 <= m.latencyMs.p99 && m.latencyMs.p99 <= m.latencyMs.max, JSON.stringify(m.latencyMs))
})

t.test('librdkafka statistics appear in metrics() when enabled', async (t) => {
  const topic = await createTopic(uniqueTopic())
  const producer = new KafkaLogProducer({ brokers: brokers(), topic, rdkafka: { 'statistics.interval.ms': 100 } })
  t.teardown(() => producer.close())
  producer.write({ level: 30 })
  await producer.flush(10000)
  await new Promise((resolve) => setTimeout(resolve, 400))
  const stats = producer.metrics().rdkafka
  t.equal(stats?.type, 'producer')
  t.ok(typeof stats?.txmsgs === 'number', 'has txmsgs')
})

// With error-only reports (the default) successes were counted only at flush points: a
// service that never flushes showed every record it ever wrote as pending, and its exit said
// hundreds of thousands "not confirmed". About once a second what librdkafka acknowledged counts.
t.test('without any flush, acknowledged records count as delivered within seconds (error-only reports)', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-confirm'))
  const producer = new KafkaLogProducer({ brokers: brokers(), topic })
  t.teardown(() => producer.close())
  await producer.connect()
  for (let i = 0; i < 1000; i++) producer.write({ level: 30, i })
  let m = producer.metrics()
  for (const end = Date.now() + 10000; m.delivered < 1000 && Date.now() < end; m = producer.metrics()) await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(m.delivered, 1000, 'all delivered, no flush called')
  t.equal(m.pending, 0)
  t.equal((await consumeAll(topic, 1000)).length, 1000, 'and all in Kafka')
})
