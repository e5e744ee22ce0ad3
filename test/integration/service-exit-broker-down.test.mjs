// Issue #16: a service shutting down while Kafka does not answer (its broker frozen with
// SIGSTOP, the way a hung broker or a dead network looks to a client). The exit is bounded,
// the exit code is the one the app chose (or the signal's), and the loss is said on stderr
// with its number: nothing is lost silently. This file owns its broker (it freezes it).
import t from 'tap'
import { startSingle } from '../kafka/harness.mjs'
import { countRecords, createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { runService } from '../helpers/service.mjs'
import { ownPort } from '../kafka/ports.mjs'

const PORT = ownPort('service-exit-broker-down') // a broker of this test's own (see test/kafka/ports.mjs)
const INFLIGHT = 20

const kafka = await startSingle({ port: PORT })
t.teardown(() => kafka.stop())
const node = kafka.nodes[0]
const freeze = async () => { node.signal('SIGSTOP') }
const thaw = () => { node.signal('SIGCONT') }

/** The number the library reported as not confirmed, from stderr (0 when it said nothing). */
function reported (stderr) {
  return [...stderr.matchAll(/(\d+) log record\(s\) were not confirmed delivered/g)].reduce((n, m) => n + Number(m[1]), 0)
}

t.test("fastify + destination: the app's handler exits while Kafka is frozen: bounded, code 0, losses reported", async (t) => {
  const topic = await createTopic(uniqueTopic('klt-down-handler'), { bootstrap: kafka.brokers })
  t.teardown(thaw)
  const r = await runService({ app: 'fastify', wiring: 'destination', ending: 'handler-exit', brokers: kafka.brokers, topic, beforeSignal: freeze })
  thaw()
  t.equal(r.code, 0, `the exit code the app chose (${r.stderr.slice(-500)})`)
  t.equal(r.answered, INFLIGHT, 'every in-flight request answered')
  t.ok(r.ms < 3000, `ended in ${r.ms} ms: the server's close plus exitFlushMs (1 s)`)
  const n = reported(r.stderr)
  t.ok(n > 0, `the loss is said on stderr (${n})`)
  // every line is either in Kafka or counted as not confirmed (one may be both: sent, never acknowledged)
  const expected = 1 + 1 + 3 * INFLIGHT + 2 // started, Fastify's 'listening', 3 lines per request, shutting-down, closed
  const inKafka = await countRecords(topic, { bootstrap: kafka.brokers })
  t.ok(inKafka + n >= expected, `${inKafka} in Kafka + ${n} reported >= ${expected} logged`)
})

t.test('plain http + destination, no handler: SIGINT twice while the flush waits on a frozen Kafka ends it at once', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-down-twice'), { bootstrap: kafka.brokers })
  t.teardown(thaw)
  // connected first (it connects at creation), so that the flush is what waits
  const r = await runService({ app: 'plain', wiring: 'destination', ending: 'none', brokers: kafka.brokers, topic, signals: ['SIGINT', 'SIGINT'], gapMs: 300, beforeSignal: freeze, startDelayMs: 1000 })
  thaw()
  t.equal(r.signal, 'SIGINT', `ended by SIGINT (${r.stderr.slice(-500)})`)
  t.ok(r.ms < 1500, `at once after the second (${r.ms} ms; the flush bound is 3 s)`)
  t.match(r.stderr, /log record\(s\) were not confirmed delivered to Kafka before SIGINT ended the process \(SIGINT then SIGINT: stopped waiting\)/)
  t.equal(reported(r.stderr) + await countRecords(topic, { bootstrap: kafka.brokers }) >= 1 + INFLIGHT, true, 'none lost silently')
})

t.test('plain http + kafka-transport, no handler: SIGTERM while Kafka is frozen ends the app within the flush bound', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-down-worker'), { bootstrap: kafka.brokers })
  t.teardown(thaw)
  const r = await runService({ app: 'plain', wiring: 'kafka-transport', ending: 'none', brokers: kafka.brokers, topic, beforeSignal: freeze })
  t.equal(r.signal, 'SIGTERM', `ended by SIGTERM (${r.stderr.slice(-500)})`)
  t.ok(r.ms < 6000, `within flushTimeoutMs (3 s) plus a second (${r.ms} ms)`)
  thaw()
})
