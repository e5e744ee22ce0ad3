// Issue #32: a record's own time becomes its Kafka timestamp only when a broker can take it.
// Kafka refuses a whole produce batch for one record whose CreateTime is outside its window
// (by default more than an hour ahead of the broker's clock): every record that shared the
// batch was lost with it. Here, against the real broker: bad times in a batch, a topic with
// a tighter window, the spool's replay (a host clock ahead of the broker's: timestamps-clock).
// (test/run.mjs runs this file a second time on node-rdkafka's produce(), KLT_NATIVE_BATCH=0.)
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { KafkaLogProducer } from 'kafka-log-transport'
import { brokers, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const HOUR = 3600 * 1000
const YEAR = 365 * 24 * HOUR

const line = (i, time, more = '') => `{"level":30,"time":${time},"pid":1,"hostname":"h","i":${i}${more},"msg":"m"}\n`
const byI = (got) => new Map(got.map((m) => [JSON.parse(m.value.toString()).i, m]))

async function produce (t, topic, write, options = {}) {
  const producer = new KafkaLogProducer({ brokers: brokers(), topic, exitHook: false, ...options })
  const errors = []
  producer.on('delivery-error', (e) => errors.push(e.message))
  producer.on('error', (e) => errors.push(e.message))
  t.teardown(() => producer.close(1000))
  const t0 = Date.now()
  write(producer)
  const done = await producer.close(30000)
  return { done, errors, metrics: producer.metrics(), t0, t1: Date.now() }
}

// the table of issue #32: line 500 of 1,000 on one partition carries a time far ahead
for (const [ahead, label] of [[HOUR, 'now + 1 h'], [2 * HOUR, 'now + 2 h'], [10 * YEAR, 'now + 10 years']]) {
  for (const input of ['lines', 'objects']) {
    t.test(`one record at ${label} in a batch of 1,000 ${input} on one partition: all 1,000 delivered`, async (t) => {
      const topic = await createTopic(uniqueTopic('klt-ts-future'))
      const N = 1000
      const BAD = 500
      const { done, errors, metrics, t0, t1 } = await produce(t, topic, (p) => {
        const now = Date.now()
        for (let i = 0; i < N; i++) {
          const time = i === BAD ? now + ahead : now
          p.write(input === 'lines' ? line(i, time) : { level: 30, time, i, msg: 'm' })
        }
      })
      t.same(done, { delivered: N, failed: 0, pending: 0 }, errors.join('; '))
      t.same(errors, [], 'no delivery error')
      t.equal(metrics.timestamps.replaced, 1, 'one record sent with the send time, counted')
      const got = byI(await consumeAll(topic, N, { settleMs: 300 }))
      t.equal(got.size, N, 'all 1,000 are in Kafka')
      const bad = got.get(BAD)
      t.ok(bad.timestamp >= t0 && bad.timestamp <= t1, `its Kafka timestamp is the send time (${bad.timestamp} in [${t0}, ${t1}])`)
      t.equal(JSON.parse(bad.value.toString()).time, JSON.parse(got.get(BAD + 1).value.toString()).time + ahead, 'its value keeps its own time')
      t.ok([...got.values()].filter((m) => m !== bad).every((m) => m.timestamp === JSON.parse(m.value.toString()).time), 'the others carry their own time')
    })
  }
}

t.test('times in µs and ns become ms; a far-future, negative, 0, 1970 or NaN time gives the send time', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-ts-units'))
  const ms = Date.now() - 1000
  const cases = [
    ['ms', `${ms}`, ms],
    ['seconds', `${Math.floor(ms / 1000)}`, Math.floor(ms / 1000) * 1000],
    ['µs', `${ms}123`, ms],
    ['ns', `${ms}123456`, ms],
    ['ISO text', `"${new Date(ms).toISOString()}"`, ms],
    ['1e300', '1e300', 'send'],
    ['99999999999999999999', '99999999999999999999', 'send'],
    ['negative', '-5', 'send'],
    ['0', '0', 'send'],
    ['1 (1970)', '1', 'send'],
    ['null', 'null', 'send']
  ]
  const { done, metrics, t0, t1 } = await produce(t, topic, (p) => {
    cases.forEach(([, time], i) => p.write(line(i, time)))
    p.write({ level: 30, time: Number.NaN, i: cases.length, msg: 'NaN' }) // serialized as null
    p.write({ level: 30, time: 1e300, i: cases.length + 1, msg: '1e300' })
  })
  t.same(done, { delivered: cases.length + 2, failed: 0, pending: 0 })
  const got = byI(await consumeAll(topic, cases.length + 2, { settleMs: 300 }))
  cases.forEach(([what, , want], i) => {
    const ts = got.get(i)?.timestamp
    if (want === 'send') t.ok(ts >= t0 && ts <= t1, `${what}: the send time (${ts})`)
    else t.equal(ts, want, `${what}: ${want}`)
  })
  t.ok(got.get(cases.length).timestamp >= t0, 'an object with time NaN: the send time')
  t.ok(got.get(cases.length + 1).timestamp <= t1, 'an object with time 1e300: the send time')
  t.equal(metrics.timestamps.replaced, 4, 'counted: 1e300 (a line and an object), 99999999999999999999 and 1 (1970); a negative time, 0, null and NaN read as no time')
})

for (const spool of [false, true]) {
  t.test(`a topic that allows 60 s ahead (message.timestamp.after.max.ms): records 3 minutes ahead are refused, sent again, delivered${spool ? ' (with a spool: a report per record)' : ''}`, async (t) => {
    const topic = await createTopic(uniqueTopic('klt-ts-tight'), { partitions: 2, config: { 'message.timestamp.after.max.ms': '60000' } })
    const N = 300
    const dir = spool ? fs.mkdtempSync(path.join(os.tmpdir(), 'klt-ts-spool-')) : undefined
    if (dir) t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
    const { done, errors, metrics, t0, t1 } = await produce(t, topic, (p) => {
      const now = Date.now()
      for (let i = 0; i < N; i++) {
        const time = i % 10 === 0 ? now + 3 * 60000 : now
        p.write(i % 2 ? line(i, time, `,"k":"k${i % 7}"`) : { level: 30, time, i, k: `k${i % 7}`, msg: 'm' })
      }
      p.write('2026-12-07T12:00:00.000Z ERROR a plain text line\n')
    }, { key: 'k', headers: { app: 'ts-test' }, logHeaders: ['content-type', 'level'], ...(dir ? { spool: { dir } } : {}) })
    t.same(done, { delivered: N + 1, failed: 0, pending: 0 }, errors.join('; '))
    t.same(errors, [], 'no delivery error: nothing failed that could be delivered')
    t.ok(metrics.timestamps.resent >= N / 10, `the refused records were sent again (${metrics.timestamps.resent})`)
    t.equal(metrics.timestamps.correctionMs, 0, 'the host clock is not taken for fast')
    const all = await consumeAll(topic, N + 1, { settleMs: 300 })
    const got = byI(all.filter((m) => m.value[0] === 0x7b))
    t.equal(got.size, N, `all ${N} JSON records are in Kafka, once`)
    for (let i = 0; i < N; i += 10) {
      const m = got.get(i)
      if (!(m.timestamp >= t0 && m.timestamp <= t1)) t.fail(`record ${i}: Kafka timestamp ${m.timestamp} is not the send time`)
    }
    t.ok([...got.values()].every((m) => m.key.toString() === JSON.parse(m.value.toString()).k), 'each keeps its key')
    t.ok([...got.values()].every((m) => m.headers.app === 'ts-test' && m.headers['content-type'] === 'application/json'), 'and its headers')
    const text = all.find((m) => m.value[0] !== 0x7b)
    t.same([text?.headers['content-type'], text?.headers.level], ['text/plain', 'error'], 'the text line too')
  })
}

t.test('records replayed from the spool follow the same rule', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-ts-replay'))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-ts-replay-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const N = 200
  const away = new KafkaLogProducer({ brokers: '127.0.0.1:9', topic, spool: { dir }, exitHook: false, connectTimeoutMs: 1000 })
  away.on('error', () => {})
  const now = Date.now()
  for (let i = 0; i < N; i++) away.write(line(i, i % 4 === 0 ? now + 10 * YEAR : now))
  await away.close(500)
  t.equal(away.metrics().spool.records, N, 'Kafka was away: all of them wait in the spool')
  const { done, metrics, t0, t1 } = await produce(t, topic, () => {}, { spool: { dir } })
  t.same(done, { delivered: N, failed: 0, pending: 0 }, 'replayed, all delivered')
  t.equal(metrics.timestamps.replaced, N / 4, 'the far-future ones with the send time, counted')
  const got = byI(await consumeAll(topic, N, { settleMs: 300 }))
  t.equal(got.size, N)
  t.ok([...got.entries()].every(([i, m]) => i % 4 === 0 ? m.timestamp >= t0 && m.timestamp <= t1 : m.timestamp === now), 'their own time, or the send time')
})
