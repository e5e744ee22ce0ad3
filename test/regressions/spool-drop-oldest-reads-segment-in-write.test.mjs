// overflow 'dropOldest' with a full spool gives up the oldest segment (up to 64 MiB). That
// happened inside write(), which read the whole segment synchronously (to count its records
// and hand them to the fallback): the app's event loop stalled for the read. The count is
// known without reading; the fallback gets the values read asynchronously.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { KafkaLogProducer } from 'kafka-log-transport'

const BOUND = 10
const N = 3000
const range = (from, n) => Array.from({ length: n }, (_, i) => from + i)
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function tmpDir (t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-drop-oldest-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function until (check, ms = 10000) {
  const deadline = Date.now() + ms
  while (!check() && Date.now() < deadline) await sleep(10)
}

/**
 * Run `fn` and count the synchronous reads of files in `dir` it makes (readFileSync, or
 * readSync on a descriptor opened there): timing would be flaky, this is not.
 */
function syncReadsIn (dir, fn) {
  const { openSync, closeSync, readSync, readFileSync } = fs
  const fds = new Set()
  let reads = 0
  fs.openSync = (p, ...rest) => {
    const fd = openSync(p, ...rest)
    if (String(p).startsWith(dir)) fds.add(fd)
    return fd
  }
  fs.closeSync = (fd, ...rest) => {
    fds.delete(fd)
    return closeSync(fd, ...rest)
  }
  fs.readSync = (fd, ...rest) => {
    if (fds.has(fd)) reads++
    return readSync(fd, ...rest)
  }
  fs.readFileSync = (p, ...rest) => {
    if (String(p).startsWith(dir)) reads++
    return readFileSync(p, ...rest)
  }
  try {
    fn()
  } finally {
    Object.assign(fs, { openSync, closeSync, readSync, readFileSync })
  }
  return reads
}

/** Kafka unreachable: BOUND records in memory, then a 256 KiB spool (16 KiB segments), then dropOldest. */
function fill (t, fallback) {
  const dir = tmpDir(t)
  const producer = new KafkaLogProducer({
    brokers: '127.0.0.1:9', topic: 'nowhere', exitHook: false, connectTimeoutMs: 1000, // close() waits out a connection attempt under way
    maxBufferMessages: BOUND, overflow: 'dropOldest', fallback, spool: { dir, maxBytes: 256 * 1024 }
  })
  producer.on('error', () => {})
  const reads = syncReadsIn(dir, () => {
    for (let seq = 0; seq < N; seq++) producer.write({ level: 30, seq, pad: 'x'.repeat(200) })
  })
  return { dir, producer, reads }
}

const adds = (t, m, when) => t.equal(m.written, m.delivered + m.failed + m.dropped + m.pending, `${when}: written = delivered + failed + dropped + pending`)
const seqsOf = (text) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l).seq)

t.test('dropOldest at a full spool: write() drops whole segments without reading them; the fallback gets them all', async (t) => {
  const fallback = new PassThrough()
  let text = ''
  fallback.on('data', (d) => { text += d })
  const { dir, producer, reads } = fill(t, fallback)
  const m = producer.metrics()
  t.ok(m.dropped > 2 * 60, `whole segments were dropped (${m.dropped} records)`)
  t.equal(reads, 0, 'no spool file was read synchronously inside write()')
  t.equal(m.droppedByReason['buffer-full'], m.dropped, 'every drop counted as buffer-full, as soon as it happened')
  adds(t, m, 'right after the writes')
  t.equal(m.pending, BOUND + m.spool.records, 'pending: memory plus spool')

  await until(() => seqsOf(text).length >= m.dropped)
  t.same(seqsOf(text), range(BOUND, m.dropped), 'the fallback got every dropped record, oldest first')
  await until(() => fs.readdirSync(dir).every((f) => !f.endsWith('.dropped')))
  t.same(fs.readdirSync(dir).filter((f) => f.endsWith('.dropped')), [], 'a dropped segment is deleted once read')
  await producer.close(300)
  adds(t, producer.metrics(), 'after close')
})

t.test('a file fallback closed while dropped records are still being read still gets them all', async (t) => {
  const file = path.join(tmpDir(t), 'fallback.ndjson')
  const { producer } = fill(t, file)
  const dropped = producer.metrics().dropped
  await producer.close(300) // at once: the file fallback ends only after the values being read are in
  const after = producer.metrics()
  adds(t, after, 'after close')
  await until(() => fs.existsSync(file) && seqsOf(fs.readFileSync(file, 'utf8')).length >= after.dropped)
  const seqs = seqsOf(fs.readFileSync(file, 'utf8'))
  t.equal(seqs.length, after.dropped, 'one line per dropped record (close drops what memory held that the spool had no room for)')
  t.same(seqs.filter((s) => s >= BOUND), range(BOUND, dropped), 'every record of the dropped segments, oldest first')
})

t.test('without a fallback a dropped segment is deleted at once, unread', async (t) => {
  const { dir, producer, reads } = fill(t, undefined)
  const m = producer.metrics()
  t.ok(m.dropped > 0)
  t.equal(reads, 0, 'nothing read synchronously')
  adds(t, m, 'right after the writes')
  t.ok(fs.readdirSync(dir).filter((f) => f.endsWith('.seg')).length <= 16, 'the segments left fit the spool')
  t.same(fs.readdirSync(dir).filter((f) => f.endsWith('.dropped')), [], 'none set aside')
  await producer.close(300)
})
