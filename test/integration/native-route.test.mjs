// Issue #34: the native path gets each producer's librdkafka handle from librdkafka itself
// (the addon is a librdkafka plugin) and claims it by the producer's name. Against the
// broker: producers on two connections in one process each hand their records over on
// their own handle (each topic gets exactly its own records), a reconnect claims the new
// handle, and every handle is given back (destroyed) when its producer closes.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { KafkaLogProducer, describeProducePath } from 'kafka-log-transport'
import { brokers, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const require = createRequire(import.meta.url)
const { batchAddon } = require('../../dist/core/native-batch.js')
const N = 2000

const native = describeProducePath() === 'native batches'
if (!native) {
  // an install without the addon: the fallback is what there is to check (CI requires the addon)
  if (process.env.CI === 'true') t.fail(`CI=true: the native path must be built: ${describeProducePath()}`)
  else t.comment(`the native path is not built here, so only its fallback is checked: ${describeProducePath()}`)
}
const live = () => batchAddon()?.librdkafka().live ?? 0

const line = (i, topic) => JSON.stringify({ level: 30, time: Date.now(), i, topic, msg: 'hello' })

t.test('two connections, two handles: each producer\'s records on its own handle, in its own topic', async (t) => {
  const a = await createTopic(uniqueTopic('route-a'), { partitions: 3 })
  const b = await createTopic(uniqueTopic('route-b'), { partitions: 3 })
  const before = live()
  // different librdkafka settings: two connections (same settings would share one)
  const pa = new KafkaLogProducer({ brokers: brokers(), topic: a, lingerMs: 5 })
  const pb = new KafkaLogProducer({ brokers: brokers(), topic: b, lingerMs: 7 })
  await Promise.all([pa.connect(), pb.connect()])
  t.same(pa.metrics().nativePath, { inUse: native, problem: native ? '' : pa.metrics().nativePath.problem }, 'producer a: native path in use')
  t.same(pb.metrics().nativePath.inUse, native, 'producer b too')
  if (native) t.equal(live() - before, 2, 'librdkafka handed the plugin two handles')
  for (let i = 0; i < N; i++) {
    pa.write(line(i, a))
    pb.write({ level: 30, i, topic: b, msg: 'object' }) // objects: native batches
  }
  const [ra, rb] = await Promise.all([pa.flush(), pb.flush()])
  t.equal(ra.delivered + rb.delivered, 2 * N, 'all acknowledged')
  await Promise.all([pa.close(), pb.close()])
  t.equal(live(), before, 'both handles destroyed at close (on_destroy)')
  for (const topic of [a, b]) {
    const got = await consumeAll(topic, N)
    t.equal(got.length, N, `${topic}: ${N} records`)
    t.ok(got.every((m) => JSON.parse(m.value.toString()).topic === topic), `${topic}: only its own producer's records`)
    t.equal(new Set(got.map((m) => JSON.parse(m.value.toString()).i)).size, N, `${topic}: each once`)
  }
})

t.test('a producer that reconnects claims the new handle', async (t) => {
  const topic = await createTopic(uniqueTopic('route-again'))
  const before = live()
  const first = new KafkaLogProducer({ brokers: brokers(), topic, lingerMs: 9 })
  await first.connect()
  for (let i = 0; i < N / 2; i++) first.write(line(i, topic))
  await first.close()
  t.equal(live(), before, 'the first handle is gone')
  // the same settings again: a new connection, a new librdkafka handle, claimed anew
  const second = new KafkaLogProducer({ brokers: brokers(), topic, lingerMs: 9 })
  await second.connect()
  t.equal(second.metrics().nativePath.inUse, native, 'in use on the new handle')
  for (let i = N / 2; i < N; i++) second.write(line(i, topic))
  await second.close()
  const got = await consumeAll(topic, N)
  t.equal(new Set(got.map((m) => JSON.parse(m.value.toString()).i)).size, N, `${N} distinct records`)
  t.equal(got.length, N, 'none twice')
})

t.test('a plugin of the user\'s own that librdkafka cannot load: a ConfigError naming the property and the file', async (t) => {
  t.throws(() => new KafkaLogProducer({ brokers: brokers(), topic: 'x', rdkafka: { 'plugin.library.paths': '/nonexistent/libnothing.so' } }),
    { code: 'KLT_INVALID_OPTIONS', message: /rdkafka\.plugin\.library\.paths.*\/nonexistent\/libnothing\.so/ })
})

t.test('librdkafka does not hand over the handle: produce() per record, one notice, nothing lost', { skip: !native && 'no addon here' }, async (t) => {
  const topic = await createTopic(uniqueTopic('route-nohandle'))
  const code = `
    const { KafkaLogProducer } = require('kafka-log-transport')
    const p = new KafkaLogProducer({ brokers: ${JSON.stringify(brokers())}, topic: ${JSON.stringify(topic)} })
    p.connect().then(async () => {
      for (let i = 0; i < ${N}; i++) p.write(JSON.stringify({ level: 30, time: Date.now(), i }))
      const r = await p.flush()
      const nativePath = p.metrics().nativePath
      await p.close()
      process.stdout.write(JSON.stringify({ delivered: r.delivered, nativePath }))
    })`
  const r = spawnSync(process.execPath, ['--require', require.resolve('../fixtures/addon-without-handle.cjs'), '-e', code], { encoding: 'utf8', timeout: 60000 })
  t.equal(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  t.equal(out.delivered, N, 'every record acknowledged')
  t.same(out.nativePath.inUse, false, 'not in use')
  t.match(out.nativePath.problem, /librdkafka did not hand over the handle of \S+#producer-\d+/)
  t.equal(r.stderr.match(/the native path is not in use/g)?.length, 1, 'said once on stderr')
  t.equal((await consumeAll(topic, N)).length, N, `${N} records in Kafka`)
})
