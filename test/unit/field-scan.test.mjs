// The cheap top-level field reader must agree with JSON.parse whenever it answers.
import t from 'tap'
import fc from 'fast-check'
import { createRequire } from 'node:module'

const { scanTopLevelField, scanTopLevelFields, NOT_FOUND_CHEAPLY } = createRequire(import.meta.url)('../../dist/core/record/field-scan.js')
const field = (line, name) => scanTopLevelField(Buffer.from(line), Buffer.from(name))

t.test('reads top-level fields of pino lines, not nested ones', async (t) => {
  const line = '{"level":30,"time":1,"req":{"reqId":"nested"},"reqId":"top","n":-1.5e3,"ok":true,"nil":null,"arr":[1,{"reqId":2}]}'
  t.equal(field(line, 'reqId'), 'top')
  t.equal(field(line, 'level'), 30)
  t.equal(field(line, 'n'), -1500)
  t.equal(field(line, 'ok'), true)
  t.equal(field(line, 'nil'), null)
  t.same(field(line, 'req'), { reqId: 'nested' })
  t.equal(field(line, 'missing'), undefined)
  t.equal(field('{"s":"a\\"b\\u00e9"}', 's'), 'a"bé', 'escaped strings are decoded')
  t.equal(field('not json', 'x'), NOT_FOUND_CHEAPLY)
  t.equal(field('{"a":1', 'b'), NOT_FOUND_CHEAPLY, 'a truncated line is left to the parser')
})

t.test('agrees with JSON.parse on any object (property test)', async (t) => {
  fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (obj, probe) => {
    const line = JSON.stringify(obj)
    for (const name of [...Object.keys(obj), probe]) {
      const v = field(line, name)
      if (v === NOT_FOUND_CHEAPLY) continue
      const expected = Object.prototype.hasOwnProperty.call(obj, name) ? JSON.parse(line)[name] : undefined
      if (JSON.stringify(v) !== JSON.stringify(expected)) return false
    }
    return true
  }), { numRuns: 2000 })
  t.pass('2000 random objects')
})

t.test('duplicate keys: the last counts, as in JSON.parse (issue #28)', async (t) => {
  const names = [Buffer.from('reqId')]
  const last = (line) => scanTopLevelFields(Buffer.from(line), names)
  t.same(last('{"reqId":"first","x":1,"reqId":"last"}'), ['last'], 'a later duplicate is read')
  t.same(last('{"reqId":"only","msg":"no other"}'), ['only'], 'one occurrence: the walk may stop early')
  t.same(last('{"reqId":"a","msg":"says \\"reqId\\" in words"}'), ['a'], 'the name inside a string is no key')
  t.same(last('{"reqId":"a","re\\u0071Id":"b"}'), NOT_FOUND_CHEAPLY, 'an escaped key that could spell it: the parser decides')
  t.same(last('{"reqId":"a","nested":{"reqId":"b"}}'), ['a'], 'a nested one is not top-level')
  for (const line of ['{"reqId":"first","reqId":"last"}', '{"reqId":1,"x":[{"reqId":2}],"reqId":3}']) {
    t.same(last(line), [JSON.parse(line).reqId], `as JSON.parse: ${line}`)
  }
})
