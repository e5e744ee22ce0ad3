// Issue #16, defect 1: kafkaDestination() started forwarding the producer's errors once an
// 'error' listener was added, and kept emitting them after it was removed: an error with
// no listener then threw into the application. Now: emitted to listeners present at that
// moment, otherwise said once on stderr (a process warning) and counted.
import t from 'tap'
import { once } from 'node:events'
import { kafkaDestination } from 'kafka-log-transport/pino'

t.test('a listener added then removed: the next error is a warning, not a crash', async (t) => {
  const dest = kafkaDestination({ brokers: '127.0.0.1:9', topic: 'nowhere', connectTimeoutMs: 300, flushTimeoutMs: 500 })
  const onError = () => {}
  dest.on('error', onError)
  dest.off('error', onError)
  const warned = once(process, 'warning')
  dest.write('{"level":30,"msg":"x"}\n')
  const [warning] = await warned
  t.equal(warning.code, 'KLT_CONNECT_TIMEOUT', 'said as a process warning with its code')
  t.ok(dest.producer.metrics().errors >= 1, 'and counted')
  await new Promise((resolve) => dest.end(resolve))
})

t.test('a listener present at the time gets the error', async (t) => {
  const dest = kafkaDestination({ brokers: '127.0.0.1:9', topic: 'nowhere', connectTimeoutMs: 300, flushTimeoutMs: 500 })
  const [err] = await once(dest, 'error')
  t.equal(err.code, 'KLT_CONNECT_TIMEOUT')
  await new Promise((resolve) => dest.end(resolve))
})
