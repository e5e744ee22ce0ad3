// Issue #16: real services (Fastify 5, close-with-grace, Express 5 + winston, a bare
// node:http server) shut down the way production does it, through each wiring. Every
// in-flight request is answered, every line logged before the end is in Kafka (read back
// from the topic), and the process ends the way the app chose.
import t from 'tap'
import { brokers, createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { linesInKafka, runService, tally } from '../helpers/service.mjs'

const INFLIGHT = 20
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const PINO = ['worker', 'kafka-transport', 'destination', 'targets']

// The app's own handler: logs 'shutting-down', awaits server.close() (20 requests of 400 ms
// in flight), logs 'closed', process.exit(0). Nothing of ours may close, end or refuse on the signal.
const handled = [
  ...PINO.map((w) => ['fastify', w]),
  ...['kafka-transport', 'destination'].map((w) => ['cwg', w]),
  ['express', 'winston']
]
for (const [app, wiring] of handled) {
  t.test(`${app} + ${wiring}: SIGTERM, the app's handler closes the server and exits`, async (t) => {
    const topic = await createTopic(uniqueTopic(`klt-svc-${app}-${wiring}`))
    const r = await runService({ app, wiring, ending: 'handler-exit', brokers: brokers(), topic, inflight: INFLIGHT })
    t.equal(r.code, 0, `exit code the app chose (${r.stderr.slice(-600)})`)
    t.equal(r.answered, INFLIGHT, `every in-flight request answered (${JSON.stringify(r.statuses)})`)
    const expected = 1 + INFLIGHT + 2
    const lines = await linesInKafka(topic, expected)
    const { marks, ids, total } = tally(lines, topic)
    t.same(marks, { started: 1, request: INFLIGHT, 'shutting-down': 1, closed: 1 }, 'every line of the app is in Kafka')
    t.equal(ids, total, 'no duplicates')
    if (app !== 'express') t.equal(lines.filter((l) => l.msg === 'request completed').length, INFLIGHT, "Fastify's own request logs too")
  })
}

// Kubernetes: SIGTERM, SIGKILL after the grace period (5 s). The app's shutdown takes ~1.4 s:
// it must be over, with its logs delivered, well inside the grace period.
for (const wiring of ['worker', 'kafka-transport', 'destination']) {
  t.test(`fastify + ${wiring}: SIGTERM then SIGKILL after 5 s; the app ends well inside the grace period`, async (t) => {
    const topic = await createTopic(uniqueTopic(`klt-svc-grace-${wiring}`))
    const r = await runService({ app: 'fastify', wiring, ending: 'handler-slow', brokers: brokers(), topic, inflight: INFLIGHT, graceMs: 5000 })
    t.equal(r.killedAtGrace, false, `ended by itself in ${r.ms} ms (${r.stderr.slice(-400)})`)
    t.equal(r.code, 0)
    t.equal(r.answered, INFLIGHT)
    const { marks } = tally(await linesInKafka(topic, 1 + INFLIGHT + 2), topic)
    t.same(marks, { started: 1, request: INFLIGHT, 'shutting-down': 1, closed: 1 })
  })
}

// No handler of the app's: our hook flushes, then the signal takes its default effect.
for (const wiring of ['worker', 'kafka-transport', 'destination', 'winston']) {
  t.test(`plain http + ${wiring}, no handler: SIGTERM flushes, then ends the process by SIGTERM`, async (t) => {
    const topic = await createTopic(uniqueTopic(`klt-svc-plain-${wiring}`))
    // the plain worker target reaches the main thread's signals once pino's worker has
    // started (README, "Shutdown and exit"): the fixture says it listens from then on
    const r = await runService({ app: 'plain', wiring, ending: 'none', brokers: brokers(), topic, inflight: INFLIGHT })
    t.equal(r.signal, 'SIGTERM', `ended by SIGTERM (${r.stderr.slice(-600)})`)
    t.ok(r.ms < 4000, `within the flush bound (${r.ms} ms)`)
    const { marks } = tally(await linesInKafka(topic, 1 + INFLIGHT), topic)
    t.same(marks, { started: 1, request: INFLIGHT }, 'every line logged before the signal is in Kafka')
  })
}

// Ctrl-C twice: the second signal ends the process at once; the worker wirings' producer
// process outlives it and still delivers what reached it.
for (const wiring of ['worker', 'kafka-transport']) {
  t.test(`plain http + ${wiring}, no handler: SIGINT twice ends it at once, lines delivered by the producer process`, async (t) => {
    const topic = await createTopic(uniqueTopic(`klt-svc-twice-${wiring}`))
    // the second Ctrl-C ends the process at once: what pino's worker has not yet handed
    // over is lost, so the lines are logged half a second before it
    const r = await runService({ app: 'plain', wiring, ending: 'none', brokers: brokers(), topic, inflight: INFLIGHT, signals: ['SIGINT', 'SIGINT'], startDelayMs: 1000, beforeSignal: () => sleep(500) })
    t.equal(r.signal, 'SIGINT', `ended by SIGINT (${r.stderr.slice(-600)})`)
    const { marks } = tally(await linesInKafka(topic, 1 + INFLIGHT), topic)
    t.same(marks, { started: 1, request: INFLIGHT })
  })
}

// A crash on the first burst after a quiet start: nothing logged for 1.5 s, then 1,000
// lines, an error, and an uncaught exception (or a fatal line in the app's handler).
for (const wiring of [...PINO, 'winston']) {
  for (const ending of ['crash-throw', 'crash-fatal']) {
    t.test(`plain + ${wiring}: ${ending} on the first burst after a quiet start`, async (t) => {
      const topic = await createTopic(uniqueTopic(`klt-svc-${ending}-${wiring}`))
      const r = await runService({ app: 'plain', wiring, ending, brokers: brokers(), topic, signals: [] })
      t.equal(r.code, 1, `the crash's exit code (${r.stderr.slice(-600)})`)
      const expected = { burst: 1000, error: 1, ...(ending === 'crash-fatal' ? { fatal: 1 } : {}) }
      const { marks } = tally(await linesInKafka(topic, 1001 + (ending === 'crash-fatal' ? 1 : 0)), topic)
      t.same(marks, expected, 'every line logged before the crash is in Kafka')
      // winston's transport connects on its first log: at the crash it may still be
      // connecting, and then a rescue process (said on stderr) is what delivers
    })
  }
}
