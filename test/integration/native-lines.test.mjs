// Issue #18: writeLines() on the native line path (native/lines.cc) must put in Kafka what
// the JS encoder puts there for the same lines: topic, key, value, timestamp and headers,
// line for line, for pino's lines and for every line it hands back to the JS encoder.
// Both paths run here against the broker, one topic each, and the records are compared.
import t from 'tap'
import { hostname } from 'node:os'
import { KafkaLogProducer } from 'kafka-log-transport'
import { brokers, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const now = Date.now()
const pino = (level, extra = {}) => JSON.stringify({ level, time: now, pid: 1, hostname: 'h', ...extra, msg: 'hello' })

// every kind of line a chunk can hold; `seq` tells them apart once read back
const LINES = [
  pino(30, { reqId: 'req-1', seq: 0 }),
  pino(40, { reqId: 'req-2', seq: 1 }) + '\r', // CRLF
  pino(35, { reqId: 'custom', seq: 2 }), // a custom level (its name from levelLabels)
  pino(99, { reqId: 'unnamed', seq: 3 }), // a level without a name: its number
  JSON.stringify({ level: 'warn', time: now, reqId: 'label', seq: 4 }), // formatters.level
  pino(30, { reqId: 42, seq: 5 }), // a number key
  pino(30, { reqId: -7, seq: 6 }),
  pino(30, { reqId: 1.50, seq: 7 }), // JSON would write it 1.5: the JS encoder decides
  pino(30, { reqId: true, seq: 8 }),
  pino(30, { reqId: null, seq: 9 }), // no key
  pino(30, { seq: 10 }), // no key field
  pino(30, { reqId: 'quote"d\\n', seq: 11 }), // escapes: the JS encoder
  pino(30, { reqId: { nested: 1 }, seq: 12 }), // an object key: the JS encoder
  pino(30, { req: { reqId: 'inner' }, reqId: 'outer', seq: 13 }), // nested name first, then the top-level one
  JSON.stringify({ time: now, level: 30, reqId: 'time-first', seq: 14 }), // not pino's head order
  JSON.stringify({ '@timestamp': new Date(now).toISOString(), 'log.level': 'error', reqId: 'ecs', seq: 15 }),
  pino(30, { reqId: 'traced', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', seq: 16 }),
  JSON.stringify({ level: 30, time: Math.floor(now / 1000), reqId: 'seconds', seq: 17 }),
  JSON.stringify({ level: 30, time: now * 1000, reqId: 'micros', seq: 18 }),
  'plain text line seq=19 error: disk full',
  '',
  pino(30, { reqId: 'ünïcödé-键', seq: 20 }),
  pino(50, { reqId: 'big', seq: 21, pad: 'x'.repeat(3000) }), // over maxMessageBytes: cut by the JS encoder
  // own times Kafka must not get as timestamps (issue #32): the send time on both paths
  pino(30, { reqId: 'future', seq: 23, time: now + 2 * 3600 * 1000 }),
  JSON.stringify({ level: 30, time: now + 10 * 365 * 24 * 3600 * 1000, reqId: 'far-future', seq: 24 }),
  JSON.stringify({ level: 30, time: 0, reqId: 'zero', seq: 25 }),
  '{"level":30,"time":-5,"reqId":"negative","seq":26}',
  '{"level":30,"time":1e300,"reqId":"huge","seq":27}',
  '{"level":30,"time":1.5e12,"reqId":"exponent","seq":28}', // not digits to its end: the JS encoder reads it
  JSON.stringify({ level: 30, time: now * 1000000, reqId: 'nanos', seq: 29 }),
  pino(30, { reqId: 'last', seq: 22 })
]
const CHUNK = Buffer.from(LINES.join('\n') + '\n' + pino(30, { reqId: 'unfinished' }))
const RECORDS = LINES.filter((l) => l !== '').length

/** Write the chunk's lines on one path, with writeLines() or one write() per line; the records as read back. */
async function through (t, path, options, how = 'writeLines') {
  const before = process.env.KLT_NATIVE_LINES
  process.env.KLT_NATIVE_LINES = path === 'native' ? '' : '0'
  const topic = await createTopic(uniqueTopic(`lines-${path}`))
  const producer = new KafkaLogProducer({ brokers: brokers(), maxMessageBytes: 2000, ...options(topic) })
  t.teardown(() => producer.close())
  try {
    await producer.connect()
    if (path === 'native') t.match(producer.producePath, /^native lines/, 'the native line path is used')
    else t.notMatch(producer.producePath, /^native lines/, 'the JS encoder is used')
    if (how === 'writeLines') {
      const { next, full } = producer.writeLines(CHUNK)
      t.equal(next, CHUNK.lastIndexOf(0x0a) + 1, 'every complete line taken, the unfinished one left')
      t.equal(full, false)
    } else {
      // as pino's destinations write: one whole line per call, the newline at its end (an empty line is a record of its own here)
      for (const line of LINES) if (line !== '') t.equal(producer.write(how === 'write-strings' ? line + '\n' : Buffer.from(line)), true)
    }
    const flushed = await producer.flush(20000)
    t.same(flushed, { delivered: RECORDS, failed: 0, pending: 0 }, `${path}: every record acknowledged`)
    t.equal(producer.metrics().written, RECORDS, `${path}: every line counted as written`)
  } finally {
    if (before === undefined) delete process.env.KLT_NATIVE_LINES
    else process.env.KLT_NATIVE_LINES = before
  }
  return await consumeAll(topic, RECORDS, { settleMs: 200 })
}

/**
 * A record as comparable text, its log id checked and set aside (each is new), and a send
 * time (the producer's clock: a line without a time, or with one that cannot be a Kafka
 * timestamp) as 'now'. Every own time in LINES is `now` or before it; a send time is after.
 */
function comparable (t, m) {
  const { 'log-id': id, ...headers } = m.headers
  if (id !== undefined) t.match(id, UUID_V7, 'a UUIDv7 log id')
  const value = m.value.toString()
  const timestamp = value.startsWith('{') && m.timestamp <= now ? m.timestamp : 'now'
  return JSON.stringify({ value, key: m.key?.toString() ?? null, timestamp, headers, logId: id !== undefined })
}

const VARIANTS = {
  'key field, every header, static headers, custom level names': (topic) => ({ topic, key: 'reqId', headers: { service: 'checkout', env: 'test' }, levelLabels: { 35: 'notice' } }),
  'hostname key, no per-record headers': (topic) => ({ topic, key: 'hostname', logHeaders: false }),
  'no key, level and log-id headers only': (topic) => ({ topic, key: 'none', logHeaders: ['log-id', 'level'] })
}

for (const [name, options] of Object.entries(VARIANTS)) {
  t.test(`native lines and the JS encoder give the same records: ${name}`, async (t) => {
    const js = await through(t, 'js', options)
    t.equal(js.length, RECORDS, 'JS: every record in Kafka, no more')
    for (const how of ['writeLines', 'write-strings', 'write-buffers']) {
      const native = await through(t, 'native', options, how)
      t.equal(native.length, RECORDS, `native, ${how}: every record in Kafka, no more`)
      // one partition: the topic's order is the chunk's order on both paths
      let same = 0
      for (let i = 0; i < RECORDS; i++) {
        const [a, b] = [comparable(t, native[i]), comparable(t, js[i])]
        if (a === b) same++
        else if (same === i) t.comment(`first difference, record ${i}: ${a} vs ${b}`)
      }
      t.equal(same, RECORDS, `native, ${how}: every record the same as the JS encoder's`)
    }
    if (options('x').key === 'hostname') t.equal(js[0].key.toString(), hostname())
  })
}

t.test('a {level} topic: each record in its level\'s topic on the native path too', async (t) => {
  const base = uniqueTopic('lines-level')
  for (const level of ['info', 'warn', 'notice', '99', 'error', 'unknown']) await createTopic(`${base}-${level}`)
  const producer = new KafkaLogProducer({ brokers: brokers(), topic: `${base}-{level}`, key: 'reqId', levelLabels: { 35: 'notice' } })
  t.teardown(() => producer.close())
  await producer.connect()
  t.match(producer.producePath, /^native lines/)
  producer.writeLines(CHUNK)
  const flushed = await producer.flush(20000)
  t.equal(flushed.pending, 0)
  const counts = {}
  for (const level of ['info', 'warn', 'notice', '99', 'error', 'unknown']) counts[level] = (await consumeAll(`${base}-${level}`, 1, { settleMs: 200, timeoutMs: 10000 })).length
  // info: seq 0, 5-14, 16-18, 20, 22-29; warn: 1, 4; error: the ECS line, 21; plain text without a leading level: unknown
  t.same(counts, { info: 23, warn: 2, notice: 1, 99: 1, error: 2, unknown: 1 })
})

t.test('writeLines under a full buffer says so and resumes where it stopped', async (t) => {
  const topic = await createTopic(uniqueTopic('lines-full'))
  // not connected yet: the lines wait in the JS buffer, which holds 5
  const producer = new KafkaLogProducer({ brokers: brokers(), topic, key: 'reqId', maxBufferMessages: 5, overflow: 'block' })
  t.teardown(() => producer.close())
  const chunk = Buffer.from(Array.from({ length: 8 }, (_, i) => pino(30, { reqId: `r${i}`, seq: i })).join('\n') + '\n')
  const first = producer.writeLines(chunk)
  t.equal(first.full, true, 'the buffer reached its bound')
  await producer.waitForRoom()
  const rest = producer.writeLines(chunk, first.next)
  t.same(rest, { next: chunk.length, full: false })
  t.same(await producer.flush(20000), { delivered: 8, failed: 0, pending: 0 })
  const got = await consumeAll(topic, 8, { settleMs: 200 })
  t.same(got.map((m) => JSON.parse(m.value.toString()).seq), [0, 1, 2, 3, 4, 5, 6, 7], 'all, once, in order')
})
