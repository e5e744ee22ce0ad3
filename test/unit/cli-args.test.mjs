// Shared CLI plumbing: durations, config precedence, secrets, usage errors (no broker).
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { parseDuration, parseCommand, COMMON_OPTIONS, showProperties, redactText, UsageError } from '../../dist/cli/args.js'
import { main } from '../../dist/cli/index.js'
import { watchConfigFrom } from '../../dist/cli/watch.js'

function io (env = {}) {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (d) => { out += d })
  stderr.on('data', (d) => { err += d })
  return { stdin: new PassThrough(), stdout, stderr, env, get out () { return out }, get err () { return err } }
}

t.test('durations', async (t) => {
  t.equal(parseDuration('x', '500ms'), 500)
  t.equal(parseDuration('x', '10s'), 10000)
  t.equal(parseDuration('x', '2m'), 120000)
  t.equal(parseDuration('x', '1.5'), 1500, 'a bare number is seconds')
  t.throws(() => parseDuration('window', 'soon'), { name: 'UsageError', message: /--window takes a duration/ })
  t.ok(new UsageError('x') instanceof Error)
})

t.test('flags over environment over config file; -X after the file\'s rdkafka', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'klt-cli-'))
  const file = path.join(dir, 'c.json')
  writeFileSync(file, JSON.stringify({ brokers: 'file:1', topic: 'file-topic', timeout: 3, rdkafka: { 'client.id': 'f', 'sasl.password': 's3cret' } }))
  const p = parseCommand(['--config', file, '-t', 'flag-topic', '-X', 'client.id=x'], COMMON_OPTIONS, { KAFKA_BROKERS: 'env:1' })
  t.equal(p.settings.brokers, 'env:1')
  t.equal(p.settings.topic, 'flag-topic')
  t.equal(p.settings.timeout, '3')
  t.same(p.rdkafka, { 'client.id': 'x', 'sasl.password': 's3cret' })
  const viaEnv = parseCommand([], COMMON_OPTIONS, { KAFKA_LOG_TRANSPORT_CONFIG: file })
  t.equal(viaEnv.settings.brokers, 'file:1', 'config file named by the environment')
  writeFileSync(file, JSON.stringify({ brokrs: 'x' }))
  t.throws(() => parseCommand(['-c', file], COMMON_OPTIONS, {}), /unknown key "brokrs"/)
  t.throws(() => parseCommand(['-c', path.join(dir, 'none.json')], COMMON_OPTIONS, {}), /no such file/)
  t.throws(() => parseCommand(['-X', 'novalue'], COMMON_OPTIONS, {}), /-X takes key=value/)
})

t.test('secrets are masked in displays and messages', async (t) => {
  const rd = { 'sasl.password': 'hunter2', 'sasl.username': 'me', 'ssl.key.password': 'pw' }
  const shown = showProperties(rd)
  t.notMatch(shown, /hunter2|pw\b/)
  t.match(shown, /sasl\.username=me/)
  t.equal(redactText('bad value hunter2 for x', rd), 'bad value [redacted] for x')
})

t.test('usage errors exit 2 with a message; --help exits 0; unknown commands exit 2', async (t) => {
  let o = io()
  t.equal(await main(['pipe', '--bogus'], o), 2)
  t.match(o.err, /Unknown option '--bogus'[\s\S]*pipe --help/)
  o = io()
  t.equal(await main(['tail', '--topic', 't'], o), 2)
  t.match(o.err, /--brokers is required \(or set KAFKA_BROKERS/)
  o = io({ KAFKA_BROKERS: '127.0.0.1:9' })
  t.equal(await main(['watch', '-t', 't', '--drop', '2'], o), 2)
  t.match(o.err, /--drop must be in \[0, 1\)/)
  o = io({ KAFKA_BROKERS: '127.0.0.1:9' })
  t.equal(await main(['tail', '-t', 't', '--level', 'loud'], o), 2)
  t.match(o.err, /unknown level "loud"/)
  o = io({ KAFKA_BROKERS: '127.0.0.1:9' })
  t.equal(await main(['tail', '-t', 't', '--grep', '('], o), 2)
  t.match(o.err, /--grep/)
  o = io({ KAFKA_BROKERS: 'not a broker' })
  t.equal(await main(['pipe', '-t', 't'], o), 2)
  t.match(o.err, /invalid option brokers/)
  for (const cmd of ['pipe', 'tail', 'watch']) {
    o = io()
    t.equal(await main([cmd, '--help'], o), 0)
    t.match(o.out, new RegExp(`^Usage: .*kafka-log-transport ${cmd}`))
  }
  o = io()
  t.equal(await main(['--help'], o), 0)
  t.match(o.out, /pipe[\s\S]*tail[\s\S]*watch/)
  o = io()
  t.equal(await main(['frobnicate'], o), 2)
  t.match(o.err, /unknown command "frobnicate"/)
  o = io()
  t.equal(await main([], o), 2)
})

t.test('a bad librdkafka property is a usage error that names it and hides secrets', async (t) => {
  const o = io({ KAFKA_BROKERS: '127.0.0.1:9' })
  t.equal(await main(['pipe', '-t', 't', '-X', 'no.such.property=1', '-X', 'sasl.password=hunter2'], o), 2)
  t.match(o.err, /no\.such\.property/)
  t.notMatch(o.err, /hunter2/)
})

t.test('watch defaults scale with the window', async (t) => {
  const c = watchConfigFrom({ window: '2s' })
  t.same(c, { windowMs: 2000, tickMs: 200, baselineMs: 300000, warmupMs: 4000, drop: 0.5, spike: 3, minRate: 1 })
})
