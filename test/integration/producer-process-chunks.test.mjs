// Issue #18: the pino worker target's producer process reads its lines from a pipe in
// chunks that cut lines anywhere (inside a multi-byte character too) and hands whole
// chunks to the native line path. Every line must arrive once, whole, in order, however
// the chunks fall, also while it holds the pipe back at a full buffer.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import path from 'node:path'
import { brokers, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const require = createRequire(import.meta.url)
const PROCESS = path.join(path.dirname(require.resolve('kafka-log-transport')), 'adapters', 'producer-process.js')
const N = 5000

const now = Date.now()
function lines () {
  return Array.from({ length: N }, (_, i) => JSON.stringify({ level: i % 5 === 0 ? 40 : 30, time: now, reqId: `r-${i % 37}`, seq: i, msg: `grüße ✓ ${'x'.repeat(i % 300)}` }) + '\n')
}

// a deterministic stream of cut points (no flaky randomness)
function * cuts (total, seed) {
  let x = seed
  for (let at = 0; at < total;) {
    x = (x * 1103515245 + 12345) % 2147483648
    const size = 1 + (x % 9000)
    yield [at, Math.min(total, at + size)]
    at += size
  }
}

async function run (t, options, seed, { all = false } = {}) {
  const topic = await createTopic(uniqueTopic('pp-chunks'))
  const child = spawn(process.execPath, [PROCESS], { stdio: ['pipe', 'inherit', 'pipe', 'ipc'] })
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  const exited = once(child, 'exit')
  const data = Buffer.from(JSON.stringify({ brokers: brokers(), topic, key: 'reqId', logHeaders: ['level'], ...options }) + '\n' + lines().join(''))
  if (all) {
    child.stdin.write(data) // everything at once, then the end: it comes while the process holds lines back
  } else {
    for (const [from, to] of cuts(data.length, seed)) {
      if (!child.stdin.write(data.subarray(from, to))) await once(child.stdin, 'drain')
      if (from % 7 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
  }
  child.stdin.end()
  const [code] = await exited
  t.equal(code, 0, `the producer process delivered everything (${stderr.slice(-500)})`)
  const got = await consumeAll(topic, N, { settleMs: 300 })
  t.equal(got.length, N, 'every line is one record, none twice')
  const expected = lines()
  let bad = 0
  got.forEach((m, i) => {
    const want = expected[i].slice(0, -1)
    const rec = JSON.parse(want)
    if (m.value.toString() !== want || m.key.toString() !== rec.reqId || m.headers.level !== (rec.level === 40 ? 'warn' : 'info')) {
      if (bad === 0) t.comment(`first difference at ${i}: ${m.value.toString().slice(0, 120)} key=${m.key} level=${m.headers.level}`)
      bad++
    }
  })
  t.equal(bad, 0, 'each record whole (value, key, level), in the order written')
}

t.test('lines cut anywhere by the pipe arrive whole and in order', async (t) => {
  await run(t, {}, 7)
})

t.test('the same while a full buffer holds the pipe back (overflow: block, a small buffer)', async (t) => {
  await run(t, { maxBufferMessages: 50, overflow: 'block' }, 1234)
})

t.test('input that ends while lines are held back at a full buffer (block): they still wait for room, none dropped', async (t) => {
  await run(t, { maxBufferMessages: 50, overflow: 'block' }, 1, { all: true })
})
