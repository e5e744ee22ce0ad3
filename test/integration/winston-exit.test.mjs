// Issue #6: exit paths of a process logging through winston into Kafka; every count is
// read from the topic. Each scenario runs test/fixtures/winston-exit.mjs in a child process.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { KafkaTransport } from 'kafka-log-transport/winston'
import { brokers, consumeAll, countRecords, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'winston-exit.mjs')
const N = 2000

async function run (scenario) {
  const topic = await createTopic(uniqueTopic(`klt-wexit-${scenario}`))
  const child = spawn(process.execPath, [fixture, brokers(), topic, String(N), scenario], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => { stdout += d })
  child.stderr.on('data', (d) => { stderr += d })
  const t0 = Date.now()
  const killer = setTimeout(() => child.kill('SIGKILL'), 30000)
  const [code, signal] = await once(child, 'exit')
  clearTimeout(killer)
  return { topic, code, signal, stdout, stderr, ms: Date.now() - t0, count: await countRecords(topic) }
}

t.test('an app that simply finishes exits by itself, every log delivered', async (t) => {
  const r = await run('idle')
  t.equal(r.code, 0, `exited with 0 after ${r.ms} ms ${r.stderr}`)
  t.ok(r.ms < 15000, 'without hanging on node-rdkafka handles')
  t.equal(r.count, N)
})

t.test("logger.end(): 'finish' comes after the flush, nothing pending", async (t) => {
  const r = await run('logger-end')
  t.equal(r.code, 0, r.stderr)
  t.equal(r.stdout, 'finish 0\n', 'nothing pending at finish')
  t.equal(r.count, N)
})

t.test('await transport.close() then process.exit(): everything arrives, nothing reported', async (t) => {
  const r = await run('close-then-exit')
  t.equal(r.code, 0)
  t.equal(r.count, N)
  t.equal(r.stderr, '')
})

t.test('process.exit() right after logging, before a connection: handed to a rescue process, which delivers', async (t) => {
  const r = await run('exit-now')
  t.equal(r.code, 0)
  const m = /not connected to Kafka at exit: (\d+) log record\(s\) handed to a rescue process/.exec(r.stderr)
  t.ok(m, `said on stderr: ${r.stderr.trim()}`)
  const count = await waitForCount(r.topic, N, 20000)
  t.equal(Number(m?.[1]), N, 'every record handed over')
  t.equal(count, N, 'all in Kafka')
})

t.test('process.exit() right after logging, once connected: the exit hook sends what it can', async (t) => {
  const r = await run('exit-after-ready')
  t.equal(r.code, 0)
  const probe = new KafkaTransport({ brokers: brokers(), topic: r.topic })
  const { exitFlushMs: exitFlush, engine } = probe.producer.options
  const onEngine = probe.producer.metrics().engine
  await probe.close()
  if (onEngine === 'platformatic') {
    // an engine in JS cannot send once the event loop has stopped: what it held goes to a rescue process
    const m = /at exit, the pure-JS engine: (\d+) log record\(s\) handed to a rescue process/.exec(r.stderr)
    t.ok(m, `said on stderr: ${r.stderr.trim()}`)
    const count = await waitForCount(r.topic, N + 1, 20000)
    t.equal(count, N + 1, `all in Kafka (${m?.[1]} of them through the rescue process; engine option ${engine})`)
    return
  }
  const m = /kafka-log-transport: (\d+) log record\(s\) were not confirmed delivered/.exec(r.stderr)
  const reported = Number(m?.[1] ?? 0)
  t.ok(r.count + reported >= N + 1, `${r.count} in Kafka, ${reported} reported unconfirmed: none silently lost`)
  if (exitFlush !== undefined && exitFlush > 0) {
    // the core hands its buffer to librdkafka at 'exit' and gives it exitFlushMs
    t.equal(r.count, N + 1, `all delivered within the core's exit bound (${exitFlush} ms)`)
  }
})

/** The count of records in `topic` once it reaches `n`, or after `ms`. */
async function waitForCount (topic, n, ms) {
  let count = await countRecords(topic)
  for (const until = Date.now() + ms; count < n && Date.now() < until;) {
    await new Promise((resolve) => setTimeout(resolve, 250))
    count = await countRecords(topic)
  }
  return count
}

// winston calls process.exit(1) 3000 ms after logging the fatal record unless every
// handling transport finishes first: ours delivers the record, then finishes
for (const [scenario, field] of [['uncaught', 'exception'], ['rejection', 'rejection']]) {
  t.test(`${scenario}: winston logs it, the transport delivers it before winston exits with 1`, async (t) => {
    const r = await run(scenario)
    t.equal(r.code, 1, 'winston exits with 1')
    // the fixture prints when the transport's close() completed ('finish') and then how the
    // process exited: through winston's 'finish' path, not its 3000 ms fallback timer
    t.equal(r.stdout, 'transport finished, 0 pending\nexit 1 after the transport\'s finish\n',
      `the transport finished, nothing pending, before winston exited (after ${r.ms} ms)`)
    t.equal(r.count, N + 1, 'the logs and the fatal record are in Kafka')
    const got = await consumeAll(r.topic, N + 1)
    const fatal = got.map((m) => JSON.parse(m.value.toString())).find((x) => x[field] === true)
    t.ok(fatal, `the ${field} record arrived`)
    t.match(fatal?.message, /at startup/)
    t.notMatch(r.stderr, /not confirmed delivered/, 'nothing left unconfirmed at exit')
  })
}
