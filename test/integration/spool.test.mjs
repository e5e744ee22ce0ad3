// Issue #11: the durable spool against a real broker. Apps run as child processes
// (test/fixtures/spool-app.mjs); what arrived is counted in Kafka by seq and log id.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { startSingle } from '../kafka/harness.mjs'
import { brokers, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const APP = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'spool-app.mjs')
const PORT = 18792 // a broker of this test's own, stopped and started; below the ephemeral ports (see broker-faults)
const MiB = 1024 * 1024

const tmpDir = (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-spool-it-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return path.join(dir, 'spool')
}

/** Start the app; its output lines are parsed as they come. */
function runApp (t, args, options = {}) {
  const child = spawn(process.execPath, [APP, ...args.map(String), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] })
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
  const kafka = await startSingle({ port: PORT })
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
