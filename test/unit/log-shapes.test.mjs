// Issue #20: a record's level and time from every common shape (pino, pino with a level
// formatter, winston, ECS flat and nested, OpenTelemetry), and the level of plain-text and
// logfmt lines; what the encoder makes of them (level header, Kafka timestamp, {level}).
import t from 'tap'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { levelOf, timeOf, epochMs } = require('../../dist/core/record/level-time.js')
const { textLevel } = require('../../dist/core/record/text-level.js')
const { RecordEncoder } = require('../../dist/core/record/record.js')
const { resolveOptions } = require('../../dist/core/config/options.js')

const AT = '2026-12-03T10:20:30.456Z'
const MS = Date.parse(AT)

t.test('level and time from each JSON shape', async (t) => {
  const shapes = [
    ['pino', { level: 40, time: MS, msg: 'm' }, 'warn'],
    ['pino, formatters.level', { level: 'warn', time: MS }, 'warn'],
    ['pino, seconds (stdTimeFunctions.unixTime)', { level: 40, time: Math.floor(MS / 1000) }, 'warn', Math.floor(MS / 1000) * 1000],
    ['winston', { level: 'warn', message: 'm', timestamp: AT }, 'warn'],
    ['ECS, flat (ecs-pino-format, ecs-winston-format)', { 'log.level': 'warn', '@timestamp': AT, message: 'm' }, 'warn'],
    ['ECS, nested', { log: { level: 'WARN', logger: 'app' }, '@timestamp': AT }, 'warn'],
    ['OpenTelemetry, snake case, ns timestamp', { severity_text: 'WARN', severity_number: 13, timestamp: MS * 1e6 }, 'warn'],
    ['OpenTelemetry, camel case, number only', { severityNumber: 14, timestamp: MS * 1000 }, 'warn'],
    ['OpenTelemetry, ERROR by number', { severity_number: 17, timestamp: AT }, 'error']
  ]
  for (const [name, fields, level, time = MS] of shapes) {
    t.equal(levelOf(fields), level, `${name}: level`)
    t.equal(timeOf(fields), time, `${name}: time`)
  }
  t.equal(levelOf({ msg: 'no level' }), undefined, 'no level: none guessed')
  t.equal(levelOf({ severity_number: 99 }), undefined, 'a severity number out of range: none')
  t.equal(levelOf({ level: 35 }, { 35: 'audit' }), 'audit', 'custom pino levels by the app\'s names')
  t.equal(levelOf({ level: 35 }), '35', 'an unknown number stays a number')
  t.equal(timeOf({ time: 'yesterday' }), null)
  t.equal(epochMs('1764757230456'), 1764757230456, 'digits in a string')
  t.equal(epochMs(-5), null)
})

t.test('plain-text and logfmt lines: the level they state, never a guess', async (t) => {
  const cases = [
    ['error: unable to connect to database', 'error'],
    ['warning: disk usage above 80%', 'warn'],
    ['Warning: disk usage above 80%', 'warn'],
    ['WARN disk usage above 80%', 'warn'],
    ['[ERROR] payment failed', 'error'],
    ['[ info ] started', 'info'],
    ['2026-12-03 10:20:30,456 ERROR [main] boom', 'error'],
    ['[2026-12-03T10:20:30.456Z] DEBUG cache miss', 'debug'],
    ['E1203 10:20:30.456789   4242 server.go:42] listen failed', 'error'],
    ['W1203 10:20:30.456789   4242 server.go:42] slow', 'warn'],
    ['time=2026-12-03T10:20:30Z level=warn msg="slow query level=error"', 'warn'],
    ['ts=1 lvl=ERROR msg=x', 'error'],
    ['msg="level=error inside" level=info', 'info'],
    ['CRITICAL: out of memory', 'fatal'],
    ['Error connecting to db', undefined],
    ['the error: is inside', undefined],
    ['connection failed with ERROR 42', undefined],
    ['INFORMATION follows', undefined],
    ['https://example.test/ down', undefined],
    ['msg=hello', undefined],
    ['', undefined]
  ]
  for (const [line, level] of cases) t.equal(textLevel(line), level, JSON.stringify(line))
  t.equal(textLevel(Buffer.from('error: as bytes')), 'error', 'a Buffer')
})

// every per-record header: what these tests read (none is the default)
function encoder (options) {
  return new RecordEncoder(resolveOptions({ brokers: '127.0.0.1:9', topic: 'logs', logHeaders: true, ...options }))
}
const header = (r, name) => r.headers.find((h) => name in h)?.[name]

t.test('the encoder: level header and Kafka timestamp from lines of each shape', async (t) => {
  const e = encoder({})
  const ecs = e.encode(JSON.stringify({ 'log.level': 'warn', '@timestamp': AT, 'process.pid': 1, message: 'm' }))
  t.equal(header(ecs, 'level'), 'warn', 'ECS line: level header')
  t.equal(ecs.timestamp, MS, 'ECS line: @timestamp is the Kafka timestamp')
  const otel = e.encode(JSON.stringify({ timestamp: MS * 1e6, severity_text: 'ERROR', body: 'b', trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) }))
  t.equal(header(otel, 'level'), 'error')
  t.equal(otel.timestamp, MS)
  t.equal(header(otel, 'traceparent'), `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, 'the traceparent header stays')
  const pinoIso = e.encode(`{"level":30,"time":"${AT}","msg":"m"}\n`)
  t.equal(header(pinoIso, 'level'), 'info')
  t.equal(pinoIso.timestamp, MS, 'pino with isoTime')
  const text = e.encode('warning: disk usage above 80%\n')
  t.equal(header(text, 'level'), 'warn', 'plain text: the level it states')
  t.equal(header(text, 'content-type'), 'text/plain')
  t.equal(header(e.encode('disk usage above 80%'), 'level'), undefined, 'plain text without a level word: no header')
  t.equal(header(e.encode('level=error msg=x'), 'level'), 'error', 'logfmt')
})

t.test('the encoder: the app\'s own level names, from the option or set later', async (t) => {
  const e = encoder({ levelLabels: { 35: 'audit' }, topic: 'logs.{level}' })
  const r = e.encode('{"level":35,"time":1,"msg":"a"}')
  t.equal(header(r, 'level'), 'audit')
  t.equal(r.topic, 'logs.audit', '{level} in a topic template too')
  t.equal(e.encode('{"level":30,"time":1}').topic, 'logs.info', "pino's own names stay")
  t.equal(e.encode('{"log.level":"warn","@timestamp":"x"}').topic, 'logs.warn', '{level} of an ECS line')
  t.equal(e.encode('ERROR boom').topic, 'logs.error', '{level} of a text line')
  t.equal(e.encode('boom').topic, 'logs.unknown')
  const later = encoder({})
  later.setLevelLabels({ ...resolveOptions({ brokers: 'a:1', topic: 't' }).levelLabels, 25: 'notice' })
  t.equal(header(later.encode('{"level":25,"time":1}'), 'level'), 'notice')
  t.throws(() => resolveOptions({ brokers: 'a:1', topic: 't', levelLabels: { x: 'y' } }), { code: 'KLT_INVALID_OPTIONS', message: /levelLabels\.x/ })
  t.throws(() => resolveOptions({ brokers: 'a:1', topic: 't', levelLabels: { 35: '' } }), { code: 'KLT_INVALID_OPTIONS' })
})

t.test('a winston-style object: level and timestamp from its fields', async (t) => {
  const r = encoder({}).encode({ level: 'warn', message: 'm', '@timestamp': AT })
  t.equal(header(r, 'level'), 'warn')
  t.equal(r.timestamp, MS)
})

t.test('the default headers: none on a JSON line, content-type and level where the value cannot tell', async (t) => {
  const e = encoder({ logHeaders: undefined })
  const names = (r) => r.headers.flatMap((h) => Object.keys(h))
  t.same(names(e.encode('{"level":50,"time":1700000000000,"msg":"m"}\n')), [], 'a pino line: none')
  t.same(names(e.encode({ level: 'warn', message: 'm' })), [], 'an object: none')
  const text = e.encode('warning: disk usage above 80%\n')
  t.same(names(text), ['content-type', 'level'], 'a text line: what it is and its level')
  t.equal(header(text, 'content-type'), 'text/plain')
  t.equal(header(text, 'level'), 'warn')
  const otlp = encoder({ logHeaders: undefined, encoding: 'otlp_json' }).encode('{"level":40,"time":1700000000000,"msg":"m"}\n')
  t.same(names(otlp), ['content-type', 'level'], 'an OTLP record: its encoding and level')
  const spooled = encoder({ logHeaders: undefined, spool: { dir: 'spool' } })
  t.same(names(spooled.encode('{"level":30,"msg":"m"}')), ['log-id'], 'with a spool: a log id on every record')
  t.same(names(spooled.encode('plain')), ['content-type', 'log-id'], 'a text line without a level word: no level header')
})

t.test('OTLP severity from a level name: pino, winston npm and syslog names on one scale', async (t) => {
  const { severityNumber } = require('../../dist/core/record/otlp.js')
  const { levelRank } = require('../../dist/cli/format.js')
  const cases = [['trace', 1], ['silly', 1], ['debug', 5], ['verbose', 5], ['info', 9], ['notice', 11], ['warn', 13],
    ['warning', 13], ['error', 17], ['crit', 21], ['alert', 21], ['emerg', 21], ['FATAL', 21], ['custom', 0]]
  for (const [name, severity] of cases) {
    t.equal(severityNumber(name, {}), severity, `${name} → ${severity}`)
    if (severity > 0) t.ok(levelRank(name) > 0, `tail ranks ${name} on the same scale`)
  }
})
