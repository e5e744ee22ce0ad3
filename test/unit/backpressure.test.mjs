// write() returns false before the buffer's bound is met: a caller that stops at false and
// waits for 'drain' never loses a record to the overflow policy (no broker needed).
import t from 'tap'
import { KafkaLogProducer } from 'kafka-log-transport'

for (const [name, bound] of [['bytes', { maxBufferBytes: 64 * 1024 }], ['records', { maxBufferMessages: 50 }]]) {
  t.test(`bounded by ${name}: false comes before anything is dropped`, async (t) => {
    const p = new KafkaLogProducer({ brokers: '127.0.0.1:9', topic: 'x', exitHook: false, overflow: 'dropOldest', ...bound })
    p.on('error', () => {})
    // both bounds as resolved: the one not given is its default, not unbounded
    const { maxBufferBytes, maxBufferMessages } = p.options
    let n = 0
    while (p.write({ level: 30, n, pad: 'x'.repeat(200) })) n++
    const m = p.metrics()
    t.equal(m.dropped, 0, `nothing dropped after ${n + 1} writes`)
    t.equal(m.buffered, n + 1, 'the write that returned false was kept too')
    t.ok(m.bufferedBytes <= maxBufferBytes, `within the byte bound (${m.bufferedBytes} of ${maxBufferBytes})`)
    t.ok(m.buffered <= maxBufferMessages, `within the record bound (${m.buffered} of ${maxBufferMessages})`)
    // and the bound this case is about is the one that said false: the checks above bite
    const perRecord = m.bufferedBytes / m.buffered
    if (name === 'bytes') t.ok(m.bufferedBytes + perRecord > maxBufferBytes, 'false came at the byte bound: one more record would not fit')
    else t.equal(m.buffered, maxBufferMessages, 'false came at the record bound')
    await p.close(10)
  })
}
