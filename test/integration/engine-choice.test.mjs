// Issue #29: with engine 'auto' (the default), a producer where node-rdkafka cannot be had (a
// worker thread: node-rdkafka is not context-aware) runs on the pure-JS engine, says so once
// on stderr at connect with what node-rdkafka would gain, and its records arrive in Kafka.
import t from 'tap'
import { Worker } from 'node:worker_threads'
import { once } from 'node:events'
import { brokers, countRecords, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const N = 2000

t.test('a producer in a worker thread: the pure-JS engine, one notice, every record in Kafka', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-engine'), { partitions: 3 })
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads')
    const { KafkaLogProducer } = require('kafka-log-transport')
    const p = new KafkaLogProducer({ brokers: workerData.brokers, topic: workerData.topic, key: 'reqId', exitHook: false })
    for (let i = 0; i < workerData.n; i++) p.write(JSON.stringify({ level: 30, time: Date.now(), reqId: 'r' + (i % 50), i }) + '\\n')
    p.close(20000).then((r) => parentPort.postMessage({ closed: r, engine: p.metrics().engine }))`,
  { eval: true, stderr: true, workerData: { brokers: brokers(), topic, n: N }, env: { ...process.env, KLT_ENGINE: '' } })
  let stderr = ''
  worker.stderr.on('data', (d) => { stderr += d })
  const exited = once(worker, 'exit')
  const [msg] = await once(worker, 'message')
  const [code] = await exited
  t.equal(code, 0)
  t.same(msg, { closed: { delivered: N, failed: 0, pending: 0 }, engine: 'platformatic' })
  const notices = stderr.split('\n').filter((l) => l.includes('records go through @platformatic/kafka'))
  t.equal(notices.length, 1, 'one notice')
  t.match(notices[0], /cannot run in a worker thread/, 'says why node-rdkafka was not taken')
  t.match(notices[0], /4x the records per second/, 'and what it would gain, with figures')
  t.equal(await countRecords(topic), N, 'every record in Kafka')
})

t.test('engine \'rdkafka\' and \'platformatic\' are taken as asked on the main thread', async (t) => {
  const { KafkaLogProducer } = await import('kafka-log-transport')
  const topic = await createTopic(uniqueTopic('klt-engine'))
  for (const engine of ['rdkafka', 'platformatic']) {
    const p = new KafkaLogProducer({ brokers: brokers(), topic, engine })
    p.write({ level: 30, engine })
    t.same(await p.close(15000), { delivered: 1, failed: 0, pending: 0 }, engine)
    t.equal(p.metrics().engine, engine)
  }
  t.equal(await countRecords(topic), 2)
})
