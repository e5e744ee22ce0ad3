// Issue #5: lines logged right before the app ends arrive in Kafka, for the pino worker
// target and the main-thread destination, however the process ends. Counted in Kafka.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { brokers, countRecords, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pino-exit.mjs')
const N = 1000

async function run (mode, scenario, signal) {
  const topic = await createTopic(uniqueTopic(`klt-pino-${scenario}`))
  const child = spawn(process.execPath, [fixture, mode, brokers(), topic, String(N), scenario], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
    if (signal && stdout.includes('logged')) child.kill(signal)
  })
  child.stderr.on('data', (d) => { stderr += d })
  const t0 = Date.now()
  const killer = setTimeout(() => child.kill('SIGKILL'), 30000) // a hang
  const [code, sig] = await once(child, 'exit')
  clearTimeout(killer)
  const ms = Date.now() - t0
  // the worker target's producer process may still be finishing its flush: wait for it (bounded)
  let count = await countRecords(topic)
  for (const until = Date.now() + 10000; count < N + 1 && Date.now() < until;) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    count = await countRecords(topic)
  }
  return { code, signal: sig, stderr, ms, count }
}

const cases = [
  ['idle', { code: 0 }],
  ['exit-now', { code: 0 }],
  ['uncaught', { code: 1 }],
  ['sigterm', { signal: 'SIGTERM' }, 'SIGTERM'],
  ['sigint', { signal: 'SIGINT' }, 'SIGINT'],
  ['sigterm-app-handler', { code: 0 }, 'SIGTERM'],
  // only the worker target's producer process outlives its app: an in-process producer cannot
  ['sigkill', { signal: 'SIGKILL' }, 'SIGKILL']
]

for (const mode of ['worker', 'worker-helper', 'destination']) {
  for (const [scenario, expected, signal] of cases) {
    if (mode === 'destination' && scenario === 'sigkill') continue
    t.test(`${mode}: ${scenario}`, async (t) => {
      const r = await run(mode, scenario, signal)
      if (expected.code !== undefined) t.equal(r.code, expected.code, `exit code (${r.stderr.slice(-800)})`)
      if (expected.signal !== undefined) t.equal(r.signal, expected.signal, `ended by ${expected.signal} (${r.stderr.slice(-800)})`)
      if (scenario !== 'sigkill') t.equal(r.signal === 'SIGKILL', false, 'did not hang')
      t.equal(r.count, N + 1, `every line is in Kafka (${r.ms} ms)`)
    })
  }
}

// Broker unreachable for the app's whole life: the app still ends on its own, promptly,
// without a crash, and the loss is said on stderr (by the producer process for the worker).
for (const mode of ['worker', 'destination']) {
  t.test(`${mode}: nothing listening at the broker address`, async (t) => {
    const child = spawn(process.execPath, [fixture, mode, '127.0.0.1:9', 'nowhere', '50', 'idle'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => { stderr += d })
    const t0 = Date.now()
    const killer = setTimeout(() => child.kill('SIGKILL'), 30000)
    const [code, signal] = await once(child, 'exit')
    clearTimeout(killer)
    const ms = Date.now() - t0
    t.equal(signal, null, `not killed (${stderr.slice(-600)})`)
    t.equal(code, 0, 'a normal exit, no abort')
    t.ok(ms < 15000, `ended in ${ms} ms`)
    if (mode === 'destination') {
      // never connected: what it held went to a rescue process (which would try for connectTimeoutMs)
      const m = /not connected to Kafka at exit: 51 log record\(s\) handed to a rescue process \(pid (\d+)\)[^\n]* or leaves them in (\S+)/.exec(stderr)
      t.ok(m, `said on stderr: ${stderr.slice(-600)}`)
      if (m) {
        try { process.kill(Number(m[1]), 'SIGKILL') } catch { /* already gone */ }
        fs.rmSync(m[2], { recursive: true, force: true })
      }
    }
  })
}
