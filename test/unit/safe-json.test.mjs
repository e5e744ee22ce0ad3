import t from 'tap'
import { safeStringify } from 'kafka-log-transport'

t.test('plain values are plain JSON', async (t) => {
  t.equal(safeStringify({ a: 1, b: 'x', c: [true, null] }), '{"a":1,"b":"x","c":[true,null]}')
})

t.test('circular references, BigInt, Errors and throwing getters', async (t) => {
  const o = { name: 'loop', n: 10n }
  o.self = o
  const shared = { x: 1 }
  o.twice = [shared, shared]
  const err = new Error('boom', { cause: new Error('root') })
  err.code = 'E_BOOM'
  o.err = err
  Object.defineProperty(o, 'bad', { enumerable: true, get () { throw new Error('getter broke') } })
  o.weird = { toJSON () { throw new Error('toJSON broke') } }
  const parsed = JSON.parse(safeStringify(o))
  t.equal(parsed.self, '[Circular]')
  t.equal(parsed.n, '10')
  t.same(parsed.twice, [{ x: 1 }, { x: 1 }], 'a shared (non-circular) object is kept')
  t.equal(parsed.err.message, 'boom')
  t.equal(parsed.err.code, 'E_BOOM')
  t.match(parsed.err.stack, /Error: boom/)
  t.equal(parsed.err.cause.message, 'root')
  t.equal(parsed.bad, '[Throws: getter broke]')
  t.equal(parsed.weird, '[Throws: toJSON broke]')
})

t.test('lone surrogates become valid UTF-8 JSON', async (t) => {
  const s = safeStringify({ msg: 'a\ud800b' })
  t.equal(s, '{"msg":"a\\ud800b"}')
  t.equal(Buffer.from(s).toString(), s, 'round-trips through UTF-8')
})

t.test('an Error at the top level keeps its message', async (t) => {
  t.match(JSON.parse(safeStringify(new TypeError('bad type'))), { type: 'TypeError', message: 'bad type' })
})
