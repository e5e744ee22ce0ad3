// Issue #28: the native line path (native/lines.cc) holds a second copy of the rules the JS
// encoder holds (pino's head, epoch ms, level labels, topic names, key text, trace
// sniffing, CRLF). Here both paths turn the same lines into records, and every record must
// be byte for byte the same: value, key, partition (among 4 as librdkafka picked it, and
// among 1, 3 and 12 as the Java client would), timestamp and headers; and the same lines
// dropped. The lines: a corpus of hostile ones (fixtures/differential/corpus.mjs) and
// 100,000 generated ones. No Kafka is needed: librdkafka's mock cluster takes the records
// through its real produce path and partitioner, and a real consumer reads them back.
// Four paths: the JS encoder with node-rdkafka's produce() per record, the JS encoder with
// native batches, and native lines (writeLines() on chunks, and write() per line).
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { compareRuns, lineSets } from '../helpers/differential.mjs'
import { startMockKafka } from '../helpers/mock-kafka.mjs'

const require = createRequire(import.meta.url)
const { batchAddon } = require('../../dist/core/native-batch.js')
const GENERATED = Number(process.env.KLT_DIFF_LINES ?? 100000)
const SEED = Number(process.env.KLT_DIFF_SEED ?? 28)

t.test('both paths make the same records of the same lines', async (t) => {
  if (batchAddon() === undefined) {
    if (process.env.CI === 'true') t.fail('the native addon is not built: this test would compare the JS path with itself (see `npm rebuild kafka-log-transport`)')
    else t.skip('the native addon is not built: nothing to compare (CI=true fails here)')
    return
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'klt-diff-'))
  const mock = await startMockKafka()
  t.teardown(async () => {
    rmSync(dir, { recursive: true, force: true })
    await mock.stop()
  })
  await compareRuns(t, {
    bootstrap: mock.bootstrap,
    topics: (prefix) => mock.topics(prefix),
    dir,
    sets: lineSets(GENERATED, SEED),
    runs: [
      ...['keyed', 'levels', 'inherited', 'proto', 'hostname'].map((config) => ({ config, set: 'corpus' })),
      { config: 'keyed', set: 'generated' },
      { config: 'levels', set: 'generated' }
    ]
  })
})
