// Issue #11: the durable spool against a real broker. Apps run as child processes
// (test/fixtures/spool-app.mjs); what arrived is counted in Kafka by seq and log id.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { KafkaLogProducer } from 'kafka-log-transport'
import { fileURLToPath } from 'node:url'
import { startSingle } from '../kafka/harness.mjs'
import { brokers, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { ownPort } from '../kafka/ports.mjs'

const { RECONNECT_BACKOFF_MAX_MS } = createRequire(import.meta.url)('../../dist/core/config/rdkafka-config.js')
const APP = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'spool-app.mjs')
// brokers of this test's own, stopped and started (see test/kafka/ports.mjs)
const MiB = 1024 * 1024

const tmpDir = (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-spool-it-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return path.join(dir, 'spool')
}

/** Start the app; its output lines are parsed as they come. */
// The RSS check below is about what our code keeps while records wait on disk. V8's young
// generation is sized by the runtime, not by us (on Node 24 it grows to ~3 x 32 MiB under a
// burst, which RSS counts whatever we keep): pinned to a fixed size here, so the bound
// measures our memory, on every Node line alike.
const NURSERY = ['--max-semi-space-size=8']

function runApp (t, args, options = {}) {
  const child = spawn(process.execPath, [...NURSERY, APP, ...args.map(String), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] })
  const app = { child, metrics: [], events: [], done: undefined, written: undefined, error: undefined, stderr: '' }
  let rest = ''
  child.stdout.on('data', (d) => {
    const lines = (rest + d.toString()).split('\n')
    rest = lines.pop()
    for (const line of lines) {
      const o = JSON.parse(line)
      if (o.metrics) app.metrics.push(o.metrics)
      else if (o.done) app.done = o.done
      else if (o.written !== undefined) app.written = o.written
      else if (o.error) app.error = o.error
      else app.events.push(o)
    }
  })
  child.stderr.on('data', (d) => { app.stderr += d })
  app.exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }))
  t.teardown(() => child.exitCode === null && child.kill('SIGKILL'))
  return app
}

/** Records in `topic`: seqs per key in arrival order, and counts. */
async function readBack (topic, expected, bootstrap) {
  const got = await consumeAll(topic, expected, { bootstrap, timeoutMs: 90000, settleMs: 2000 })
  const byKey = new Map()
  for (const m of got) {
    const { seq, k } = JSON.parse(m.value.toString())
    if (!byKey.has(k)) byKey.set(k, [])
    byKey.get(k).push(seq)
  }
  return { total: got.length, seqs: new Set(got.map((m) => JSON.parse(m.value.toString()).seq)), ids: new Set(got.map((m) => m.headers['log-id'])), byKey }
}

/** Keys whose records did not arrive in write order (a re-sent duplicate of an earlier record is allowed). */
function outOfOrderKeys (byKey) {
  const bad = []
  for (const [k, seqs] of byKey) {
    let max = -1
    const seen = new Set()
    for (const s of seqs) {
      if (seen.has(s)) continue // at-least-once: a duplicate, not a reordering
      seen.add(s)
      if (s < max) {
        bad.push(`${k}: ${s} after ${max}`)
        break
      }
      max = s
    }
  }
  return bad
}

const range = (n) => Array.from({ length: n }, (_, i) => i)
const missing = (seqs, n) => range(n).filter((i) => !seqs.has(i))

t.test('5,000 logs/s through an outage longer than memory holds: all arrive, in key order, memory bounded', async (t) => {
  const kafka = await startSingle({ port: ownPort('spool', 0) })
  t.teardown(() => kafka.stop())
  const node = kafka.nodes[0]
  const bootstrap = kafka.brokers
  const topic = await createTopic(uniqueTopic('klt-spool-outage'), { partitions: 3, bootstrap })
  const N = 50000 // 10 s at 5,000/s
  const app = runApp(t, [bootstrap, topic, tmpDir(t), 5000, N], { maxBufferBytes: 1 * MiB })
  await sleep(2000)
  node.signal('SIGKILL')
  t.ok(await node.waitExit(5000), 'the broker is gone')
  await sleep(5000) // 25,000 records while it is away, more than the 1 MiB buffer and librdkafka's queue (1,000) hold
  const during = app.metrics.at(-1)
  t.ok(during.spool.records > 3000, `records went to the spool (${during.spool.records} waiting)`)
  node.start()
  await node.waitReady({ timeoutMs: 60000 })
  const { code } = await app.exited
  t.equal(code, 0, `the app ends normally ${app.stderr}`)
  const done = app.done
  t.equal(done.written + done.spool.recovered, done.delivered + done.failed + done.dropped + done.pending, 'written = delivered + failed + dropped + pending')
  t.same({ failed: done.failed, dropped: done.dropped, pending: done.pending }, { failed: 0, dropped: 0, pending: 0 }, 'nothing failed, dropped or left')
  t.ok(done.spool.spooled > 3000 && done.spool.replayed >= done.spool.spooled, `spooled ${done.spool.spooled}, replayed ${done.spool.replayed}`)
  t.equal(done.spool.segments, 0, 'every segment deleted once acknowledged')

  const back = await readBack(topic, N, bootstrap)
  t.same(missing(back.seqs, N), [], `every record is in Kafka (${back.total} read, ${back.total - back.seqs.size} duplicates)`)
  t.same(outOfOrderKeys(back.byKey), [], 'per-key order holds')
  const maxBuffered = Math.max(...app.metrics.map((m) => m.bufferedBytes))
  const rss = app.metrics.map((m) => m.rss)
  t.ok(maxBuffered <= 1 * MiB, `the memory buffer stayed within its 1 MiB bound (max ${maxBuffered} bytes)`)
  const growth = (Math.max(...rss) - rss[0]) / MiB
  t.ok(growth < 96, `RSS grew ${growth.toFixed(1)} MiB at most (from ${(rss[0] / MiB).toFixed(0)} MiB) while records waited on disk`)
  t.comment(`spool: ${done.spool.spooled} spooled, replayed at ${done.spool.replayPerSecond}/s (last batch); RSS max ${(Math.max(...rss) / MiB).toFixed(0)} MiB`)
})

const require = createRequire(import.meta.url)
const { Spool } = require('../../dist/core/spool/store.js')
const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli', 'bin.js')
const cli = (...args) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120000 })

/** The seqs a spool holds (its owner is gone), without changing it. */
function spooledSeqs (dir) {
  const spool = Spool.open({ dir, maxBytes: 1024 ** 3, fsync: 'never', fsyncIntervalMs: 1000 })
  try {
    return spool.read(1e9, 1e12).records.map((r) => JSON.parse(r.value.toString()).seq)
  } finally {
    spool.close()
  }
}

t.test('the app is killed (SIGKILL) during the outage and started again after it: everything it spooled arrives', async (t) => {
  const kafka = await startSingle({ port: ownPort('spool', 1) })
  t.teardown(() => kafka.stop())
  const node = kafka.nodes[0]
  const bootstrap = kafka.brokers
  const topic = await createTopic(uniqueTopic('klt-spool-kill'), { partitions: 3, bootstrap })
  const dir = tmpDir(t)
  const first = runApp(t, [bootstrap, topic, dir, 5000, 1000000], { maxBufferBytes: 1 * MiB })
  await sleep(1500)
  node.signal('SIGKILL')
  t.ok(await node.waitExit(5000), 'the broker is gone')
  await sleep(8000)
  first.child.kill('SIGKILL')
  t.equal((await first.exited).signal, 'SIGKILL', 'the app is killed')

  const status = cli('spool', 'status', dir, '--json')
  t.equal(status.status, 0, status.stderr)
  const state = JSON.parse(status.stdout)
  const text = cli('spool', 'status', dir)
  t.match(text.stdout, new RegExp(`${state.records} records waiting, oldest spooled \\d+s ago`), `spool status says what waits: ${text.stdout}`)
  t.match(text.stdout, /no live process owns it/)
  const spooled = spooledSeqs(dir)
  t.equal(spooled.length, state.records, 'status counts every record in the spool')
  t.ok(spooled.length > 10000, `${spooled.length} records were in the spool when the app died`)

  node.start()
  await node.waitReady({ timeoutMs: 60000 })
  const second = runApp(t, [bootstrap, topic, dir, 1000, 0])
  t.equal((await second.exited).code, 0, `the restarted app sends the spool and ends ${second.stderr}`)
  t.equal(second.done.spool.recovered, spooled.length, 'it found every record the first run spooled')
  t.same({ pending: second.done.pending, failed: second.done.failed, dropped: second.done.dropped }, { pending: 0, failed: 0, dropped: 0 })
  const back = await readBack(topic, spooled.length, bootstrap)
  t.same(spooled.filter((s) => !back.seqs.has(s)), [], 'every spooled record is in Kafka')
  t.same(outOfOrderKeys(back.byKey), [], 'per-key order holds')
  t.same(fs.readdirSync(dir).filter((f) => f.endsWith('.seg')), [], 'the spool is empty afterwards')
})

t.test('a torn last record: the rest arrives (spool replay), the torn one is counted', async (t) => {
  const bootstrap = brokers()
  const topic = await createTopic(uniqueTopic('klt-spool-torn'), { bootstrap })
  const dir = tmpDir(t)
  // Kafka unreachable: 3,000 records go to memory, then the spool; close() spools what memory held
  const app = runApp(t, ['127.0.0.1:9', topic, dir, 100000, 3000], { maxBufferBytes: 64 * 1024, closeMs: 500 })
  t.equal((await app.exited).code, 0, app.stderr)
  t.equal(app.done.spool.records, 3000, 'all 3,000 records are in the spool at the end')
  const seg = fs.readdirSync(dir).filter((f) => f.endsWith('.seg')).sort().at(-1)
  const file = path.join(dir, seg)
  fs.truncateSync(file, fs.statSync(file).size - 10) // the app died in the middle of writing its last record
  const status = JSON.parse(cli('spool', 'status', dir, '--json').stdout)
  t.same({ records: status.records, corrupt: status.corrupt }, { records: 2999, corrupt: 1 }, 'status: 2,999 whole records waiting, 1 torn')

  const r = cli('spool', 'replay', dir, '--brokers', bootstrap)
  t.equal(r.status, 0, `spool replay exits 0: ${r.stderr}`)
  t.match(r.stderr, /2999 of 2999 records delivered, 0 failed, 0 left in the spool; 1 torn or corrupt record skipped/)
  const back = await readBack(topic, 2999, bootstrap)
  t.equal(back.seqs.size, 2999, 'the 2,999 whole records are in Kafka')
  t.equal(back.ids.size, 2999, 'with their log ids')
  t.same(fs.readdirSync(dir).filter((f) => f.endsWith('.seg')), [], 'and the spool is empty')
})

t.test('a tiny maxBytes: past it the overflow policy applies, every drop counted and in the fallback', async (t) => {
  const bootstrap = brokers()
  for (const overflow of ['dropNewest', 'dropOldest', 'block']) {
    await t.test(overflow, async (t) => {
      const topic = await createTopic(uniqueTopic(`klt-spool-${overflow.toLowerCase()}`), { bootstrap })
      const dir = tmpDir(t)
      const fallback = new PassThrough()
      const dropped = []
      fallback.on('data', (d) => dropped.push(...d.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l).seq)))
      const N = 2000
      const BOUND = 100
      // Kafka unreachable: 100 records in memory, then a 64 KiB spool, then the policy
      const producer = new KafkaLogProducer({ brokers: '127.0.0.1:9', topic, maxBufferMessages: BOUND, overflow, fallback, spool: { dir, maxBytes: 64 * 1024 }, connectTimeoutMs: 60000 })
      producer.on('error', () => {})
      const accepted = []
      for (let seq = 0; seq < N; seq++) accepted.push(producer.write({ level: 30, seq }))
      // drops are counted at once; the fallback stream delivers asynchronously, and dropOldest's
      // records reach it only once read back from their segment (off the event loop)
      for (let waited = 0; dropped.length < producer.metrics().dropped && waited < 5000; waited += 10) await sleep(10)
      const m = producer.metrics()
      const inSpool = m.spool.records
      t.equal(m.buffered, BOUND, 'memory holds its bound')
      t.ok(inSpool > 100 && m.spool.bytes <= 64 * 1024, `the spool holds ${inSpool} records in ${m.spool.bytes} bytes`)
      t.equal(m.written, m.dropped + m.pending, 'written = dropped + pending')
      t.equal(m.droppedByReason['buffer-full'], N - BOUND - inSpool, 'what fits nowhere is dropped as buffer-full')
      t.equal(dropped.length, m.droppedByReason['buffer-full'], 'the fallback got every dropped record')
      if (overflow === 'dropOldest') {
        t.same(dropped, range(dropped.length).map((i) => BOUND + i), 'dropOldest: the oldest spooled records (whole segments) went')
      } else {
        t.same(dropped, range(dropped.length).map((i) => BOUND + inSpool + i), `${overflow}: the newest records went`)
      }
      if (overflow === 'block') t.equal(accepted.indexOf(false), BOUND + inSpool, 'block: write() returns false once memory and spool are full')
      await producer.close(300)
      const after = producer.metrics()
      t.equal(after.written, after.dropped + after.pending, 'after close: written = dropped + pending')
      t.equal(after.droppedByReason.closed + after.spool.records - inSpool, BOUND, "close: memory's records went to the spool where there was room, else dropped as closed")

      // Kafka reachable again: a new producer on the same spool sends what it holds
      const waiting = after.spool.records
      const next = new KafkaLogProducer({ brokers: bootstrap, topic, spool: { dir } })
      t.equal(next.metrics().spool.recovered, waiting)
      const r = await next.close(30000)
      t.same(r, { delivered: waiting, failed: 0, pending: 0 }, `the ${waiting} waiting records are delivered`)
      const back = await readBack(topic, waiting, bootstrap)
      t.equal(back.seqs.size, waiting)
      t.same([...back.seqs].filter((s) => dropped.includes(s)), [], 'no dropped record is in Kafka')
    })
  }
})

t.test('two processes on one spool dir: the second gets a clear error, the first is unaffected', async (t) => {
  const bootstrap = brokers()
  const topic = await createTopic(uniqueTopic('klt-spool-lock'), { bootstrap })
  const dir = tmpDir(t)
  const first = runApp(t, [bootstrap, topic, dir, 2000, 8000])
  while (first.metrics.length === 0) await sleep(50)
  const second = runApp(t, [bootstrap, topic, dir, 2000, 8000])
  t.equal((await second.exited).code, 2, 'the second app cannot start a producer on it')
  t.equal(second.error?.code, 'KLT_SPOOL_LOCKED')
  t.match(second.error?.message, new RegExp(`spool directory .* is in use by process ${first.child.pid}: one live process`), second.error?.message)
  t.equal((await first.exited).code, 0, first.stderr)
  t.same({ delivered: first.done.delivered, pending: first.done.pending }, { delivered: 8000, pending: 0 }, 'the first delivers everything')
  const back = await readBack(topic, 8000, bootstrap)
  t.equal(back.seqs.size, 8000, 'all 8,000 are in Kafka')
})

t.test('pino worker target with a spool: lines logged while Kafka is away are kept, then replayed', async (t) => {
  const bootstrap = brokers()
  const topic = await createTopic(uniqueTopic('klt-spool-pino'), { bootstrap })
  const dir = tmpDir(t)
  const N = 2000
  const app = spawnSync(process.execPath, [path.join(path.dirname(APP), 'pino-spool.mjs'), '127.0.0.1:9', topic, dir, String(N)], { encoding: 'utf8', timeout: 60000 })
  t.equal(app.status, 0, `the app ends normally ${app.stderr}`)
  // the producer process outlives the app by its close timeout: wait until it has let go of the spool
  let state
  for (const until = Date.now() + 30000; Date.now() < until; await sleep(200)) {
    state = JSON.parse(cli('spool', 'status', dir, '--json').stdout)
    if (state.owner === null && state.records === N) break
  }
  t.same({ records: state.records, owner: state.owner }, { records: N, owner: null }, 'every line waits in the spool, and its producer process is gone')
  const r = cli('spool', 'replay', dir, '-b', bootstrap)
  t.equal(r.status, 0, r.stderr)
  // which lines: pino's lines carry { i } (no seq field)
  const got = await consumeAll(topic, N, { bootstrap, timeoutMs: 90000, settleMs: 2000 })
  t.same(got.map((m) => JSON.parse(m.value.toString()).i).sort((a, b) => a - b), range(N), `every one of the ${N} lines is in Kafka, once`)
  t.equal(new Set(got.map((m) => m.headers['log-id'])).size, N, 'each with a log id of its own')
})

t.test('process.exit() while Kafka is away: with a spool, what memory held is on disk for the next run', async (t) => {
  const dir = tmpDir(t)
  const script = `
    import { KafkaLogProducer } from 'kafka-log-transport'
    const p = new KafkaLogProducer({ brokers: '127.0.0.1:9', topic: 'x', spool: { dir: ${JSON.stringify(dir)} }, maxBufferMessages: 1000 })
    p.on('error', () => {})
    for (let seq = 0; seq < 3000; seq++) p.write({ level: 30, seq })
    process.exit(0)`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30000, cwd: path.join(path.dirname(APP), '..', '..') })
  t.equal(r.status, 0, r.stderr)
  t.notMatch(r.stderr, /not confirmed/, 'nothing is reported lost')
  t.same(spooledSeqs(dir).sort((a, b) => a - b), range(3000), 'all 3,000 records are in the spool (2,000 overflowed, 1,000 moved there at exit)')
})

t.test('records librdkafka gives up on (messageTimeoutMs) during an outage go to the spool, and arrive after it', async (t) => {
  const kafka = await startSingle({ port: ownPort('spool', 2) })
  t.teardown(() => kafka.stop())
  const node = kafka.nodes[0]
  const bootstrap = kafka.brokers
  const topic = await createTopic(uniqueTopic('klt-spool-timeout'), { partitions: 3, bootstrap })
  const dir = tmpDir(t)
  // idempotence off, as in broker-faults: the idempotent producer was seen to hold records
  // past messageTimeoutMs while the broker was away (RELIABILITY.md). Without it, a request
  // the restarted broker refuses (its partitions not led yet) is retried after the requests
  // behind it: one request in flight per connection keeps a key's order (Kafka's rule; seen
  // once in a CI-like run, each key's first record after its last)
  const messageTimeoutMs = 2000
  const producer = new KafkaLogProducer({ brokers: bootstrap, topic, key: 'k', spool: { dir }, messageTimeoutMs, idempotence: false, exitHook: false, rdkafka: { 'max.in.flight.requests.per.connection': 1 } })
  producer.on('error', () => {})
  const failures = []
  producer.on('delivery-error', (e) => failures.push(e))
  await producer.connect()
  node.signal('SIGKILL')
  t.ok(await node.waitExit(5000), 'the broker is gone')
  const N = 2000
  for (let seq = 0; seq < N; seq++) producer.write({ level: 30, seq, k: `key-${seq % 20}` })
  // librdkafka holds them (connected, broker away) until messageTimeoutMs, then reports them
  // failed: at the latest at its next reconnect attempt (up to 1.5 x reconnect.backoff.max.ms
  // apart) plus its 1 s timeout scan (RELIABILITY.md, issue #31). Those reported first wait
  // in the spool for replay's first pause (5 s), longer than that, so all N are there at once.
  // On top, 15 s for a loaded machine (two test files at once on 2 cores).
  const reportedWithin = messageTimeoutMs + 1.5 * RECONNECT_BACKOFF_MAX_MS + 1000
  for (const until = Date.now() + reportedWithin + 15000; producer.metrics().spool.records < N && Date.now() < until;) await sleep(100)
  const m = producer.metrics()
  t.equal(m.spool.records, N, 'every timed-out record is in the spool')
  t.same({ failed: m.failed, inflight: m.inflight }, { failed: 0, inflight: 0 }, 'none counted as failed, none left in flight')
  t.equal(failures.length, 0, 'no delivery-error: nothing was lost')
  node.start()
  await node.waitReady({ timeoutMs: 60000 })
  const r = await producer.close(60000)
  t.same(r, { delivered: N, failed: 0, pending: 0 }, 'after the outage all are delivered')
  const back = await readBack(topic, N, bootstrap)
  t.same(missing(back.seqs, N), [], 'every record is in Kafka')
  t.equal(back.ids.size, back.seqs.size, 'each with the log id it was written with')
  t.same(outOfOrderKeys(back.byKey), [], 'per-key order holds (they timed out, and were spooled, in order)')
})
