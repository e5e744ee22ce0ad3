// Issue #6: the winston adapter without a broker: options, what is sent, routing, and the
// callback/backpressure protocol, against a fake producer (a subclass's createProducer()).
import t from 'tap'
import { EventEmitter } from 'node:events'
import winston from 'winston'
import { ConfigError } from 'kafka-log-transport'
import { KafkaTransport } from 'kafka-log-transport/winston'
import { infoToRecord } from '../../dist/adapters/winston.js'
import { thrown } from '../helpers/thrown.mjs'

const LEVEL = Symbol.for('level')
const MESSAGE = Symbol.for('message')
const SPLAT = Symbol.for('splat')
const ok = { brokers: '127.0.0.1:9092', topic: 'logs' }


/** Records writes; write() returns what `accept()` says; emits 'drain' on demand. */
class FakeProducer extends EventEmitter {
  constructor (options) {
    super()
    this.options = { flushTimeoutMs: 5000, ...options }
    this.written = []
    this.routed = []
    this.accept = () => true
    this.closed = false
  }

  // routes as the core does with the fields the transport hands over (the real thing is
  // checked against the broker in winston-delivery.test.mjs)
  write (payload, fields = typeof payload === 'string' ? {} : payload) {
    if (this.closed) return false
    const read = (path) => path.split('.').reduce((o, k) => o?.[k], fields)
    const { topic: tpl, key: k } = this.options
    const topic = typeof tpl === 'function' ? tpl(fields) : tpl.replace(/\{([^}]+)\}/g, (_, p) => String(read(p) ?? 'unknown'))
    const key = typeof k === 'function' ? k(fields) : k === undefined || k === 'none' ? null : read(k) ?? null
    this.routed.push({ topic, key })
    this.written.push(payload)
    return this.accept(this.written.length)
  }

  // as the core: room again at 'drain', or when closed
  waitForRoom () {
    if (this.closed) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        this.off('drain', done)
        this.off('close', done)
        resolve()
      }
      this.on('drain', done)
      this.on('close', done)
    })
  }

  flush () { return Promise.resolve({ delivered: this.written.length, failed: 0, pending: 0 }) }
  close () {
    this.closed = true
    this.emit('close')
    return Promise.resolve({ delivered: this.written.length, failed: 0, pending: 0 })
  }
}

class FakeTransport extends KafkaTransport {
  createProducer (options) { return new FakeProducer(options) }
}

t.test('bad options throw a ConfigError naming the option, before any I/O', async (t) => {
  for (const [opts, option] of [
    [{ ...ok, level: 42 }, 'level'],
    [{ ...ok, silent: 'yes' }, 'silent'],
    [{ ...ok, handleExceptions: 1 }, 'handleExceptions'],
    [{ ...ok, format: { nope: true } }, 'format'],
    [{ ...ok, highWaterMark: 0 }, 'highWaterMark'],
    [{ ...ok, brokers: 'nohost' }, 'brokers'],
    [{ ...ok, topic: 'bad topic!' }, 'topic'],
    [{ ...ok, key: 'a..b' }, 'key'],
    [{ ...ok, linger: 5 }, 'linger'],
    [null, 'options']
  ]) {
    const err = thrown(() => new KafkaTransport(opts))
    t.ok(err instanceof ConfigError, `${option}: a ConfigError`)
    t.equal(err.code, 'KLT_INVALID_OPTIONS')
    t.equal(err.option, option)
  }
  const input = { ...ok, level: 'warn', rdkafka: { 'client.id': 'x' } }
  const copy = structuredClone(input)
  const tr = new KafkaTransport(input)
  t.same(input, copy, 'the options object is not mutated')
  t.equal(tr.level, 'warn', "winston's options reach the base transport")
  t.equal(tr.producer.metrics().written, 0)
  t.equal(tr.producer.metrics().connected, false, 'no connection before the first log')
  await tr.close()
})

t.test('info[MESSAGE] goes out as the format made it; without it, a safe JSON of the info', async (t) => {
  const tr = new FakeTransport(ok)
  const withMessage = { level: 'info', message: 'hi', [LEVEL]: 'info', [MESSAGE]: 'info: hi' }
  tr.log(withMessage, () => {})
  t.equal(tr.producer.written[0], 'info: hi')

  const circular = { level: 'info', message: 'loop', [LEVEL]: 'info' }
  circular.self = circular
  tr.log(circular, () => {})
  const rec = tr.producer.written[1]
  t.equal(rec.self, circular, 'the object goes to the core, which serializes it safely')
  await tr.close()
})

t.test('infoToRecord: uncoloured level, timestamp, errors, splat arguments winston kept aside', async (t) => {
  const colored = infoToRecord({ level: '\u001b[32minfo\u001b[39m', message: 'x', [LEVEL]: 'info' })
  t.equal(colored.level, 'info')
  t.ok(!Number.isNaN(Date.parse(colored.timestamp)), 'a timestamp is added when the info has none')
  t.equal(infoToRecord({ level: 'info', timestamp: 'T', [LEVEL]: 'info' }).timestamp, 'T', 'and kept when it has one')

  const err = Object.assign(new Error('boom'), { level: 'error', [LEVEL]: 'error', code: 'E1' })
  const e = infoToRecord(err)
  t.match(e, { level: 'error', message: 'boom', code: 'E1' })
  t.match(e.stack, /boom/)

  const tokens = infoToRecord({ level: 'info', message: 'user %s', [LEVEL]: 'info', [SPLAT]: ['bob', { a: 1 }] })
  t.same(tokens.splat, ['bob', { a: 1 }], 'arguments not merged into the info are kept')
  const merged = infoToRecord({ level: 'info', message: 'm', a: 1, [LEVEL]: 'info', [SPLAT]: [{ a: 1 }] })
  t.equal(merged.splat, undefined, 'a metadata object winston merged is not repeated')
})

t.test('topic templates and keys read the info (level, defaultMeta, child metadata), whatever the format', async (t) => {
  const tr = new FakeTransport({ ...ok, topic: 'logs.{service}.{level}', key: 'req.id', format: winston.format.simple() })
  const logger = winston.createLogger({ level: 'debug', defaultMeta: { service: 'checkout' }, transports: [tr] })
  logger.info('plain text line', { req: { id: 'r-1' } })
  logger.child({ req: { id: 'r-2' } }).warn('from a child')
  logger.debug('no key')
  t.match(tr.producer.written[0], /^info: plain text line/, 'a text line (no JSON to read fields from)')
  t.same(tr.producer.routed, [
    { topic: 'logs.checkout.info', key: 'r-1' },
    { topic: 'logs.checkout.warn', key: 'r-2' },
    { topic: 'logs.checkout.debug', key: null }
  ])
  const colored = new FakeTransport({ ...ok, topic: 'logs.{level}', format: winston.format.combine(winston.format.colorize(), winston.format.simple()) })
  winston.createLogger({ transports: [colored] }).error('red')
  t.same(colored.producer.routed[0].topic, 'logs.error', 'the uncoloured level routes')
  const fn = new FakeTransport({ ...ok, topic: (f) => `t-${f.service ?? 'none'}`, key: (f) => f.user })
  winston.createLogger({ defaultMeta: { service: 's1' }, transports: [fn] }).info('x', { user: 'u7' })
  t.same(fn.producer.routed[0], { topic: 't-s1', key: 'u7' }, 'function topic and key get the info')
})

t.test('level filtering, silent, per-transport format', async (t) => {
  const warnOnly = new FakeTransport({ ...ok, level: 'warn' })
  const silent = new FakeTransport({ ...ok, silent: true })
  const upper = new FakeTransport({ ...ok, format: winston.format.printf((i) => i.message.toUpperCase()) })
  const logger = winston.createLogger({ level: 'debug', transports: [warnOnly, silent, upper] })
  logger.debug('d')
  logger.info('i')
  logger.warn('w')
  logger.error('e')
  t.equal(warnOnly.producer.written.length, 2)
  t.same(warnOnly.producer.written.map((l) => JSON.parse(l).message), ['w', 'e'])
  t.equal(silent.producer.written.length, 0)
  t.same(upper.producer.written, ['D', 'I', 'W', 'E'])
})

t.test('a throwing format does not throw into logger.info(): it becomes a warn event', async (t) => {
  const bad = winston.format(() => { throw new Error('format broke') })
  const tr = new FakeTransport({ ...ok, format: bad() })
  const logger = winston.createLogger({ transports: [tr] })
  const warns = []
  logger.on('warn', (err) => warns.push(err.message))
  t.doesNotThrow(() => logger.info('x'))
  t.same(warns, ['format broke'])
  logger.info('y')
  t.equal(warns.length, 2, 'the transport keeps working')
})

t.test("overflow 'block': the callback is held until 'drain', in order, and a batch waits too", async (t) => {
  const tr = new FakeTransport({ ...ok, overflow: 'block' })
  tr.producer.accept = (n) => n % 3 !== 0 // every third write fills the buffer
  const logger = winston.createLogger({ transports: [tr] })
  for (let i = 0; i < 10; i++) logger.info(`m${i}`)
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(tr.producer.written.length, 3, 'the third write filled the buffer: nothing more is written')
  t.ok(tr.writableLength > 0, 'winston buffers the rest in the transport stream')
  tr.producer.emit('drain')
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(tr.producer.written.length, 6, 'after drain, up to the next full buffer (a batch does not run ahead)')
  tr.producer.emit('drain')
  await new Promise((resolve) => setImmediate(resolve))
  tr.producer.emit('drain')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(tr.producer.written.map((l) => JSON.parse(l).message), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9'])
})

t.test('drop policies call back at once (the core keeps its bound), and emit logged', async (t) => {
  const tr = new FakeTransport(ok)
  tr.producer.accept = () => false
  const logged = []
  tr.on('logged', (info) => logged.push(info.message))
  let called = 0
  for (let i = 0; i < 5; i++) tr.log({ level: 'info', message: `m${i}`, [LEVEL]: 'info' }, () => called++)
  t.equal(called, 5)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(logged, ['m0', 'm1', 'm2', 'm3', 'm4'])
})

t.test('direct log() calls while held wait their turn; close() releases everything', async (t) => {
  const tr = new FakeTransport({ ...ok, overflow: 'block' })
  tr.producer.accept = () => false
  const order = []
  tr.log({ level: 'error', message: 'a', [LEVEL]: 'error' }, () => order.push('a'))
  tr.log({ level: 'error', message: 'b', [LEVEL]: 'error' }, () => order.push('b'))
  t.equal(tr.producer.written.length, 1, 'b waits for drain')
  t.same(order, [])
  const finished = new Promise((resolve) => tr.once('finish', resolve))
  await tr.close()
  await finished
  t.same(order, ['a', 'b'], 'close released both callbacks, in order')
  t.equal(tr.producer.closed, true)
  t.equal(await tr.close(), await tr.close(), 'close() is idempotent')
})

t.test('logger.end(): the producer is closed before the logger finishes', async (t) => {
  const tr = new FakeTransport(ok)
  const logger = winston.createLogger({ transports: [tr] })
  logger.info('last words')
  await new Promise((resolve) => { logger.on('finish', resolve); logger.end() })
  t.equal(tr.producer.closed, true)
  t.equal(tr.producer.written.length, 1)
})

t.test('logger.close() detaches and closes the transport; a transport.close() detaches it from the logger', async (t) => {
  const a = new FakeTransport(ok)
  const la = winston.createLogger({ transports: [a] })
  la.close()
  await new Promise((resolve) => a.once('finish', resolve))
  t.equal(a.producer.closed, true)
  const b = new FakeTransport(ok)
  const lb = winston.createLogger({ transports: [b] })
  await b.close()
  t.equal(lb.transports.length, 0, 'no longer piped: later logs cannot hit an ended stream')
  t.doesNotThrow(() => lb.info('after close'))
})

t.test('core errors become warn events, or a process warning when nobody listens', async (t) => {
  const tr = new FakeTransport(ok)
  const logger = winston.createLogger({ transports: [tr] })
  const seen = []
  logger.on('warn', (err, transport) => seen.push([err.code, transport === tr]))
  const err = Object.assign(new Error('cannot connect'), { code: 'KLT_CONNECT_TIMEOUT' })
  tr.producer.emit('error', err)
  t.same(seen, [['KLT_CONNECT_TIMEOUT', true]])
  logger.removeAllListeners('warn')
  const warnings = []
  const onWarning = (w) => warnings.push(w.code)
  process.on('warning', onWarning)
  t.teardown(() => process.off('warning', onWarning))
  tr.producer.emit('error', err)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(warnings, ['KLT_CONNECT_TIMEOUT'])
})

t.test("logger.end() while 'block' holds lines back: winston ends its transports early, the lines still in the logger are written first", async (t) => {
  // winston's Logger._final ends each transport once its own writable side is done, which
  // can be while lines still wait in its readable buffer for a transport that holds back
  const tr = new FakeTransport({ ...ok, overflow: 'block' })
  const N = 200
  let room = false
  tr.producer.accept = (n) => room || n < N - 20 // held near the end: the last lines wait in the logger
  const logger = winston.createLogger({ transports: [tr] })
  const errors = []
  tr.on('error', (e) => errors.push(e))
  logger.on('error', (e) => errors.push(e))
  for (let i = 0; i < N; i++) logger.info(`line ${i}`)
  const finished = new Promise((resolve) => logger.once('finish', resolve))
  logger.end()
  await new Promise((resolve) => setTimeout(resolve, 20))
  room = true
  tr.producer.emit('drain')
  await finished
  t.same(errors, [], 'no write after end')
  t.equal(tr.producer.written.length, N, 'every line reached the producer')
  t.same(tr.producer.written.map((w) => /line (\d+)/.exec(typeof w === 'string' ? w : w.message)[1]).map(Number), Array.from({ length: N }, (_, i) => i), 'in order')
})
