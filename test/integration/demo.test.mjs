// `npm run demo` must keep working: run it against the test broker and check its summary.
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { brokers } from '../helpers/kafka.mjs'

t.test('the demo reads back every log each app produced and prints the summary', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, ['examples/demo.mjs'],
    { env: { ...process.env, KAFKA_BROKERS: brokers(), DEMO_COUNT: '3000' }, timeout: 120000 })
  t.match(stdout.split('\n')[0], /^node v\d+\.\d+\.\d+, librdkafka \d+\.\d+\.\d+ with .*lz4/, 'first line: Node, librdkafka and its features')
  t.equal(stdout.match(/read back from Kafka: +3000 - every log arrived/g)?.length, 3, 'pino worker, pino destination, winston')
  t.match(stdout, /per level: +.*info \d+/)
  t.match(stdout, /end-to-end latency: +p50 \d+ ms, p99 \d+ ms/)
  t.match(stdout, /Summary: every log of every app arrived in Kafka/)
})
