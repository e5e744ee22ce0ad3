// tail's printer and filters: pure functions, no broker.
import t from 'tap'
import { formatRecord, levelRank, parseLevel, prettyRecord, headerMap, recordLevel, serviceOf } from '../../dist/cli/format.js'

const plain = { json: false, color: false }
const time = Date.UTC(2026, 10, 26, 12, 0, 0, 123)

t.test('a pino line prints time, level, service, message and the other fields', async (t) => {
  const line = JSON.stringify({ level: 30, time, pid: 1, hostname: 'h', service: 'checkout', reqId: 'r1', msg: 'order placed', amount: 12.5, user: { id: 7 } })
  t.equal(formatRecord(line, {}, plain), '2026-11-26T12:00:00.123Z INFO  [checkout] order placed reqId=r1 amount=12.5 user={"id":7}')
})

t.test('winston-style records: string level, message, ISO timestamp, spaces quoted', async (t) => {
  const line = JSON.stringify({ level: 'warn', message: 'disk low', timestamp: '2026-11-26T12:00:00.123Z', app: 'api', note: 'two words' })
  t.equal(formatRecord(line, {}, plain), '2026-11-26T12:00:00.123Z WARN  [api] disk low note="two words"')
})

t.test('plain text lines are shown as they are; the Kafka timestamp stands in for a missing time', async (t) => {
  t.equal(formatRecord(Buffer.from('GET /health 200 1ms\n'), { timestamp: time }, plain), 'GET /health 200 1ms')
  t.equal(formatRecord('[1,2]', {}, plain), '[1,2]', 'JSON that is not an object is text')
  t.equal(formatRecord('{"msg":"no time"}', { timestamp: time }, plain), '2026-11-26T12:00:00.123Z -     no time')
  t.equal(formatRecord('{broken', {}, plain), '{broken')
  t.equal(formatRecord(null, {}, plain), undefined, 'a tombstone prints nothing')
})

t.test('--json prints the raw record', async (t) => {
  const line = '{"level":30,"msg":"x"}'
  t.equal(formatRecord(line + '\n', {}, { json: true, color: false }), line)
  t.equal(formatRecord('text', {}, { json: true, color: false }), 'text')
})

t.test('--level keeps records at or above the level, hides records without one', async (t) => {
  const opts = { json: false, color: false, minLevel: parseLevel('warn') }
  t.equal(formatRecord('{"level":30,"msg":"a"}', {}, opts), undefined)
  t.match(formatRecord('{"level":40,"msg":"b"}', {}, opts), /WARN/)
  t.match(formatRecord('{"level":"error","msg":"c"}', {}, opts), /ERROR/)
  t.match(formatRecord('{"msg":"d"}', { headers: { level: 'fatal' } }, opts), /FATAL/, 'the level header counts')
  t.equal(formatRecord('plain text', {}, opts), undefined)
  t.match(formatRecord('{"level":50,"msg":"e"}', {}, { ...opts, json: true }), /^\{"level":50/, 'with --json too')
})

t.test('--grep matches the raw text', async (t) => {
  const opts = { json: false, color: false, grep: /reqId":"r4/ }
  t.equal(formatRecord('{"msg":"a","reqId":"r1"}', {}, opts), undefined)
  t.match(formatRecord('{"msg":"b","reqId":"r42"}', {}, opts), /reqId=r42/)
  t.equal(formatRecord('error: disk full', {}, { json: false, color: false, grep: /disk/ }), 'error: disk full')
})

t.test('colour: level coloured, none when off', async (t) => {
  const line = '{"level":50,"msg":"boom","service":"s"}'
  const coloured = formatRecord(line, {}, { json: false, color: true })
  t.ok(coloured.includes('\u001b[31mERROR\u001b[0m'), 'ERROR in red')
  t.notOk(formatRecord(line, {}, plain).includes('\u001b'), 'no escapes')
})

t.test('an error stack follows on indented lines', async (t) => {
  const out = prettyRecord({ level: 50, msg: 'failed', err: { message: 'nope', stack: 'Error: nope\n    at f (a.js:1:1)' } }, {}, false)
  t.equal(out, '- ERROR failed err=nope\n    Error: nope\n    at f (a.js:1:1)')
})

t.test('levels: pino numbers, names of pino, winston and syslog', async (t) => {
  t.equal(levelRank(40), 40)
  t.equal(levelRank('WARNING'), 40)
  t.equal(levelRank('verbose'), 20)
  t.equal(levelRank('crit'), 60)
  t.equal(levelRank('50'), 50)
  t.equal(levelRank('loud'), undefined)
  t.equal(parseLevel('nope'), undefined)
})

t.test('helpers: service field order, header map', async (t) => {
  t.equal(serviceOf({ name: 'n', service: 's' }), 's')
  t.equal(serviceOf({ name: 'pino-name' }), 'pino-name')
  t.equal(serviceOf(undefined), undefined)
  t.same(headerMap([{ level: Buffer.from('warn') }, { 'log-id': 'x' }]), { level: 'warn', 'log-id': 'x' })
  t.equal(headerMap([]), undefined)
})

t.test('long values are cut', async (t) => {
  const out = formatRecord(JSON.stringify({ msg: 'm', big: 'x'.repeat(1000) }), {}, plain)
  t.ok(out.length < 300, `line is ${out.length} chars`)
  t.match(out, /\.\.\.$/)
})

t.test('levels of ECS, OpenTelemetry and custom-level records (#20)', async (t) => {
  t.same(recordLevel({ 'log.level': 'warn', message: 'm' }, undefined), { rank: 40, name: 'warn' }, 'ECS flat')
  t.same(recordLevel({ severity_text: 'ERROR' }, undefined), { rank: 50, name: 'error' }, 'OpenTelemetry')
  t.same(recordLevel({ level: 35 }, { level: 'audit' }), { rank: 35, name: 'audit' }, 'a custom pino level: ranked by number, named by the header')
  t.same(recordLevel(undefined, { level: 'warn' }), { rank: 40, name: 'warn' }, 'plain text: the header')
  const meta = { headers: { level: 'warn' } }
  t.equal(formatRecord('warning: disk full', meta, { json: false, color: false, minLevel: 40 }), 'warning: disk full', 'tail -l warn shows a plain-text warning')
  t.equal(formatRecord('{"log.level":"info","message":"m"}', {}, { json: false, color: false, minLevel: 40 }), undefined, 'and hides an ECS info record')
  t.match(prettyRecord({ 'log.level': 'error', '@timestamp': '2026-12-03T00:00:00.000Z', message: 'boom' }, {}, false), /^2026-12-03T00:00:00.000Z ERROR boom$/)
})

t.test('record times in seconds (pino unixTime), µs or ns (OpenTelemetry) print as the same instant', async (t) => {
  const seconds = JSON.stringify({ level: 30, time: Math.floor(time / 1000), msg: 's' })
  t.equal(formatRecord(seconds, {}, plain), '2026-11-26T12:00:00.000Z INFO  s')
  const nanos = JSON.stringify({ severity_text: 'WARN', timestamp: String(time) + '000000', body: 'n', msg: 'n' })
  t.match(formatRecord(nanos, {}, plain), /^2026-11-26T12:00:00\.123Z /)
  const micros = JSON.stringify({ level: 'info', timestamp: time * 1000, message: 'u' })
  t.match(formatRecord(micros, {}, plain), /^2026-11-26T12:00:00\.123Z /)
  t.equal(formatRecord('{"msg":"bad time","time":"soon"}', { timestamp: time }, plain), '2026-11-26T12:00:00.123Z -     bad time', 'an unreadable time: Kafka\'s')
})
