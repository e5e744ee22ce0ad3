// 1,000,000 pino-shaped NDJSON lines of ~300 bytes, generated once into benchmarks/.data/
// (git-ignored), plus the same lines prefixed "reqId<TAB>" for kcat -K.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const DATA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.data')

export function pinoLine (i, time) {
  return JSON.stringify({
    level: i % 10 === 0 ? 40 : 30,
    time,
    pid: 4242,
    hostname: 'bench-host-01',
    reqId: `req-${(i * 7919) % 100000}`,
    service: ['checkout', 'payments', 'search'][i % 3],
    msg: `request completed in ${i % 997} ms for route /api/v1/orders/${i}`,
    user: { id: i % 5000, plan: i % 2 ? 'pro' : 'free', country: 'DE' },
    res: { statusCode: 200, bytes: 1024 + (i % 4096) }
  })
}

/** Paths of the line files for `n` lines, generating them when missing. */
export function ensureLines (n) {
  fs.mkdirSync(DATA_DIR, { recursive: true })
  const plain = path.join(DATA_DIR, `lines-${n}.ndjson`)
  const keyed = path.join(DATA_DIR, `lines-${n}.keyed.tsv`)
  if (!fs.existsSync(plain) || !fs.existsSync(keyed)) {
    const t0 = 1764000000000
    const a = []
    const b = []
    for (let i = 0; i < n; i++) {
      const line = pinoLine(i, t0 + i)
      a.push(line)
      b.push(`req-${(i * 7919) % 100000}\t${line}`)
    }
    fs.writeFileSync(plain, a.join('\n') + '\n')
    fs.writeFileSync(keyed, b.join('\n') + '\n')
  }
  return { plain, keyed }
}
