// Issue #32: an app on a host whose clock runs ahead of the broker's. Kafka refuses records
// stamped with the host's now (more than log.message.timestamp.after.max.ms ahead of its
// clock): the producer learns to set the send time back, and every line is delivered.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { startSingle } from '../kafka/harness.mjs'
import { ownPort } from '../kafka/ports.mjs'

const HOUR = 3600 * 1000
const AHEAD = 5 * 60 * 1000 // the window ahead of the clock for own times (lib/core/record/kafka-time.ts)
const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'fast-clock-app.mjs')
const byI = (got) => new Map(got.map((m) => [JSON.parse(m.value.toString()).i, m]))

/** libfaketime, to run a broker whose clock is behind ours. */
function libfaketime () {
  for (const dir of ['/usr/lib/x86_64-linux-gnu/faketime', '/usr/lib/aarch64-linux-gnu/faketime', '/usr/lib/faketime']) {
    const lib = path.join(dir, 'libfaketime.so.1')
    if (fs.existsSync(lib)) return lib
  }
  return undefined
}

t.test('an app on a host whose clock runs 1.5 h ahead of the broker\'s: every line is delivered', async (t) => {
  // The broker's clock is set 1.5 h back (libfaketime in its JVM; librdkafka in the app cannot
  // run under it: its timed waits would take the faked clock for the real one). The same thing,
  // seen from the broker: the app's clock, and librdkafka's, are 1.5 h ahead.
  const lib = libfaketime()
  if (lib === undefined) {
    t.fail('libfaketime is not installed: `apt-get install faketime` (.ci/run installs it)')
    return
  }
  const saved = process.env
  process.env = { ...saved, LD_PRELOAD: lib, FAKETIME: '-90m', FAKETIME_DONT_FAKE_MONOTONIC: '1' }
  let kafka
  try {
    // a JVM under libfaketime starts slowly (~60 s on 2 cores)
    kafka = await startSingle({ port: ownPort('timestamps'), timeoutMs: 150000 })
  } finally {
    process.env = saved
  }
  t.teardown(() => kafka.stop())
  const N = 500
  for (const path_ of ['native', 'produce']) {
    const topic = await createTopic(uniqueTopic('klt-ts-fast-clock'), { partitions: 3, bootstrap: kafka.brokers })
    const t0 = Date.now()
    const r = spawnSync(process.execPath, [FIXTURE, kafka.brokers, topic, String(N)], {
      encoding: 'utf8',
      timeout: 120000,
      env: { ...process.env, ...(path_ === 'produce' ? { KLT_NATIVE_BATCH: '0' } : {}) }
    })
    t.equal(r.status, 0, r.stderr)
    const out = JSON.parse(r.stdout.trim().split('\n').pop() || '{}')
    t.same(out.done, { delivered: N, failed: 0, pending: 0 }, `${path_}: close() says all ${N} delivered`)
    t.equal(out.timestamps?.correctionMs, HOUR, `${path_}: the send time was set back one step (an hour)`)
    t.match(r.stderr, /KLT_CLOCK_AHEAD|clock seems to run ahead/, `${path_}: the app was told, once`)
    const got = byI(await consumeAll(topic, N, { settleMs: 300, bootstrap: kafka.brokers }))
    t.equal(got.size, N, `${path_}: all ${N} lines are in Kafka, once`)
    const t1 = Date.now()
    t.ok([...got.values()].every((m) => m.timestamp >= t0 - HOUR - 60000 && m.timestamp <= t1 - HOUR + AHEAD), `${path_}: stamped an hour back`)
  }
})
