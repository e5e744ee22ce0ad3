// Issue #33: the buffer keeps a backlog as bytes, not as one JS object per record (pure: no broker).
import t from 'tap'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { RecordQueue, PACK_AFTER, RECORD_OVERHEAD_BYTES } = require('../../dist/core/queue.js')
const { PackedRecords, CHUNK_BYTES } = require('../../dist/core/packed-records.js')

function record (i) {
  const kinds = [null, `key-${i}`, Buffer.from([0, 255, i & 255])]
  return {
    topic: i % 3 === 0 ? 'logs' : `logs.ü-${i % 5}`,
    value: Buffer.from(JSON.stringify({ i, msg: 'ünïcödé ✓ '.repeat(i % 7) })),
    key: kinds[i % 3],
    timestamp: i % 4 === 0 ? null : 1765000000000 + i,
    headers: i % 2 === 0 ? [] : [{ 'content-type': 'application/json' }, { 'log-id': `id-${i}` }, { level: 'info' }]
  }
}

const FIELDS = ['topic', 'value', 'key', 'timestamp', 'headers']
const equal = (a, b) => FIELDS.every((f) => JSON.stringify(a[f]) === JSON.stringify(b[f])) && typeof a.key === typeof b.key

t.test('records come back equal, in order, whichever part of the queue they waited in', async (t) => {
  const q = new RecordQueue()
  const n = PACK_AFTER * 5
  let bytes = 0
  for (let i = 0; i < n; i++) {
    const r = record(i)
    bytes += r.value.length + RECORD_OVERHEAD_BYTES
    q.push(r)
  }
  t.equal(q.length, n)
  t.equal(q.bytes, bytes, 'the bound counts what it always counted: value + overhead')
  t.same(q.at(3), record(3), 'at() reaches into the packed part')
  t.same(q.at(n - 1), record(n - 1), 'and past it into the newest')
  let bad = 0
  for (let i = 0; i < n; i++) {
    if (i === n / 2) for (let j = n; j < n + 100; j++) q.push(record(j)) // pushed while others are read
    const r = q.shift()
    const want = record(i)
    if (!equal(r, want) || 'spooledAt' in r) bad++
  }
  t.equal(bad, 0, 'every record equal to the one pushed (key kind, headers, timestamp, UTF-8)')
  t.equal(q.length, 100)
  t.same(q.clear().map((r) => r.value.toString()), Array.from({ length: 100 }, (_, k) => record(n + k).value.toString()), 'clear(): the rest, oldest first')
  t.equal(q.bytes, 0)
  t.equal(q.shift(), undefined)
})

t.test('discard(): the oldest go without becoming objects, and the bytes count follows', async (t) => {
  const q = new RecordQueue()
  for (let i = 0; i < PACK_AFTER * 3; i++) q.push(record(i))
  const before = q.bytes
  let gone = 0
  for (let i = 0; i < PACK_AFTER; i++) if (q.discard()) gone++
  t.equal(gone, PACK_AFTER, 'all discarded')
  t.equal(q.bytes, before - Array.from({ length: PACK_AFTER }, (_, i) => record(i).value.length + RECORD_OVERHEAD_BYTES).reduce((a, b) => a + b), 'bytes less the discarded')
  t.ok(equal(q.shift(), record(PACK_AFTER)), 'the next one is the oldest left')
  while (q.discard());
  t.equal(q.length, 0)
  t.equal(q.bytes, 0)
  t.equal(q.discard(), false, 'empty: false')
})

t.test('a record read back from the spool keeps its mark (the replayer counts by it)', async (t) => {
  const p = new PackedRecords()
  p.push({ ...record(1), spooledAt: 1765000000123 })
  p.push(record(2))
  t.equal(p.shift().spooledAt, 1765000000123)
  t.notOk('spooledAt' in p.shift())
})

t.test('a record larger than a chunk gets its own; a steady backlog reuses its chunks', async (t) => {
  const p = new PackedRecords()
  const big = { ...record(1), value: Buffer.alloc(CHUNK_BYTES * 2, 'x') }
  p.push(record(0))
  p.push(big)
  p.push(record(2))
  t.same(p.shift(), record(0))
  t.ok(p.shift().value.equals(big.value), 'the big one whole')
  t.same(p.shift(), record(2))
  t.equal(p.length, 0)
  // a window of ~20k records moving through: memory follows the window, not the total
  let peak = 0
  for (let i = 0; i < 200000; i++) {
    p.push(record(i))
    if (p.length > 20000) p.shift()
    peak = Math.max(peak, p.chunkBytes)
  }
  t.ok(peak < 8 * CHUNK_BYTES, `200k records through a 20k window: ${(peak / 1048576).toFixed(0)} MiB of chunks at most`)
})
