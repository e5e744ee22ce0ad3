// write() returns false before the buffer's bound is met: a caller that stops at false and
// waits for 'drain' never loses a record to the overflow policy (no broker needed).
import t from 'tap'
import { KafkaLogProducer } from 'kafka-log-transport'

for (const [name, bound] of [['bytes', { maxBufferBytes: 64 * 1024 }], ['records', { maxBufferMessages: 50 }]]) {
  t.test(`bounded by ${name}: false comes before anything is dropped`, async (t) => {
    const p = new KafkaLogProducer({ brokers: '127.0.0.1:9', topic: 'x', exitHook: false, overflow: 'dropOldest', ...bound })
    p.on('error', () => {})
    let n = 0
    while (p.write({ level: 30, n, pad: 'x'.repeat(200) })) n++
    const m = p.metrics()
    t.equal(m.dropped, 0, `nothing dropped after ${n + 1} writes`)
    t.equal(m.buffered, n + 1, 'the write that returned false was kept too')
    t.ok(m.bufferedBytes <= (bound.maxBufferBytes ?? Infinity), `within the byte bound (${m.bufferedBytes})`)
    await p.close(10)
  })
}
