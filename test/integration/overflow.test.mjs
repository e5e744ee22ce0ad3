// Issue #9: an outage longer than the buffer holds. Each overflow policy does what it says,
// the fallback receives exactly what was dropped, and written = delivered + failed + dropped.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { KafkaLogProducer } from 'kafka-log-transport'
import { startSingle } from '../kafka/harness.mjs'
import { consumeAll, uniqueTopic } from '../helpers/kafka.mjs'
import { ownPort } from '../kafka/ports.mjs'

const PORT = ownPort('overflow') // a broker of this test's own (see test/kafka/ports.mjs)
const BOUND = 1000
const N = 3000

const seqsOf = (lines) => lines.filter(Boolean).map((l) => JSON.parse(l).seq)
const range = (from, to) => Array.from({ length: to - from }, (_, i) => from + i)

function invariant (t, producer) {
  const m = producer.metrics()
  t.equal(m.written, m.delivered + m.failed + m.dropped + m.pending,
    `written ${m.written} = delivered ${m.delivered} + failed ${m.failed} + dropped ${m.dropped} + pending ${m.pending}`)
  return m
}

t.test('dropOldest and block, broker up after the buffer overflowed', async (t) => {
  const bootstrap = `127.0.0.1:${PORT}`
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-fallback-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const fallbackFile = path.join(dir, 'dropped.ndjson')
  const oldestTopic = uniqueTopic('klt-drop-oldest')
  const blockTopic = uniqueTopic('klt-block')
  const oldest = new KafkaLogProducer({ brokers: bootstrap, topic: oldestTopic, maxBufferMessages: BOUND, overflow: 'dropOldest', fallback: fallbackFile })
  const block = new KafkaLogProducer({ brokers: bootstrap, topic: blockTopic, maxBufferMessages: BOUND, overflow: 'block' })
  for (const p of [oldest, block]) p.on('error', () => {}) // the ConnectError is expected here
  t.teardown(() => Promise.all([oldest.close(), block.close()]))

  const accepted = []
  let drains = 0
  block.on('drain', () => drains++)
  for (let seq = 0; seq < N; seq++) {
    oldest.write({ level: 30, seq })
    accepted.push(block.write({ level: 30, seq }))
  }
  t.equal(accepted.indexOf(false), BOUND - 1, 'block: write() returns false once the bound is reached')
  t.equal(block.metrics().droppedByReason['buffer-full'], N - BOUND, 'block: what the caller wrote anyway is dropped, counted')
  t.equal(oldest.metrics().droppedByReason['buffer-full'], N - BOUND, 'dropOldest: the oldest are dropped, counted')

  const kafka = await startSingle({ port: PORT })
  t.teardown(() => kafka.stop())
  t.same(await oldest.flush(60000), { delivered: BOUND, failed: 0, pending: 0 })
  t.same(await block.flush(60000), { delivered: BOUND, failed: 0, pending: 0 })
  t.equal(drains, 1, "block: 'drain' follows once the buffer empties")
  invariant(t, oldest)
  invariant(t, block)

  const newest = (await consumeAll(oldestTopic, BOUND, { bootstrap, settleMs: 500 })).map((m) => JSON.parse(m.value.toString()).seq)
  t.same(newest.sort((a, b) => a - b), range(N - BOUND, N), 'dropOldest: the newest records are the ones in Kafka')
  const first = (await consumeAll(blockTopic, BOUND, { bootstrap, settleMs: 500 })).map((m) => JSON.parse(m.value.toString()).seq)
  t.same(first.sort((a, b) => a - b), range(0, BOUND), 'block: the records accepted before the bound are the ones in Kafka')
  await oldest.close()
  t.same(seqsOf(fs.readFileSync(fallbackFile, 'utf8').split('\n')), range(0, N - BOUND), 'the fallback file holds exactly the dropped records, oldest first')
})

t.test('dropNewest with a fallback stream, broker never reachable: everything ends in the fallback', async (t) => {
  const sink = new PassThrough()
  const lines = []
  sink.on('data', (d) => lines.push(...d.toString().split('\n')))
  const producer = new KafkaLogProducer({ brokers: '127.0.0.1:9', topic: 'nowhere', maxBufferMessages: BOUND, overflow: 'dropNewest', fallback: sink, connectTimeoutMs: 1000 })
  producer.on('error', () => {})
  const drops = []
  producer.on('drop', (reason) => drops.push(reason))
  for (let seq = 0; seq < N; seq++) producer.write({ level: 30, seq })
  t.equal(producer.metrics().buffered, BOUND, 'the buffer holds its bound')
  t.same(seqsOf(lines), range(BOUND, N), 'the newest records went to the fallback at once')
  await producer.close(1000)
  const m = invariant(t, producer)
  t.same(m.droppedByReason, { 'buffer-full': N - BOUND, 'bad-record': 0, closed: BOUND, 'too-large': 0 })
  t.equal(drops.length, N, "a 'drop' event per record")
  t.same(seqsOf(lines).sort((a, b) => a - b), range(0, N), 'and at close the buffered ones followed: nothing vanished')
})
