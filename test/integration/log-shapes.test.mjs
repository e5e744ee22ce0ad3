// Issue #20: records in the shapes teams really log, through the real formatter packages
// into a real broker: ECS (pino and winston), pino custom levels (worker target, `targets`,
// destination), plain text and logfmt piped in with the CLI. Read back from Kafka: the
// level header has the record's level, the Kafka timestamp is the record's own time.
import t from 'tap'
import pino from 'pino'
import winston from 'winston'
import { ecsFormat as ecsPino } from '@elastic/ecs-pino-format'
import { ecsFormat as ecsWinston } from '@elastic/ecs-winston-format'
import { kafkaDestination } from 'kafka-log-transport/pino'
import { KafkaTransport } from 'kafka-log-transport/winston'
import { endStream } from '../helpers/pino-stream.mjs'
import { brokers, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { runCli } from '../fixtures/cli-run.mjs'


const LEVELS = ['debug', 'info', 'warn', 'error']

function checkEcs (t, got, n) {
  t.equal(got.length, n, `${n} records in Kafka`)
  let checked = 0
  for (const m of got) {
    const rec = JSON.parse(m.value.toString())
    if (rec['log.level'] !== m.headers.level || m.timestamp !== Date.parse(rec['@timestamp'])) continue
    checked++
  }
  t.equal(checked, n, 'every record: level header = log.level, Kafka timestamp = @timestamp')
  t.same(new Set(got.map((m) => m.headers.level)), new Set(LEVELS), 'all four levels')
}

for (const mode of ['worker', 'destination']) {
  t.test(`pino + @elastic/ecs-pino-format, ${mode}`, async (t) => {
    const topic = await createTopic(uniqueTopic(`klt-ecs-pino-${mode}`))
    const options = { brokers: brokers(), topic, logHeaders: ['level'] }
    const stream = mode === 'worker' ? pino.transport({ target: 'kafka-log-transport/pino', options }) : kafkaDestination(options)
    const logger = pino({ ...ecsPino(), level: 'debug' }, stream)
    const N = 200
    for (let i = 0; i < N; i++) logger[LEVELS[i % 4]]({ i }, `ecs ${i}`)
    await endStream(stream)
    checkEcs(t, await consumeAll(topic, N, { settleMs: 300 }), N)
  })
}

t.test('winston + @elastic/ecs-winston-format', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-ecs-winston'))
  const transport = new KafkaTransport({ brokers: brokers(), topic, logHeaders: ['level'] })
  const logger = winston.createLogger({ level: 'debug', format: ecsWinston(), transports: [transport] })
  const N = 200
  // a moment apart, so that @timestamp and the send time could tell apart
  for (let i = 0; i < N; i++) logger.log(LEVELS[i % 4], `ecs ${i}`, { i })
  await new Promise((resolve) => { logger.on('finish', resolve); logger.end() })
  checkEcs(t, await consumeAll(topic, N, { settleMs: 300 }), N)
})

const CUSTOM = { audit: 35, security: 45 }

async function customLevels (t, makeLogger, { only = false } = {}) {
  const topic = await createTopic(uniqueTopic('klt-custom-levels'))
  const { logger, stream } = makeLogger({ brokers: brokers(), topic, logHeaders: ['level'] })
  const names = only ? ['audit', 'security'] : ['info', 'audit', 'warn', 'security']
  for (let i = 0; i < 40; i++) logger[names[i % names.length]]({ i }, 'custom')
  await endStream(stream)
  const got = await consumeAll(topic, 40, { settleMs: 300 })
  t.equal(got.length, 40, '40 records in Kafka')
  const wrong = got.filter((m) => {
    const rec = JSON.parse(m.value.toString())
    return m.headers.level !== names[rec.i % names.length]
  })
  t.same(wrong.map((m) => [m.value.toString(), m.headers.level]), [], "every level header has the app's own name")
}

t.test('pino customLevels, worker target as pino({ transport })', async (t) => {
  await customLevels(t, (options) => {
    const logger = pino({ customLevels: CUSTOM, level: 'info', transport: { target: 'kafka-log-transport/pino', options } })
    return { logger, stream: logger[pino.symbols.streamSym] }
  })
})

t.test('pino customLevels + useOnlyCustomLevels, pino.transport() made first', async (t) => {
  await customLevels(t, (options) => {
    const stream = pino.transport({ target: 'kafka-log-transport/pino', options })
    return { logger: pino({ customLevels: CUSTOM, useOnlyCustomLevels: true, level: 'audit' }, stream), stream }
  }, { only: true })
})

t.test('pino customLevels, worker target among pino.transport({ targets })', async (t) => {
  await customLevels(t, (options) => {
    const stream = pino.transport({
      targets: [
        { target: 'kafka-log-transport/pino', level: 'info', options },
        { target: 'pino/file', level: 'info', options: { destination: '/dev/null' } }
      ],
      levels: { ...pino.levels.values, ...CUSTOM }
    })
    return { logger: pino({ customLevels: CUSTOM, level: 'info' }, stream), stream }
  })
})

t.test('pino customLevels, kafkaDestination()', async (t) => {
  await customLevels(t, (options) => {
    const stream = kafkaDestination(options)
    return { logger: pino({ customLevels: CUSTOM, level: 'info' }, stream), stream }
  })
})

t.test('plain text and logfmt piped in: level headers; tail -l warn shows the warnings and up', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-text-levels'))
  const input = [
    'error: unable to connect to database',
    'warning: disk usage above 80%',
    'info: started on port 8080',
    '[ERROR] payment failed',
    '2026-12-03 10:20:30,456 WARN [main] slow request',
    'E1203 10:20:30.456789   4242 server.go:42] listen failed',
    'time=2026-12-03T10:20:30Z level=warn msg="slow query, level=error inside"',
    'time=2026-12-03T10:20:31Z level=debug msg=cache',
    'an error happened somewhere'
  ]
  const expected = ['error', 'warn', 'info', 'error', 'warn', 'error', 'warn', 'debug', undefined]
  const piped = await runCli(['pipe', '--topic', topic], { input: input.join('\n') + '\n', env: { KAFKA_BROKERS: brokers() } })
  t.equal(piped.code, 0, piped.stderr)
  const got = await consumeAll(topic, input.length, { settleMs: 300 })
  const byLine = new Map(got.map((m) => [m.value.toString(), m.headers.level]))
  t.same(input.map((l) => byLine.get(l)), expected, 'the level each line states, none guessed')
  const tailed = await runCli(['tail', '-b', brokers(), '-t', topic, '--from-beginning', '--no-follow', '-l', 'warn'])
  t.equal(tailed.code, 0, tailed.stderr)
  t.same(tailed.stdout.trim().split('\n').sort(), input.filter((_, i) => ['warn', 'error'].includes(expected[i])).sort(), 'tail -l warn: the six warnings and errors')
})

t.test('examples/ecs-app.mjs runs: ECS records with level headers, audit included', async (t) => {
  const { execFile } = await import('node:child_process')
  const { promisify } = await import('node:util')
  const topic = await createTopic(uniqueTopic('klt-ecs-example'))
  const { stdout } = await promisify(execFile)(process.execPath, ['examples/ecs-app.mjs', topic, '300'], { env: { ...process.env, KAFKA_BROKERS: brokers() }, timeout: 60000 })
  t.same(JSON.parse(stdout), { topic, written: 300 })
  const got = await consumeAll(topic, 300, { settleMs: 300 })
  t.equal(got.length, 300, '300 records in Kafka')
  const count = (level) => got.filter((m) => m.headers.level === level).length
  t.same([count('audit'), count('warn'), count('info')], [30, 30, 240], 'audit, warn and info headers')
  t.ok(got.every((m) => m.timestamp === Date.parse(JSON.parse(m.value.toString())['@timestamp'])), 'Kafka timestamps are @timestamp')
})

t.test("OpenTelemetry's pino instrumentation: trace ids from a live span become a traceparent header", async (t) => {
  const { execFile } = await import('node:child_process')
  const { promisify } = await import('node:util')
  const topic = await createTopic(uniqueTopic('klt-otel-pino'))
  const { stdout } = await promisify(execFile)(process.execPath, ['test/fixtures/otel-pino-app.cjs', topic], { env: { ...process.env, KAFKA_BROKERS: brokers() }, timeout: 60000 })
  t.same(JSON.parse(stdout), { topic, written: 2 })
  const got = await consumeAll(topic, 2, { settleMs: 300 })
  const byReq = new Map(got.map((m) => [JSON.parse(m.value.toString()).reqId, m]))
  t.equal(byReq.get('in-span').headers.traceparent, '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'W3C traceparent of the span')
  t.equal(byReq.get('no-span').headers.traceparent, undefined, 'none outside a span')
})
