// Issue #16, defect 3: the constructor locked the spool directory, then librdkafka rejected
// a property and the constructor threw, leaving the lock held by this (live) process: the
// corrected retry in the same process then failed with "locked".
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ConfigError, KafkaLogProducer } from 'kafka-log-transport'
import { thrown } from '../helpers/thrown.mjs'

t.test('a bad librdkafka property, then the corrected options: the retry gets the spool', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-reg-lock-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const options = { brokers: '127.0.0.1:9', topic: 'logs', spool: { dir }, exitHook: false }
  const err = thrown(() => new KafkaLogProducer({ ...options, rdkafka: { 'no.such.property': 'x' } }))
  t.ok(err instanceof ConfigError, `a ConfigError (${err.message})`)
  const producer = new KafkaLogProducer(options)
  t.ok(producer, 'the retry in the same process opens the spool')
  await producer.close(100)
})
