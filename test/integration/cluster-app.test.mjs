// Issue #33: multi-process apps. A node:cluster service (4 workers, each its own producer)
// under load; SIGTERM to the primary only, as Kubernetes sends it to PID 1. The primary has
// no handler and dies; each worker, its IPC channel gone, exits (Node's cluster does
// process.exit()). Every line each worker logged is counted in Kafka, none twice.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { brokers, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'cluster-app.mjs')
const WORKERS = 4

function get (port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200))
      res.on('error', () => resolve(false))
    })
    req.on('error', () => resolve(false))
  })
}

/** Start the cluster app, load it with requests for `loadMs`, SIGTERM the primary; wait for every process of it to end. */
async function runCluster (wiring, { options = {}, loadMs = 3000 } = {}) {
  const topic = await createTopic(uniqueTopic(`klt-cluster-${wiring}`), { partitions: 4 })
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-cluster-'))
  // its own process group: the test can wait for the workers too, and kill them all if stuck
  const child = spawn(process.execPath, [fixture, wiring, brokers(), topic, stateDir, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => { stdout += d })
  child.stderr.on('data', (d) => { stderr += d })
  const exited = once(child, 'exit')
  const killAll = () => {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // all gone already
    }
  }
  const hang = setTimeout(killAll, 60000)
  for (const end = Date.now() + 30000; !/listening \d+/.test(stdout) && Date.now() < end && child.exitCode === null;) await sleep(50)
  const port = Number(/listening (\d+)/.exec(stdout)?.[1])
  let answered = 0
  let asked = 0
  let loading = true
  const load = (async () => {
    const inflight = new Set()
    while (loading) {
      const p = get(port).then((ok) => { if (ok) answered++; inflight.delete(p) })
      inflight.add(p)
      asked++
      if (inflight.size >= 16) await Promise.race(inflight)
    }
    await Promise.all(inflight)
  })()
  await sleep(loadMs)
  const t0 = Date.now()
  process.kill(child.pid, 'SIGTERM') // the primary only
  const [, signal] = await exited
  loading = false
  await load
  // the workers (and the worker target's producer processes) outlive the primary for as
  // long as their exit takes: wait until the whole process group is gone
  const groupAlive = () => {
    try {
      process.kill(-child.pid, 0)
      return true
    } catch {
      return false
    }
  }
  for (const end = Date.now() + 30000; groupAlive() && Date.now() < end;) await sleep(100)
  const ms = Date.now() - t0
  const logged = {}
  for (const f of fs.readdirSync(stateDir)) logged[f.replace('worker-', '')] = Number(fs.readFileSync(path.join(stateDir, f), 'utf8'))
  clearTimeout(hang)
  killAll()
  fs.rmSync(stateDir, { recursive: true, force: true })
  return { topic, signal, stdout, stderr, logged, answered, asked, ms }
}

for (const wiring of ['destination', 'worker', 'winston']) {
  t.test(`node:cluster, 4 workers on ${wiring} under load, SIGTERM to the primary: every line of every worker in Kafka, once`, async (t) => {
    const r = await runCluster(wiring)
    t.equal(r.signal, 'SIGTERM', `the primary ended by the signal (${r.stderr.slice(-600)})`)
    t.equal(Object.keys(r.logged).length, WORKERS, `every worker said how many lines it logged; all its processes ended in ${r.ms} ms: ${JSON.stringify(r.logged)}`)
    t.ok(r.answered > 0, `requests answered under load: ${r.answered} of ${r.asked}`)
    const total = Object.values(r.logged).reduce((a, b) => a + b, 0)
    const got = (await consumeAll(r.topic, total, { timeoutMs: 60000 })).map((m) => ({ ...JSON.parse(m.value.toString()), id: m.headers['log-id'] }))
    t.comment(`in Kafka: ${got.length} of ${total}`)
    for (const [worker, n] of Object.entries(r.logged)) {
      const seqs = got.filter((l) => String(l.worker) === worker).map((l) => l.seq)
      t.equal(new Set(seqs).size, n, `worker ${worker}: all ${n} lines it logged are in Kafka`)
      t.equal(seqs.length, n, `worker ${worker}: none twice`)
    }
    t.equal(new Set(got.map((l) => l.id)).size, got.length, 'every log id once')
  })
}

t.test('node:cluster, 4 workers given one spool directory: one takes it, the others get SpoolLockedError saying to give each its own', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-cluster-spool-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const r = await runCluster('destination', { options: { spool: { dir } }, loadMs: 500 })
  const errors = r.stdout.split('\n').filter((l) => l.startsWith('producer-error '))
  t.equal(errors.length, WORKERS - 1, `three workers could not open it (${errors.join(' | ')})`)
  for (const e of errors) t.match(e, /KLT_SPOOL_LOCKED the spool directory .* is in use by process \d+: one live process .* give each its own, e\.g\. with the instance name or pid in the path/)
})
