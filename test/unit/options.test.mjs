import t from 'tap'
import { ConfigError, KafkaLogProducer } from 'kafka-log-transport'
import { thrown } from '../helpers/thrown.mjs'
import { createRequire } from 'node:module'
import path from 'node:path'


const ok = { brokers: '127.0.0.1:9092', topic: 'logs' }

t.test('defaults: lz4, acks all, idempotence, murmur2-compatible keying', async (t) => {
  const p = new KafkaLogProducer(ok)
  t.match(p.options, { brokers: '127.0.0.1:9092', topic: 'logs', key: 'none', compression: 'lz4', acks: 'all', idempotence: true, overflow: 'dropOldest' })
  t.ok(Object.isFrozen(p.options), 'resolved options are frozen')
  await p.close()
})

t.test('logHeaders: by default only where the value cannot tell (log-id too with a spool); true all four; false none; a list keeps its own (fixed) order', async (t) => {
  const all = ['content-type', 'log-id', 'level', 'traceparent']
  const both = (list) => ({ json: list, other: list })
  const cases = [
    [undefined, { json: [], other: ['content-type', 'level'] }], [true, both(all)], [false, both([])],
    [['traceparent', 'level'], both(['level', 'traceparent'])], [[], both([])]
  ]
  for (const [given, want] of cases) {
    const p = new KafkaLogProducer({ ...ok, logHeaders: given })
    t.same(p.options.logHeaders, want, `logHeaders ${JSON.stringify(given)}`)
    t.ok(Object.isFrozen(p.options.logHeaders) && Object.isFrozen(p.options.logHeaders.json) && Object.isFrozen(p.options.logHeaders.other))
    await p.close()
  }
  const { resolveOptions } = createRequire(import.meta.url)('../../dist/core/config/options.js')
  const spool = { dir: 'spool' }
  t.same(resolveOptions({ ...ok, spool }).logHeaders, { json: ['log-id'], other: ['content-type', 'log-id', 'level'] }, 'with a spool: log-id on every record, so consumers can drop what a replay sends twice')
  t.same(resolveOptions({ ...ok, spool, logHeaders: false }).logHeaders, both([]), 'unless told otherwise')
})

t.test('the caller\'s options object is not mutated', async (t) => {
  const input = { brokers: ['a:1', 'b:2'], topic: 'logs', rdkafka: { 'client.id': 'x' } }
  const copy = structuredClone(input)
  const p = new KafkaLogProducer(input)
  t.same(input, copy)
  t.equal(p.options.brokers, 'a:1,b:2')
  await p.close()
})

const bad = [
  [{ topic: 'logs' }, 'brokers', /expected 'host:port'/],
  [{ brokers: 'nohostport', topic: 'logs' }, 'brokers', /got "nohostport"/],
  [{ brokers: '127.0.0.1:9092', topic: 'bad topic!' }, 'topic', /topic name/],
  [{ ...ok, compression: 'brotli' }, 'compression', /"lz4", "zstd"/],
  [{ ...ok, acks: 2 }, 'acks', /'all', 1 or 0/],
  [{ ...ok, acks: 1, idempotence: true }, 'idempotence', /needs acks 'all'/],
  [{ ...ok, lingerMs: -1 }, 'lingerMs', /integer >= 0/],
  [{ ...ok, maxBufferBytes: 1.5 }, 'maxBufferBytes', /integer/],
  [{ ...ok, logHeaders: ['level', 'colour'] }, 'logHeaders', /a list of 'content-type', 'log-id', 'level', 'traceparent'/],
  [{ ...ok, logHeaders: 'level' }, 'logHeaders', /true, false or a list/],
  [{ ...ok, overflow: 'explode' }, 'overflow', /"block", "dropNewest", "dropOldest"/],
  [{ ...ok, fallback: 42 }, 'fallback', /writable stream or a file path/],
  [{ ...ok, brokerz: 'x' }, 'brokerz', /unknown option/],
  [{ ...ok, rdkafka: { 'no.such.property': 1 } }, 'rdkafka.no.such.property', /No such configuration property/],
  [{ ...ok, rdkafka: { 'linger.ms': -5 } }, 'rdkafka.queue.buffering.max.ms', /outside allowed range/],
  [{ ...ok, rdkafka: { 'sasl.password': { nested: 1 } } }, 'rdkafka.sasl.password', /\[redacted\]/],
  [{ ...ok, spool: 'spool-dir' }, 'spool', /an object such as \{ dir/],
  [{ ...ok, spool: {} }, 'spool.dir', /a directory path/],
  [{ ...ok, spool: { dir: 'x', maxBytes: 10 } }, 'spool.maxBytes', /integer >= 65536/],
  [{ ...ok, spool: { dir: 'x', fsync: 'sometimes' } }, 'spool.fsync', /'never', 'interval' or 'always'/],
  [{ ...ok, spool: { dir: 'x', size: 1 } }, 'spool.size', /unknown option/],
  [{ ...ok, spool: { dir: 'x' }, deliveryReports: 'errors' }, 'deliveryReports', /a spool needs a delivery report per record/]
]
for (const [input, option, message] of bad) {
  t.test(`bad ${option} is a ConfigError naming it`, async (t) => {
    const err = thrown(() => new KafkaLogProducer(input))
    t.ok(err instanceof ConfigError, 'ConfigError')
    t.equal(err.code, 'KLT_INVALID_OPTIONS')
    t.equal(err.option, option)
    t.match(err.message, message)
  })
}

t.test('a secret never appears in a librdkafka config error', async (t) => {
  const err = thrown(() => new KafkaLogProducer({ ...ok, rdkafka: { 'sasl.password': 's3cr3t-value', 'security.protocol': 's3cr3t-value' } }))
  t.ok(err instanceof ConfigError)
  t.equal(err.option, 'rdkafka.security.protocol')
  t.notMatch(err.message, /s3cr3t-value/)
})

t.test('spool defaults: 1 GiB, fsync every second, dir made absolute', async (t) => {
  const { resolveOptions } = createRequire(import.meta.url)('../../dist/core/config/options.js')
  const o = resolveOptions({ ...ok, spool: { dir: 'relative/spool' } })
  t.same(o.spool, { dir: path.resolve('relative/spool'), maxBytes: 1024 ** 3, fsync: 'interval', fsyncIntervalMs: 1000 })
  t.equal(resolveOptions(ok).spool, undefined, 'off by default')
  t.equal(resolveOptions({ ...ok, spool: { dir: 'x' } }).deliveryReports, 'all', 'a report per record with a spool')
})

t.test("librdkafka's queue is bounded from the buffer's bounds", async (t) => {
  const { resolveOptions } = createRequire(import.meta.url)('../../dist/core/config/options.js')
  const { buildRdkafkaConfig } = createRequire(import.meta.url)('../../dist/core/config/rdkafka-config.js')
  const queue = (more) => {
    const { global } = buildRdkafkaConfig(resolveOptions({ ...ok, ...more }))
    return [global['queue.buffering.max.messages'], global['queue.buffering.max.kbytes'], global['batch.num.messages']]
  }
  t.same(queue({}), [32768, 32768, 10000], 'default 64 MiB buffer: 32,768 records, 32 MiB')
  t.same(queue({ maxBufferBytes: 1024 * 1024 }), [1000, 1024, 1000], 'a 1 MiB buffer: 1,000 records (the floor), batches no bigger')
  t.same(queue({ maxBufferMessages: 5000 }), [5000, 32768, 5000], 'never more records than maxBufferMessages')
  t.same(queue({ rdkafka: { 'queue.buffering.max.messages': 200000 } }), [200000, 32768, 10000], 'an explicit rdkafka setting wins')
})

t.test('librdkafka reconnects within 1 s while a broker is away (timed-out records are reported that soon after messageTimeoutMs, issue #31)', async (t) => {
  const { resolveOptions } = createRequire(import.meta.url)('../../dist/core/config/options.js')
  const { buildRdkafkaConfig, RECONNECT_BACKOFF_MAX_MS } = createRequire(import.meta.url)('../../dist/core/config/rdkafka-config.js')
  t.equal(RECONNECT_BACKOFF_MAX_MS, 1000)
  t.equal(buildRdkafkaConfig(resolveOptions(ok)).global['reconnect.backoff.max.ms'], 1000, 'the Java client\'s default, not librdkafka\'s 10 s')
  t.equal(buildRdkafkaConfig(resolveOptions({ ...ok, rdkafka: { 'reconnect.backoff.max.ms': 5000 } })).global['reconnect.backoff.max.ms'], 5000, 'an explicit rdkafka setting wins')
})

t.test('socket.timeout.ms is 10 s: records in flight to a frozen leader move to the new one that soon (issue #33)', async (t) => {
  const { resolveOptions } = createRequire(import.meta.url)('../../dist/core/config/options.js')
  const { buildRdkafkaConfig } = createRequire(import.meta.url)('../../dist/core/config/rdkafka-config.js')
  t.equal(buildRdkafkaConfig(resolveOptions(ok)).global['socket.timeout.ms'], 10000, "not librdkafka's 60 s")
  t.equal(buildRdkafkaConfig(resolveOptions({ ...ok, rdkafka: { 'socket.timeout.ms': 30000 } })).global['socket.timeout.ms'], 30000, 'an explicit rdkafka setting wins')
})

t.test('headers: a NUL in a name or value is a ConfigError (produce() would cut the header there, a native batch not: issue #28)', async (t) => {
  for (const headers of [{ app: 'a\0b' }, { 'a\0b': 'x' }, { '': 'x' }]) {
    t.throws(() => new KafkaLogProducer({ ...ok, exitHook: false, headers }), ConfigError, JSON.stringify(headers))
  }
  const p = new KafkaLogProducer({ ...ok, exitHook: false, headers: { app: 'ünï 1' } })
  t.same(p.options.headers, { app: 'ünï 1' })
  await p.close(100)
})
