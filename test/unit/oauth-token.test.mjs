// Issue #20: the OAUTHBEARER token keeper without a broker: expiry from a JWT's exp, the
// earlier of exp and expiresAt, one report per run of failures, no token in any message.
import t from 'tap'
import { createRequire } from 'node:module'

const { TokenKeeper, jwtExpiry } = createRequire(import.meta.url)('../../dist/core/oauth-token.js')
const jwt = (claims) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`

t.test('jwtExpiry reads exp (seconds) as ms; anything else has none', async (t) => {
  t.equal(jwtExpiry(jwt({ sub: 'a', exp: 2000000000 })), 2000000000000)
  t.equal(jwtExpiry(jwt({ sub: 'a' })), undefined)
  t.equal(jwtExpiry('opaque-token'), undefined)
  t.equal(jwtExpiry('a.!!!.b'), undefined)
})

function keeper (source) {
  const applied = []
  const reports = []
  const k = new TokenKeeper(source, (tok) => applied.push(tok), (err) => reports.push(err))
  t.teardown(() => k.stop())
  return { k, applied, reports }
}

t.test('a function token: applied once, the earlier of expiresAt and exp counts', async (t) => {
  const soon = Math.floor(Date.now() / 1000) + 30
  const token = jwt({ sub: 'a', exp: soon })
  const { k, applied, reports } = keeper({ kind: 'function', get: async () => ({ token, expiresAt: Date.now() + 3600000 }) })
  t.equal(await k.token(), token)
  t.equal(await k.token(), token, 'the current one while valid')
  t.same(applied, [token], 'handed over once')
  t.same(reports, [])
})

t.test('failures: reported once, never with the token; an expired token is refused before any broker sees it', async (t) => {
  const expired = jwt({ sub: 'a', exp: 1000 })
  const a = keeper({ kind: 'static', token: expired })
  t.equal(await a.k.token(), undefined)
  t.equal(await a.k.token(), undefined)
  t.equal(a.reports.length, 1, 'one report')
  t.match(a.reports[0], { code: 'KLT_AUTH', message: /expired at 1970-01-01T00:16:40.000Z/ })
  t.notMatch(a.reports[0].message, expired)
  const b = keeper({ kind: 'function', get: async () => ({ token: 'has space' }) })
  t.equal(await b.k.token(), undefined)
  t.match(b.reports[0], { code: 'KLT_AUTH', message: /no usable OAUTHBEARER token/ })
  const c = keeper({ kind: 'file', file: '/nonexistent/token' })
  t.equal(await c.k.token(), undefined)
  t.match(c.reports[0], { code: 'KLT_AUTH', message: /could not read the OAUTHBEARER token file \/nonexistent\/token: ENOENT/ })
})
