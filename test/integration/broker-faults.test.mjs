// Issue #9 (first part): a broker that goes away, comes late or freezes. Each test starts
// its own single node from the Kafka jars (it must own the process it kills or freezes),
// and counts what arrived in Kafka by log id.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { KafkaLogProducer } from 'kafka-log-transport'
import { startSingle } from '../kafka/harness.mjs'
import { consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { ownPort } from '../kafka/ports.mjs'

/** Read `topic` back; resolve with { ids: unique log ids, seqs: Set, total }. */
async function readBack (topic, expected, bootstrap) {
  const got = await consumeAll(topic, expected, { bootstrap, timeoutMs: 60000, settleMs: 1000 })
  return {
    total: got.length,
    ids: new Set(got.map((m) => m.headers['log-id'])),
    seqs: new Set(got.map((m) => JSON.parse(m.value.toString()).seq))
  }
}

t.test('broker killed and restarted in the middle of 100,000 logs: 0 lost, 0 duplicated', async (t) => {
  const kafka = await startSingle({ port: ownPort('broker-faults', 0) })
  t.teardown(() => kafka.stop())
  const node = kafka.nodes[0]
  const bootstrap = kafka.brokers
  const topic = await createTopic(uniqueTopic('klt-restart'), { partitions: 3, bootstrap })
  const producer = new KafkaLogProducer({ brokers: bootstrap, topic, key: 'k', logHeaders: ['log-id'] })
  t.teardown(() => producer.close())
  const N = 100000
  let seq = 0
  // a steady stream: 2,000 logs every 100 ms, for 5 s
  const writing = (async () => {
    while (seq < N) {
      for (let i = 0; i < 2000; i++, seq++) producer.write({ level: 30, time: Date.now(), k: `key-${seq % 50}`, seq })
      await sleep(100)
    }
  })()
  await sleep(1500)
  node.signal('SIGKILL')
  t.ok(await node.waitExit(5000), 'the broker is gone')
  await sleep(2000)
  node.start()
  await node.waitReady({ timeoutMs: 60000 })
  await writing
  const r = await producer.flush(90000)
  t.same(r, { delivered: N, failed: 0, pending: 0 }, 'every record acknowledged')
  const m = producer.metrics()
  t.equal(m.written, m.delivered + m.failed + m.dropped + m.pending, 'written = delivered + failed + dropped + pending')
  const back = await readBack(topic, N, bootstrap)
  t.equal(back.seqs.size, N, 'every record is in Kafka')
  t.equal(back.total, N, 'and none twice (idempotent producer)')
  t.equal(back.ids.size, N, 'log ids are unique')
})

t.test('broker down when the app starts, up 10 s later: the app is not held up, buffered logs arrive', async (t) => {
  const bootstrap = `127.0.0.1:${ownPort('broker-faults', 1)}`
  const topic = uniqueTopic('klt-late')
  const producer = new KafkaLogProducer({ brokers: bootstrap, topic, connectTimeoutMs: 3000 })
  const errors = []
  producer.on('error', (e) => errors.push(e))
  t.teardown(() => producer.close())
  // event-loop lag, measured while the app logs and while it delivers (not while the test
  // harness formats the broker's storage, which blocks on a Java tool)
  let worstLag = 0
  const watchLag = () => {
    let last = performance.now()
    return setInterval(() => {
      const now = performance.now()
      worstLag = Math.max(worstLag, now - last - 20)
      last = now
    }, 20)
  }
  let lag = watchLag()
  // 500 logs a second for 10 s, while nothing answers at the broker address
  const N = 5000
  for (let seq = 0; seq < N; seq++) {
    producer.write({ level: 30, seq })
    if (seq % 500 === 499) await sleep(1000)
  }
  t.ok(errors.some((e) => e.code === 'KLT_CONNECT_TIMEOUT'), 'one clear ConnectError while the broker is missing')
  t.equal(producer.metrics().buffered, N, 'everything waits in the buffer')
  clearInterval(lag)
  const kafka = await startSingle({ port: ownPort('broker-faults', 1) })
  t.teardown(() => kafka.stop())
  lag = watchLag()
  const r = await producer.flush(60000)
  clearInterval(lag)
  // RELIABILITY.md, "the event loop is not held up meanwhile": a generous bound, not a speed
  // figure (that belongs in benchmarks/): a blocking connect or flush would stall it for seconds
  t.ok(worstLag < 1000, `the event loop never stalled (worst lag ${Math.round(worstLag)} ms)`)
  t.same(r, { delivered: N, failed: 0, pending: 0 })
  const back = await readBack(topic, N, kafka.brokers)
  t.equal(back.seqs.size, N, 'every buffered log is in Kafka')
  t.equal(back.total, N)
})

t.test('broker frozen (SIGSTOP): flush() and close() return within their timeouts', async (t) => {
  const kafka = await startSingle({ port: ownPort('broker-faults', 2) })
  t.teardown(() => kafka.stop())
  const node = kafka.nodes[0]
  const topic = await createTopic(uniqueTopic('klt-frozen'), { bootstrap: kafka.brokers })
  const producer = new KafkaLogProducer({ brokers: kafka.brokers, topic })
  for (let i = 0; i < 1000; i++) producer.write({ level: 30, i })
  t.same(await producer.flush(15000), { delivered: 1000, failed: 0, pending: 0 })
  node.signal('SIGSTOP')
  t.teardown(() => node.signal('SIGCONT'))
  for (let i = 0; i < 1000; i++) producer.write({ level: 30, i, frozen: true })
  let t0 = Date.now()
  const f = await producer.flush(2000)
  const flushMs = Date.now() - t0
  // RELIABILITY.md, "flush(ms) returns within ms, also when the broker is frozen": generous slack
  t.ok(flushMs < 2000 + 3000, `flush(2000) returned in ${flushMs} ms`)
  t.equal(f.pending, 1000, 'with what is still pending')
  t0 = Date.now()
  const c = await producer.close(3000)
  const closeMs = Date.now() - t0
  // RELIABILITY.md, "close(ms) returns within ms plus, at most, one connection attempt already under way (<= 10 s)"
  t.ok(closeMs < 3000 + 10000, `close(3000) returned in ${closeMs} ms`)
  t.equal(c.pending, 1000)
  const m = producer.metrics()
  t.equal(m.written, 2000)
  t.equal(m.written, m.delivered + m.failed + m.dropped + m.pending, 'every record accounted for')
  // what Kafka holds once the broker runs again: the 1,000 delivered ones, each once; of
  // those it held when frozen, none twice (it may or may not have taken them)
  node.signal('SIGCONT')
  const got = (await consumeAll(topic, 1000, { bootstrap: kafka.brokers, settleMs: 2000 })).map((x) => JSON.parse(x.value.toString()))
  const sorted = (xs) => xs.map((x) => x.i).sort((a, b) => a - b)
  t.same(sorted(got.filter((x) => !x.frozen)), Array.from({ length: 1000 }, (_, i) => i), 'the 1,000 delivered records are in Kafka, once each')
  const frozen = sorted(got.filter((x) => x.frozen))
  t.same(frozen, [...new Set(frozen)], `of those written while it was frozen, none twice (${frozen.length} arrived)`)
})

t.test('an outage longer than messageTimeoutMs: records librdkafka held fail, are counted and go to the fallback', async (t) => {
  const kafka = await startSingle({ port: ownPort('broker-faults', 3) })
  t.teardown(() => kafka.stop())
  const node = kafka.nodes[0]
  const topic = await createTopic(uniqueTopic('klt-timeout'), { bootstrap: kafka.brokers })
  const fallback = []
  const sink = new (await import('node:stream')).PassThrough()
  sink.on('data', (d) => fallback.push(...d.toString().split('\n').filter(Boolean)))
  // idempotence off: the idempotent producer may hold records it cannot place past their
  // timeout while it re-establishes its producer id (seen once under load); what this test
  // is about is the failure path: counted, and into the fallback
  const producer = new KafkaLogProducer({ brokers: kafka.brokers, topic, messageTimeoutMs: 2000, idempotence: false, fallback: sink })
  producer.on('error', () => {})
  t.teardown(() => producer.close(1000))
  producer.write({ level: 30, seq: -1 })
  t.same(await producer.flush(15000), { delivered: 1, failed: 0, pending: 0 }, 'connected')
  node.signal('SIGKILL')
  t.ok(await node.waitExit(5000), 'the broker is gone')
  for (let seq = 0; seq < 100; seq++) producer.write({ level: 30, seq })
  const r = await producer.flush(30000)
  t.same(r, { delivered: 1, failed: 100, pending: 0 }, 'after messageTimeoutMs they failed')
  const m = producer.metrics()
  t.equal(m.written, m.delivered + m.failed + m.dropped + m.pending, 'every record accounted for')
  t.equal(fallback.length, 100, 'each failed record went to the fallback')
  t.same(fallback.map((l) => JSON.parse(l).seq).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i))
  // and none of them is in Kafka once it is back: the fallback holds the only copy
  node.start()
  await node.waitReady({ timeoutMs: 60000 })
  const got = await consumeAll(topic, 1, { bootstrap: kafka.brokers, settleMs: 3000 })
  t.same(got.map((x) => JSON.parse(x.value.toString()).seq), [-1], 'Kafka holds only the record delivered before the outage')
})
