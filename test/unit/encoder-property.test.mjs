// Issue #9: any value a program might log becomes one valid UTF-8 JSON line, or a counted
// drop; write() never throws. Property-based (fast-check), no broker needed: the producer
// points at a closed port and only its buffer and counters are looked at.
import t from 'tap'
import fc from 'fast-check'
import { KafkaLogProducer, safeStringify } from 'kafka-log-transport'

// values with the shapes that break serializers: cycles, BigInt, Symbols, Errors, lone surrogates
const nasty = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' },
    fc.anything({ withBigInt: true, withBoxedValues: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withObjectString: true }),
    fc.string({ unit: 'binary' }),
    fc.bigInt(),
    fc.constant(Symbol('s')),
    fc.string().map((m) => new Error(m)),
    tie('object')),
  object: fc.dictionary(fc.string({ unit: 'binary' }), tie('value'), { maxKeys: 4 }).map((o) => {
    if (Object.keys(o).length % 2 === 1) o.self = o // a cycle
    return o
  })
})).value

t.test('safeStringify: any value gives one line of valid JSON that survives UTF-8', async (t) => {
  fc.assert(fc.property(nasty, (v) => {
    const s = safeStringify(v)
    if (typeof s !== 'string') return false
    if (s.includes('\n')) return false
    JSON.parse(s) // throws (fails the property) when not JSON
    return Buffer.from(s, 'utf8').toString('utf8') === s // no lone surrogates left
  }), { numRuns: 2000 })
  t.pass('2000 generated values')
})

t.test('write(): never throws; every value is buffered or a counted drop', async (t) => {
  const producer = new KafkaLogProducer({ brokers: '127.0.0.1:9', topic: 'nowhere', exitHook: false, connectTimeoutMs: 1000, maxBufferMessages: 1000000 })
  producer.on('error', () => {})
  let n = 0
  fc.assert(fc.property(fc.oneof(nasty, fc.constantFrom(null, undefined, 42, true)), (v) => {
    // a blank line ('', '\n', '\r\n') is no record (issue #28): not written, not dropped
    if (!(typeof v === 'string' && /^\r?\n?$/.test(v)) && !(Buffer.isBuffer(v) && /^\r?\n?$/.test(v.toString('latin1')))) n++
    producer.write(v)
    const m = producer.metrics()
    return m.written === n && m.written === m.buffered + m.dropped
  }), { numRuns: 1000 })
  const m = producer.metrics()
  t.equal(m.written, m.buffered + m.dropped, `${m.buffered} buffered + ${m.dropped} dropped (${JSON.stringify(m.droppedByReason)})`)
  await producer.close(100)
})

t.test('invalid UTF-8 and a 10 MB line: no crash, the big one cut to maxMessageBytes (or dropped) and counted', async (t) => {
  const producer = new KafkaLogProducer({ brokers: '127.0.0.1:9', topic: 'nowhere', exitHook: false, connectTimeoutMs: 1000 })
  producer.on('error', () => {})
  t.doesNotThrow(() => producer.write(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])))
  t.doesNotThrow(() => producer.write(JSON.stringify({ level: 30, msg: 'x'.repeat(10 * 1024 * 1024) })))
  const m = producer.metrics()
  t.equal(m.truncated, 1, 'the 10 MB line was truncated')
  t.ok(m.bufferedBytes < 2 * 1024 * 1024, `what waits is bounded by maxMessageBytes (${m.bufferedBytes} bytes)`)
  const dropping = new KafkaLogProducer({ brokers: '127.0.0.1:9', topic: 'nowhere', exitHook: false, oversized: 'drop', connectTimeoutMs: 1000 })
  dropping.on('error', () => {})
  dropping.write('y'.repeat(10 * 1024 * 1024))
  t.equal(dropping.metrics().droppedByReason['too-large'], 1)
  await Promise.all([producer.close(100), dropping.close(100)])
})
