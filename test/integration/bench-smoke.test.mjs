// `npm run bench -- --quick` as a smoke test (issue #8): every benchmark runs and its
// counts add up (each checks the records in Kafka itself). No timing is asserted.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { brokers } from '../helpers/kafka.mjs'

t.test('every benchmark runs in quick mode and its records are all in Kafka', async (t) => {
  const r = spawnSync(process.execPath, ['benchmarks/run.mjs', '--quick'], { encoding: 'utf8', env: { ...process.env, KAFKA_BROKERS: brokers() }, timeout: 600000 })
  // on failure, say which benchmark failed and why (its own lines), not only the tail
  const why = r.stderr.split('\n').filter((l) => /failed|Error|left \d+ records|counted/.test(l)).join('\n')
  t.equal(r.status, 0, `exit 0 (${why || r.stderr.slice(-1500)})`)
  const summaries = JSON.parse(r.stdout.trim().split('\n').pop())
  t.same(Object.keys(summaries), ['app', 'core', 'pino', 'winston', 'latency', 'outage', 'spool'])
  t.equal(summaries.app.lost, 0, 'a real app under load: every line it logged is in Kafka, in every wiring')
  t.equal(summaries.outage.accountedFor, true, 'under an outage every record is accounted for')
  t.equal(summaries.spool.accountedFor, true, 'spooled and replayed records are all in Kafka')
})
