// Issue #18: what decides whether lines take the native line path (pure functions; what
// that path puts in Kafka is compared with the JS encoder's in the integration tests).
import t from 'tap'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { LineBatch } = require('../../dist/core/line-batch.js')
const { linePlan, LINE_KEY, LINE_HEADER } = require('../../dist/core/record/line-plan.js')
const { resolveOptions } = require('../../dist/core/config/options.js')

t.test('a line batch keeps whole single lines, strings and Buffers, and gives them back as one chunk', async (t) => {
  t.equal(LineBatch.fits('{"a":1}\n'), true, 'a line with its newline')
  t.equal(LineBatch.fits('{"a":1}'), true, 'a line without one')
  t.equal(LineBatch.fits(Buffer.from('x')), true)
  t.equal(LineBatch.fits('a\nb\n'), false, 'two lines in one write: one record, the JS encoder\'s way')
  t.equal(LineBatch.fits('\n'), false, 'an empty line: the JS encoder\'s way')
  t.equal(LineBatch.fits(''), false)
  t.equal(LineBatch.fits(Buffer.from('a\nb')), false)
  const b = new LineBatch(10, 1 << 20)
  b.add('one\n')
  b.add('two')
  b.add(Buffer.from('three\n'))
  b.add(Buffer.from('four'))
  t.equal(b.lines, 4)
  t.equal(b.take().toString(), 'one\ntwo\nthree\nfour\n', 'each line newline-ended, in order')
  t.equal(b.lines, 0, 'empty after take')
  b.add('grüße\n')
  t.equal(b.take().toString(), 'grüße\n', 'strings encoded as UTF-8')
})

t.test('a line batch is bounded in lines and in bytes, as the buffer counts them', async (t) => {
  const b = new LineBatch(2, 4096)
  t.equal(b.full('x'), false)
  b.add('x')
  b.add('y')
  t.equal(b.full('z'), true, 'at its line bound')
  b.take()
  t.equal(b.full('x'.repeat(1200)), true, 'a line whose UTF-8 could be over the byte bound (3 bytes per unit + 768)')
  t.equal(b.full(Buffer.alloc(3000)), false, 'a Buffer counts its own length')
})

const plan = (o, labels = { 30: 'info' }) => linePlan(resolveOptions({ brokers: 'b:9092', ...o }), labels)

t.test('the line plan: the options the native line path gives the JS encoder\'s records for', async (t) => {
  const p = plan({ topic: 'logs', key: 'reqId', headers: { service: 'api' } })
  t.same(p.topicParts, ['logs'])
  t.equal(p.keyKind, LINE_KEY.field)
  t.equal(p.keyText, 'reqId')
  t.same(p.statics, ['service', 'api'])
  t.equal(p.flags, 0, 'no per-record header on a JSON line by default')
  t.equal(plan({ topic: 'logs', logHeaders: true }).flags, LINE_HEADER['content-type'] | LINE_HEADER['log-id'] | LINE_HEADER.level | LINE_HEADER.traceparent, 'every one with true')
  t.same(p.labels, [30, 'info'])
  t.same(plan({ topic: 'logs-{level}-x' }).topicParts, ['logs-', '-x'], 'a {level} topic, split where the level goes')
  t.equal(plan({ topic: 'logs', key: 'hostname' }).keyKind, LINE_KEY.constant)
  t.equal(plan({ topic: 'logs', key: 'none' }).keyKind, LINE_KEY.none)
  t.equal(plan({ topic: 'logs', logHeaders: false }).flags, 0)
  t.equal(plan({ topic: 'logs', logHeaders: ['level'] }).flags, LINE_HEADER.level)
})

t.test('no line plan where the JS encoder must decide every record', async (t) => {
  t.equal(plan({ topic: 'logs', key: 'req.id' }), undefined, 'a nested key field')
  t.equal(plan({ topic: 'logs', key: () => 'k' }), undefined, 'a key function')
  t.equal(plan({ topic: () => 'logs' }), undefined, 'a topic function')
  t.equal(plan({ topic: 'logs-{service}' }), undefined, 'a topic template with a field')
  t.equal(plan({ topic: 'logs', encoding: 'otlp_json' }), undefined, 'OTLP')
})
