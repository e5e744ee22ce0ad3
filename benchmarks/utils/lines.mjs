// 1,000,000 pino-shaped NDJSON lines of ~300 bytes, generated into benchmarks/.data/
// (git-ignored), plus the same lines prefixed "reqId<TAB>" for kcat -K. Their `time` is the
// Kafka timestamp: lines are stamped when generated and made anew once the first is a day old,
// so the broker's retention (7 days by default) never deletes a segment during a run.
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

const MAX_AGE_MS = 24 * 3600 * 1000

/** The file exists and its first line was stamped less than a day ago. */
function fresh (file) {
  try {
    const fd = fs.openSync(file, 'r')
    const head = Buffer.alloc(256)
    fs.readSync(fd, head, 0, head.length, 0)
    fs.closeSync(fd)
    const time = Number(/"time":(\d+)/.exec(head.toString('latin1'))?.[1])
    return Date.now() - time < MAX_AGE_MS
  } catch {
    return false
  }
}

/** Paths of the line files for `n` lines, generating them when missing. */
export function ensureLines (n) {
  fs.mkdirSync(DATA_DIR, { recursive: true })
  const plain = path.join(DATA_DIR, `lines-${n}.ndjson`)
  const keyed = path.join(DATA_DIR, `lines-${n}.keyed.tsv`)
  if (!fresh(plain) || !fresh(keyed)) {
    const t0 = Date.now() - n
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
