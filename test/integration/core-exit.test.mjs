// Issue #4: exit paths of a process using the core directly; counts checked in Kafka.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { brokers, countRecords, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'core-exit.mjs')
const N = 2000

async function run (scenario, { signalAfterReady } = {}) {
  const topic = await createTopic(uniqueTopic(`klt-exit-${scenario}`))
  const child = spawn(process.execPath, [fixture, brokers(), topic, String(N), scenario], { stdio: ['ignore', 'pipe', 'pipe'] })
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
  t.equal(r.count, N)
})

// Under tap the child also has signal-exit loaded (tap's processinfo): this also checks that
// we and signal-exit do not both defer to each other and leave the process running.
t.test('SIGTERM without an app handler: records flushed, then the default action (exit by signal)', async (t) => {
  const r = await run('sigterm', { signalAfterReady: 'SIGTERM' })
  t.equal(r.signal, 'SIGTERM', 'the process ends the way SIGTERM always ends it')
  t.equal(r.count, N)
})

t.test('SIGTERM with an app handler: we flush, the app decides when to exit', async (t) => {
  const r = await run('sigterm-app-handler', { signalAfterReady: 'SIGTERM' })
  t.equal(r.code, 0)
  t.equal(r.count, N)
})

t.test('process.exit() right after logging reports what was not delivered', async (t) => {
  const r = await run('exit-now')
  t.equal(r.code, 0)
  t.match(r.stderr, new RegExp(`kafka-log-transport: ${N} log record\\(s\\) were not confirmed delivered`))
})

t.test('await close() then process.exit(): everything arrives', async (t) => {
  const r = await run('close-then-exit')
  t.equal(r.code, 0)
  t.equal(r.count, N)
  t.equal(r.stderr, '')
})
