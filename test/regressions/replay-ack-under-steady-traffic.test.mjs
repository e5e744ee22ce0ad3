// Issue #16, defect 4: replay acknowledged its last batch (deleting the spool's segments)
// only once nothing at all was in flight. Under steady live traffic something always is:
// the segments stayed, and flush() waited its whole timeout for a spool already sent.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { KafkaLogProducer } from 'kafka-log-transport'
import { brokers, countRecords, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const require = createRequire(import.meta.url)
const { Spool } = require('../../dist/core/spool/store.js')
const SPOOLED = 3000

t.test('a spool left by an earlier run is sent and deleted while the app logs steadily', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-reg-replay'))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-reg-replay-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  // what an earlier run left on disk
  const left = Spool.open({ dir, maxBytes: 1024 ** 3, fsync: 'never', fsyncIntervalMs: 1000 })
  for (let i = 0; i < SPOOLED; i++) {
    left.append({ topic, value: Buffer.from(JSON.stringify({ old: i })), key: null, timestamp: Date.now(), headers: [{ 'log-id': `old-${i}` }] })
  }
  left.close()

  const producer = new KafkaLogProducer({ brokers: brokers(), topic, spool: { dir }, exitHook: false })
  let live = 0
  // a record every 2 ms, all along: something is always in flight
  const traffic = setInterval(() => { producer.write({ level: 30, live: live++ }) }, 2)
  t.teardown(() => clearInterval(traffic))
  const t0 = Date.now()
  const r = await producer.flush(4000)
  const ms = Date.now() - t0
  const m = producer.metrics()
  t.equal(m.spool.records, 0, 'nothing waits in the spool')
  t.equal(m.spool.segments, 0, `its segments are deleted while traffic goes on (flush returned after ${ms} ms, ${r.pending} pending)`)
  clearInterval(traffic)
  await producer.close()
  t.equal(await countRecords(topic), SPOOLED + live, 'the spooled and the live records are all in Kafka')
})
