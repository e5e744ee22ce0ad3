// Issue #33: the app as a container's main process. In a container the app is PID 1 of its
// own PID namespace (or the one child of tini); when it ends, the kernel kills every other
// process in the namespace, a detached one too. Run as a container would (`unshare --pid
// --fork --mount-proc`, which root can do), an app that ends before it could reach Kafka
// either gets its records there before it ends, or says on stderr how many were not
// delivered and where they are.
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { startCli } from '../fixtures/cli-run.mjs'
import { brokers, consumeAll, countRecords, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'exit-at-once.mjs')
const N = 2000
const ALL = Array.from({ length: N }, (_, i) => i)

const probe = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '-p', 'process.pid'], { encoding: 'utf8' })
if (probe.stdout?.trim() !== '1') {
  throw new Error('these tests run the app as PID 1 of a PID namespace of its own, with `unshare --pid --fork --mount-proc` ' +
    `(util-linux), which needs root or CAP_SYS_ADMIN; here it said: ${probe.error?.message ?? probe.stderr}`)
}

/** Run the fixture as PID 1 of a new PID namespace; resolve when the namespace is gone. */
async function inContainer (wiring, { bootstrap = brokers(), options = {} } = {}) {
  const topic = await createTopic(uniqueTopic(`klt-pid1-${wiring}`))
  const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, fixture, wiring, bootstrap, topic, String(N), JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  child.stdout.resume()
  const t0 = Date.now()
  const killer = setTimeout(() => child.kill('SIGKILL'), 60000)
  const [code] = await once(child, 'exit')
  clearTimeout(killer)
  return { topic, code, stderr, ms: Date.now() - t0 }
}

async function arrived (topic) {
  return (await consumeAll(topic, N)).map((m) => JSON.parse(m.value.toString()).i).sort((a, b) => a - b)
}

for (const wiring of ['core', 'destination', 'winston', 'worker']) {
  t.test(`${wiring}, PID 1 of its namespace, process.exit() before any connection: every record in Kafka before the app ends`, async (t) => {
    const r = await inContainer(wiring)
    t.equal(r.code, 0, `the exit code the app chose (${r.stderr.trim()})`)
    if (wiring !== 'worker') {
      // the worker target's producer process is waited for by pino's own exit (thread-stream's end)
      t.match(r.stderr, new RegExp(`not connected to Kafka at exit: ${N} log record\\(s\\) sent by a rescue process this process waited for`))
    }
    t.same(await arrived(r.topic), ALL, 'every record, once')
  })
}

t.test("rescue: 'detach' in a container: the rescue process dies with the namespace (why 'auto' waits there)", async (t) => {
  const r = await inContainer('core', { options: { rescue: 'detach' } })
  const dir = /or leaves them in (\S+)/.exec(r.stderr)?.[1]
  t.ok(dir, `said where the records are (${r.stderr.trim()})`)
  t.teardown(() => fs.rmSync(dir ?? '', { recursive: true, force: true }))
  await sleep(3000)
  t.equal(await countRecords(r.topic), 0, 'nothing reached Kafka: the detached rescue was killed with the app')
})

t.test('Kafka unreachable, PID 1: the app waits a bounded time, then says how many records were not delivered and where they are', async (t) => {
  const options = { connectTimeoutMs: 1000, flushTimeoutMs: 1000 }
  const r = await inContainer('core', { bootstrap: '127.0.0.1:9', options })
  t.equal(r.code, 0, 'the exit code the app chose')
  // the bound: min(connectTimeoutMs, 10 s) + flushTimeoutMs + 5 s (README, option rescue), plus node's start
  t.ok(r.ms < 1000 + 1000 + 5000 + 3000, `ended in ${r.ms} ms`)
  const m = new RegExp(`up to ${N} log record\\(s\\) NOT delivered; a rescue process tried for \\d+ ms \\((.+)\\)\\. They are in (\\S+), which ends with this container`).exec(r.stderr)
  t.ok(m, `said on stderr before it ended: ${r.stderr.trim()}`)
  t.match(m?.[1], /Kafka could not be reached/, 'with why')
  const dir = m?.[2] ?? ''
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  t.notOk(fs.existsSync(path.join(dir, 'rescue-options.json')), 'the connection settings (maybe secrets) were deleted')
  // here the directory outlived the namespace (no container file system): the CLI sends it
  const replay = startCli(['spool', 'replay', dir, '-b', brokers()])
  const done = await replay.done
  t.equal(done.code, 0, `spool replay sent it (${replay.stderr()})`)
  t.same(await arrived(r.topic), ALL, 'every record, once, in the topic it was written for')
})
