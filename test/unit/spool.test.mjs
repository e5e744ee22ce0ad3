// The spool's files on their own (no broker): frames round-trip, a restart finds what was
// left, a torn tail is cut and counted, acknowledged segments go, the lock holds.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Spool } = require('../../dist/core/spool/store.js')
const { encodeFrame, decodeFrame } = require('../../dist/core/spool/format.js')

const opts = (dir, more = {}) => ({ dir, maxBytes: 1024 ** 3, fsync: 'never', fsyncIntervalMs: 1000, ...more })
const tmp = (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-spool-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}
const record = (i) => ({
  topic: 'logs.app',
  value: Buffer.from(JSON.stringify({ level: 30, seq: i, msg: 'x'.repeat(i % 50) })),
  key: i % 3 === 0 ? null : i % 3 === 1 ? `key-${i}` : Buffer.from([0, 1, 2, i & 255]),
  timestamp: i % 4 === 0 ? null : 1700000000000 + i,
  headers: [{ 'content-type': 'application/json' }, { 'log-id': `id-${i}` }, { level: 'info' }]
})
const seqs = (records) => records.map((r) => JSON.parse(r.value.toString()).seq)
const segments = (dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.seg')).sort()

t.test('a frame holds everything needed to send the record as it would have been sent', async (t) => {
  for (let i = 0; i < 6; i++) {
    const r = record(i)
    const f = decodeFrame(encodeFrame(r, 42), 0)
    t.equal(f.kind, 'record')
    t.same({ ...f.record, value: f.record.value.toString(), key: Buffer.isBuffer(f.record.key) ? [...f.record.key] : f.record.key },
      { ...r, value: r.value.toString(), key: Buffer.isBuffer(r.key) ? [...r.key] : r.key, spooledAt: 42 })
  }
  const frame = encodeFrame(record(1), 1)
  t.equal(decodeFrame(frame.subarray(0, frame.length - 1), 0).kind, 'partial', 'a cut frame is partial')
  frame[frame.length - 1] ^= 0xff
  t.same(decodeFrame(frame, 0), { kind: 'corrupt' }, 'a flipped byte fails the checksum')
})

t.test('append, read oldest first, restart finds the rest, ack deletes whole segments', async (t) => {
  const dir = tmp(t)
  const spool = Spool.open(opts(dir, { maxBytes: 64 * 1024 })) // 16 KiB segments
  const appended = Array.from({ length: 500 }, (_, i) => spool.append(record(i)))
  const total = spool.records
  t.ok(total > 200 && total < 500, `${total} records fit in 64 KiB, the rest do not`)
  t.same(appended, appended.map((_, i) => i < total), 'append() says true for each record it keeps, false once the spool is full')
  t.ok(segments(dir).length > 3, 'spread over several segments')
  const first = spool.read(50, 1 << 20)
  t.same(seqs(first.records), [...Array(50).keys()], 'oldest first')
  const bounded = spool.read(1000, 10 * 1024, 768)
  t.ok(bounded.records.length > 5 && bounded.records.length < 12, `a read stops at its byte bound, overhead counted (${bounded.records.length} records)`)
  t.same(seqs(bounded.records), [...Array(bounded.records.length).keys()].map((i) => 50 + i), 'and goes on where the last one stopped')
  spool.close()

  const again = Spool.open(opts(dir, { maxBytes: 64 * 1024 }))
  t.equal(again.recovered, total, 'nothing read-but-unacknowledged is lost across a restart (it is read again)')
  t.equal(again.corrupt, 0, 'whole segments have nothing torn')
  const all = again.read(10000, 1 << 30)
  t.same(seqs(all.records), [...Array(total).keys()], 'every record, in order')
  again.ack(all.mark)
  t.equal(again.records, 0)
  t.same(segments(dir), [], 'all acknowledged: no segment left')
  t.ok(again.append(record(1000)), 'appends go on after an ack')
  again.close()
  const third = Spool.open(opts(dir))
  t.same(seqs(third.read(10, 1 << 20).records), [1000], 'a new segment is not mistaken for an acknowledged one')
  third.close()
})

t.test('a torn last record is counted and cut; everything before it stays', async (t) => {
  const dir = tmp(t)
  const spool = Spool.open(opts(dir))
  for (let i = 0; i < 100; i++) spool.append(record(i))
  spool.close()
  const [seg] = segments(dir)
  const file = path.join(dir, seg)
  fs.truncateSync(file, fs.statSync(file).size - 7) // the app died in the middle of the last write
  const size = fs.statSync(file).size
  const again = Spool.open(opts(dir))
  t.equal(again.recovered, 99)
  t.equal(again.corrupt, 1)
  t.ok(fs.statSync(file).size < size, 'the torn tail is cut off, so appends follow a whole record')
  again.append(record(100))
  t.same(seqs(again.read(1000, 1 << 30).records), [...Array(99).keys(), 100])
  again.close()
})

t.test('dropOldestSegment gives up the oldest unread segment, never the one being appended to', async (t) => {
  const dir = tmp(t)
  const spool = Spool.open(opts(dir, { maxBytes: 64 * 1024 }))
  let i = 0
  while (spool.append(record(i))) i++
  const before = spool.records
  const [oldest, second] = segments(dir)
  const dropped = spool.dropOldestSegment()
  t.ok(dropped.records > 0, `its ${dropped.records} records counted`)
  t.equal(dropped.values, undefined, 'not asked for: no values')
  t.notOk(segments(dir).includes(oldest), 'its file is gone at once')
  t.equal(spool.records, before - dropped.records)
  t.ok(spool.append(record(i)), 'room again')

  const kept = spool.dropOldestSegment(true)
  t.notOk(segments(dir).includes(second), 'asked for the values: the file is set aside at once')
  t.ok(fs.existsSync(path.join(dir, `${second}.dropped`)), 'under another name')
  t.equal(spool.records, before + 1 - dropped.records - kept.records, 'its records counted at once too')
  const gone = dropped.records + kept.records
  t.equal(seqs(spool.read(1, 1 << 20).records)[0], gone, 'reading goes on after them')
  const values = []
  for await (const v of kept.values) values.push(v)
  t.same(values.map((v) => JSON.parse(v.toString()).seq), [...Array(kept.records).keys()].map((k) => dropped.records + k), 'its values, oldest first, read later')
  t.notOk(fs.existsSync(path.join(dir, `${second}.dropped`)), 'and deleted once read')
  spool.close()
})

t.test("a dropped segment's values are read back whole across the reader's 1 MiB chunks", async (t) => {
  const dir = tmp(t)
  const spool = Spool.open(opts(dir, { maxBytes: 40 * 1024 * 1024 })) // 2.5 MiB segments
  const big = (i) => ({ ...record(i), value: Buffer.from(JSON.stringify({ seq: i, pad: 'y'.repeat(1000 + (i * 7919) % 9000) })) })
  let i = 0
  while (segments(dir).length < 2) spool.append(big(i++))
  const kept = spool.dropOldestSegment(true)
  const values = []
  for await (const v of kept.values) values.push(v)
  t.ok(kept.records > 300, `${kept.records} records of up to 10 KB, so some straddle a chunk's end`)
  t.same(values.map((v) => JSON.parse(v.toString()).seq), [...Array(kept.records).keys()], 'every one, in order')
  t.same(values.map((v) => v.toString()), values.map((_, k) => big(k).value.toString()), 'byte for byte')
  spool.close()
})

t.test('a dropped segment left aside by a run that ended is deleted on open', async (t) => {
  const dir = tmp(t)
  fs.writeFileSync(path.join(dir, '000000000007.seg.dropped'), encodeFrame(record(1), 1))
  const spool = Spool.open(opts(dir))
  t.equal(spool.records, 0, 'not replayed: it was dropped and counted')
  t.same(fs.readdirSync(dir).filter((f) => f.endsWith('.dropped')), [])
  spool.close()
})

t.test('one live owner per directory', async (t) => {
  const dir = tmp(t)
  const spool = Spool.open(opts(dir))
  t.throws(() => Spool.open(opts(dir)), { code: 'KLT_SPOOL_LOCKED' }, 'a second producer of this process')
  const other = spawnSync(process.execPath, ['-e', `
    const { Spool } = require(${JSON.stringify(require.resolve('../../dist/core/spool/store.js'))})
    try { Spool.open(${JSON.stringify(opts(dir))}) } catch (e) { console.log(e.code + ' ' + e.message); process.exit(0) }
    process.exit(1)`], { encoding: 'utf8' })
  t.equal(other.status, 0, 'another process is refused')
  t.match(other.stdout, new RegExp(`KLT_SPOOL_LOCKED .*in use by process ${process.pid}`))
  spool.close()
  fs.writeFileSync(path.join(dir, 'lock'), '999999999') // left by a process that is gone
  const taken = Spool.open(opts(dir))
  t.equal(fs.readFileSync(path.join(dir, 'lock'), 'utf8'), String(process.pid), 'a stale lock is taken over: it names this process now')
  t.throws(() => Spool.open(opts(dir)), { code: 'KLT_SPOOL_LOCKED' }, 'and is held like any other')
  taken.close()
})

t.test('inspect reads a spool without taking it', async (t) => {
  const dir = tmp(t)
  const spool = Spool.open(opts(dir))
  for (let i = 0; i < 10; i++) spool.append(record(i))
  const state = Spool.inspect(dir)
  t.equal(state.records, 10)
  t.ok(state.oldestSpooledAt <= Date.now() && state.oldestSpooledAt > Date.now() - 60000)
  spool.close()
})
