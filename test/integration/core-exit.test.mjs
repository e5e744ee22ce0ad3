// Issue #4: exit paths of a process using the core directly; counts checked in Kafka.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startCli } from '../fixtures/cli-run.mjs'
import { brokers, consumeAll, countRecords, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'core-exit.mjs')
const N = 2000

/** Read `topic` back (waiting until `n` records are there): the `i` of each record, sorted. */
async function arrived (topic, n = N) {
  return (await consumeAll(topic, n)).map((m) => JSON.parse(m.value.toString()).i).sort((a, b) => a - b)
}
const ALL = Array.from({ length: N }, (_, i) => i)

async function gone (dir, ms) {
  for (const until = Date.now() + ms; Date.now() < until;) {
    if (dir === undefined || !fs.existsSync(dir)) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

async function run (scenario, { signalAfterReady, bootstrap = brokers(), options = {} } = {}) {
  const topic = await createTopic(uniqueTopic(`klt-exit-${scenario}`))
  const child = spawn(process.execPath, [fixture, bootstrap, topic, String(N), scenario, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
    if (signalAfterReady && stdout.includes('ready')) child.kill(signalAfterReady)
  })
  child.stderr.on('data', (d) => { stderr += d })
  const t0 = Date.now()
  const killer = setTimeout(() => child.kill('SIGKILL'), 30000)
  const [code, signal] = await once(child, 'exit')
  clearTimeout(killer)
  return { topic, code, signal, stderr, ms: Date.now() - t0, count: await countRecords(topic) }
}

t.test('an app that simply finishes exits by itself, and every record arrives', async (t) => {
  const r = await run('idle')
  t.equal(r.code, 0, `exited with 0 after ${r.ms} ms (${r.stderr})`)
  t.ok(r.ms < 15000, 'without hanging on node-rdkafka\'s handles')
  t.same(await arrived(r.topic), ALL, 'every record is in Kafka, once')
})

// Under tap the child also has signal-exit loaded (tap's processinfo): this also checks that
// we and signal-exit do not both defer to each other and leave the process running.
t.test('SIGTERM without an app handler: records flushed, then the default action (exit by signal)', async (t) => {
  const r = await run('sigterm', { signalAfterReady: 'SIGTERM' })
  t.equal(r.signal, 'SIGTERM', 'the process ends the way SIGTERM always ends it')
  t.same(await arrived(r.topic), ALL, 'every record is in Kafka, once')
})

t.test('SIGTERM with an app handler: we flush, the app decides when to exit', async (t) => {
  const r = await run('sigterm-app-handler', { signalAfterReady: 'SIGTERM' })
  t.equal(r.code, 0)
  t.same(await arrived(r.topic), ALL, 'every record is in Kafka, once')
})

t.test('process.exit() right after logging, before any connection: a rescue process delivers the records', async (t) => {
  const r = await run('exit-now')
  t.equal(r.code, 0, 'the exit code the app chose')
  const m = /not connected to Kafka at exit: (\d+) log record\(s\) handed to a rescue process \(pid (\d+)\)[^\n]* or leaves them in (\S+)/.exec(r.stderr)
  t.ok(m, `said on stderr: ${r.stderr.trim()}`)
  t.equal(Number(m?.[1]), N, 'every record handed over')
  t.same(await arrived(r.topic), ALL, 'the rescue process delivered them, each once')
  t.equal(await gone(m?.[3], 10000), true, 'and removed its directory')
})

t.test('process.exit() with Kafka unreachable: the rescue process gives up after connectTimeoutMs and leaves the records for spool replay', async (t) => {
  const r = await run('exit-now', { bootstrap: '127.0.0.1:9', options: { connectTimeoutMs: 1000, flushTimeoutMs: 1000 } })
  t.equal(r.code, 0, 'the exit code the app chose')
  const m = /handed to a rescue process \(pid (\d+)\)[^\n]* or leaves them in (\S+)/.exec(r.stderr)
  t.ok(m, `said on stderr: ${r.stderr.trim()}`)
  t.equal(r.count, 0, 'nothing in the topic before the replay: what is there after it came from the spool')
  const dir = m?.[2]
  const report = path.join(dir ?? '', 'rescue-report.txt')
  for (const until = Date.now() + 15000; !fs.existsSync(report) && Date.now() < until;) await new Promise((resolve) => setTimeout(resolve, 200))
  t.match(fs.readFileSync(report, 'utf8'), new RegExp(`Kafka could not be reached.*0 of ${N} record\\(s\\) delivered, 0 failed, ${N} left here\\. Send them with: kafka-log-transport spool replay`))
  t.notOk(fs.existsSync(path.join(dir, 'rescue-options.json')), 'the connection settings (maybe secrets) were deleted')
  // what it left is a spool like any other: the CLI sends it once Kafka is there
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const replay = startCli(['spool', 'replay', dir, '-b', brokers()])
  const done = await replay.done
  t.equal(done.code, 0, `spool replay sent it (${replay.stderr()})`)
  t.same(await arrived(r.topic), ALL, 'every record, once, in the topic it was written for')
})

t.test('connected, whole lines written, process.exit() in the same turn: the lines kept for the native line path are handed over at exit', async (t) => {
  const r = await run('lines-exit-now')
  t.equal(r.code, 0, `the exit code the app chose (${r.stderr.trim()})`)
  t.same(await arrived(r.topic), ALL, 'every line is in Kafka, once')
})

t.test('await close() then process.exit(): everything arrives', async (t) => {
  const r = await run('close-then-exit')
  t.equal(r.code, 0)
  t.same(await arrived(r.topic), ALL, 'every record is in Kafka, once')
  t.equal(r.stderr, '')
})
