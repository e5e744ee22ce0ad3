// node-rdkafka delivers its callbacks on the main thread's event loop even when a worker
// loaded it: the first delivery report aborts the process. The core refuses to load it in
// a worker, with an error that says what to do instead, when node-rdkafka is asked for; with
// engine 'auto' (the default) a producer in a worker runs on the pure-JS engine (issue #29).
import t from 'tap'
import { Worker } from 'node:worker_threads'
import { once } from 'node:events'

t.test('a producer on node-rdkafka created in a worker thread fails with KLT_NATIVE_LOAD, the process lives on', async (t) => {
  const worker = new Worker(`
    const { parentPort } = require('node:worker_threads')
    const { KafkaLogProducer } = require('kafka-log-transport')
    try {
      new KafkaLogProducer({ brokers: '127.0.0.1:9', topic: 'never', engine: 'rdkafka' })
      parentPort.postMessage({ created: true })
    } catch (err) {
      parentPort.postMessage({ code: err.code, message: err.message })
    }`, { eval: true })
  // both listeners first: a worker that posts and ends at once has its message and its
  // 'exit' emitted in one go, before code after an await could start listening for 'exit'
  const exited = once(worker, 'exit')
  const [msg] = await once(worker, 'message')
  await exited
  t.equal(msg.code, 'KLT_NATIVE_LOAD')
  t.match(msg.message, /cannot run in a worker thread/)
  t.match(msg.message, /kafkaDestination\(\)/, 'names the main-thread alternative')
  t.match(msg.message, /kafka-log-transport\/pino/, 'and the pino target that runs it in a child process')
})

t.test('with engine \'auto\' a producer created in a worker thread runs on the pure-JS engine', async (t) => {
  const worker = new Worker(`
    const { parentPort } = require('node:worker_threads')
    const { KafkaLogProducer } = require('kafka-log-transport')
    const p = new KafkaLogProducer({ brokers: '127.0.0.1:9', topic: 'never', exitHook: false })
    p.write('{"level":30}')
    p.close(100).then((r) => parentPort.postMessage({ closed: r }), (err) => parentPort.postMessage({ code: err.code }))`, { eval: true })
  const exited = once(worker, 'exit')
  const [msg] = await once(worker, 'message')
  const [code] = await exited
  t.same(msg, { closed: { delivered: 0, failed: 0, pending: 1 } }, 'created, written, closed (no broker there: the record is left pending)')
  t.equal(code, 0, 'the worker ends')
})
