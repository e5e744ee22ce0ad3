// Issue #6: winston's community conformance suite (abstract-winston-transport, mocha-style)
// run against KafkaTransport and a real broker, through a small describe/it runner. A
// broken transport run through the same runner must fail, so a pass means something.
import t from 'tap'
import { createRequire } from 'node:module'
import TransportStream from 'winston-transport'
import { KafkaTransport } from 'kafka-log-transport/winston'
import { brokers, countRecords, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const require = createRequire(import.meta.url)
const abstractSuite = require('abstract-winston-transport')

/** Collect what `register` declares with mocha's globals into a tree. */
function collect (register) {
  const root = { title: '', suites: [], tests: [], before: [], after: [], beforeEach: [], afterEach: [] }
  let current = root
  const globals = {
    describe (title, fn) {
      const suite = { title, suites: [], tests: [], before: [], after: [], beforeEach: [], afterEach: [], parent: current }
      current.suites.push(suite)
      const outer = current
      current = suite
      try {
        fn()
      } finally {
        current = outer
      }
    },
    it (title, fn) { current.tests.push({ title, fn }) },
    before (fn) { current.before.push(fn) },
    after (fn) { current.after.push(fn) },
    beforeEach (fn) { current.beforeEach.push(fn) },
    afterEach (fn) { current.afterEach.push(fn) }
  }
  const saved = Object.fromEntries(Object.keys(globals).map((k) => [k, globalThis[k]]))
  Object.assign(globalThis, globals)
  try {
    register()
  } finally {
    Object.assign(globalThis, saved)
  }
  return root
}

/** Run a mocha-style function: done-callback when it declares one, else sync or a promise. */
function call (fn, ctx, timeoutMs) {
  const run = new Promise((resolve, reject) => {
    if (fn.length > 0) {
      fn.call(ctx, (err) => (err ? reject(err) : resolve()))
    } else {
      Promise.resolve(fn.call(ctx)).then(resolve, reject)
    }
  })
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms (callback never called?)`)), timeoutMs)
  })
  return Promise.race([run, timeout]).finally(() => clearTimeout(timer))
}

/** Run the tree like mocha does; resolve with one { title, error } per test. */
async function runTree (suite, timeoutMs, path = [], chain = []) {
  const results = []
  const ctx = {}
  const hooks = [...chain, suite]
  for (const fn of suite.before) await call(fn, ctx, timeoutMs)
  for (const test of suite.tests) {
    const title = [...path, suite.title, test.title].filter(Boolean).join(' > ')
    let error
    try {
      for (const s of hooks) for (const fn of s.beforeEach) await call(fn, ctx, timeoutMs)
      await call(test.fn, ctx, timeoutMs)
    } catch (err) {
      error = err
    }
    try {
      for (const s of [...hooks].reverse()) for (const fn of s.afterEach) await call(fn, ctx, timeoutMs)
    } catch (err) {
      error ??= err
    }
    results.push({ title, error })
  }
  for (const child of suite.suites) results.push(...await runTree(child, timeoutMs, [...path, suite.title], hooks))
  for (const fn of suite.after) await call(fn, ctx, timeoutMs)
  return results
}

t.test('KafkaTransport passes abstract-winston-transport, and its logs are in Kafka', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-winston-conformance'))
  const created = []
  class TrackedKafkaTransport extends KafkaTransport {
    constructor (options) {
      super(options)
      created.push(this)
    }
  }
  const closeAll = (_options, done) => { Promise.all(created.map((c) => c.close(15000))).then(() => done(), done) }
  const tree = collect(() => abstractSuite({
    name: 'KafkaTransport',
    Transport: TrackedKafkaTransport,
    construct: () => ({ brokers: brokers(), topic }),
    afterEach: closeAll
  }))
  const results = await runTree(tree, 20000)
  t.equal(results.length, 4, 'the suite declares 4 tests and all of them ran')
  for (const r of results) t.error(r.error, r.title)
  t.equal(created.length, 4, 'a fresh transport per test')
  // three of the tests log one record each; all three must be in the topic
  t.equal(await countRecords(topic), 3, 'the conformance logs reached Kafka')
  t.same(created.map((c) => c.producer.metrics().dropped), [0, 0, 0, 0])
})

t.test('the same runner fails a transport that never calls back nor emits logged', async (t) => {
  class BrokenTransport extends TransportStream {
    log () {} // neither 'logged' nor the callback
  }
  const tree = collect(() => abstractSuite({ name: 'Broken', Transport: BrokenTransport }))
  const results = await runTree(tree, 1000)
  const failed = results.filter((r) => r.error).map((r) => r.title)
  t.equal(results.length, 4)
  t.same(failed, [
    'Broken transport (abstract-winston-tranport) > .log() > (with callback) should return true',
    'Broken transport (abstract-winston-tranport) > events > should emit the "logged" event'
  ], 'the two behaviours it lacks are reported as failures')
})
