/**
 * The producer process behind the pino worker target. node-rdkafka cannot run in a worker
 * thread (it delivers its callbacks on the main thread's event loop: the process aborts),
 * so the worker pipes lines to this child process, where node-rdkafka runs on its own
 * main thread, on its own core.
 *
 * Protocol on stdin: the first line is the options as JSON, every later line a log line.
 * On the IPC channel, flush requests (producer-process-protocol.ts): the worker's flush()
 * is answered once every log line in the bytes it had sent is acknowledged, or at
 * `flushTimeoutMs`.
 * At end of input it flushes and closes within `flushTimeoutMs`, then exits: this is also
 * what happens when the application dies, even by SIGKILL (its end of the pipe closes).
 * Exit code 0 when everything was delivered, 3 when records were lost (said on stderr),
 * 1 when it could not start (said on stderr).
 */
import type { ProcessReply, ProcessRequest } from './producer-process-protocol'
import { KafkaLogProducer, type KafkaLogError, type KafkaLogOptions } from '../index'
import { bounded } from '../internal'

const NEWLINE = 0x0a
const say = (m: string): void => { process.stderr.write(`kafka-log-transport (pino producer process ${process.pid}): ${m}\n`) }

let producer: KafkaLogProducer | undefined
const EMPTY = Buffer.alloc(0)
const NEWLINE_BYTE = Buffer.from('\n')
let pending: Buffer = EMPTY
let ended = false
/** Bytes of the log lines taken from stdin, each with its newline (the options line not counted). */
let taken = 0
let flushWaiters: Array<{ id: number, bytes: number }> = []

function start (optionsLine: Buffer): void {
  let options: KafkaLogOptions
  try {
    // the worker has validated them already; a parse failure here is a bug, said clearly
    options = { ...(JSON.parse(optionsLine.toString()) as KafkaLogOptions), exitHook: false }
    producer = new KafkaLogProducer(options)
  } catch (err) {
    say(`cannot start: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  }
  producer.on('error', (err: KafkaLogError) => { say(`${err.code}: ${err.message}`) })
  // one listener each for the life of the process: a hold ends on room (or the close)
  producer.on('drain', onRoom)
  producer.once('close', onRoom)
  // connect now: the app's first burst (or its crash) should find the connection up
  producer.connect().catch(() => { /* closed first; the close says what was lost */ })
}

/** Answer the flush requests whose lines have all been taken in. */
function answerFlushes (): void {
  if (producer === undefined || flushWaiters.length === 0) return
  const ready = flushWaiters.filter((w) => w.bytes <= taken)
  if (ready.length === 0) return
  flushWaiters = flushWaiters.filter((w) => w.bytes > taken)
  void producer.flush().then((r) => {
    for (const w of ready) {
      const reply: ProcessReply = { code: 'flushed', id: w.id, pending: r.pending }
      if (process.connected) process.send?.(reply)
    }
  })
}

process.on('message', (m: ProcessRequest) => {
  if (m.code !== 'flush') return
  flushWaiters.push({ id: m.id, bytes: m.bytes })
  answerFlushes()
})
// the IPC channel must not keep this process alive: the end of stdin decides
process.channel?.unref()

// A full buffer holds the pipe back, and with it the worker: Kafka slower than the app for
// a moment should slow the app's logging down, not drop. Under the drop policies only for
// HOLD_MS at a time, since a longer hold would move the buffer (unbounded) into pino's own;
// under 'block', until 'drain'.
const HOLD_MS = 1000
let holdTimer: NodeJS.Timeout | undefined
/**
 * A hold under a drop policy ran its whole HOLD_MS without room coming: Kafka is not taking
 * records (an outage, a frozen broker). Until room comes again, a full buffer drops here,
 * where it is counted, instead of moving the backlog into the app (pino's thread-stream
 * buffer has no bound, and at exit its flushSync gives up after 10 s with an error).
 */
let stalled = false
/** Held back at a full buffer until 'drain' (which the buffer then owes: it said full). */
let held = false

function holdBack (untilDrain: boolean): void {
  if (process.stdin.isPaused() || (!untilDrain && stalled)) return
  process.stdin.pause()
  held = true
  if (!untilDrain) {
    holdTimer = setTimeout(() => {
      stalled = true
      resume()
    }, HOLD_MS)
  }
}

function onRoom (): void {
  stalled = false
  held = false
  // after the emit, not inside it: the emit comes from within the producer's own work
  queueMicrotask(resume)
}

function resume (): void {
  clearTimeout(holdTimer)
  holdTimer = undefined
  if (!process.stdin.isPaused()) return
  process.stdin.resume()
  onData(EMPTY) // the rest of the chunk that was being read when the hold began
}

function onData (chunk: Buffer): void {
  let from = 0
  if (pending.length > 0) {
    // the line cut at the end of the last chunk, finished by this one's start: only that
    // line is copied, the chunk's own lines are read where they are
    const nl = chunk.indexOf(NEWLINE)
    const joined = Buffer.concat([pending, nl < 0 ? chunk : chunk.subarray(0, nl + 1)])
    const stop = take(joined, 0)
    if (nl < 0 || stop < joined.length) {
      // still no newline, or held back: keep the rest of both
      pending = nl < 0 ? joined.subarray(stop) : Buffer.concat([joined.subarray(stop), chunk.subarray(nl + 1)])
      answerFlushes()
      return
    }
    from = nl + 1
  }
  const stop = take(chunk, from)
  // keep the unfinished tail (or what was held back) by copy: the chunk would otherwise be retained
  pending = stop < chunk.length ? Buffer.from(chunk.subarray(stop)) : EMPTY
  answerFlushes()
}

/**
 * The complete lines of data from `from` on, the first of all being the options line.
 * Returns where it stopped: past the last complete line, or where it was held back.
 */
function take (data: Buffer, from: number): number {
  if (producer === undefined) {
    const nl = data.indexOf(NEWLINE, from)
    if (nl < 0) return from
    start(data.subarray(from, nl))
    from = nl + 1
  }
  if (producer === undefined || process.stdin.isPaused()) return from
  // every complete line in one go (natively where it can); held back when the buffer is full
  let { next, full } = producer.writeLines(data, from)
  // Kafka is not taking records: the drop policy meets every line here, nothing is held
  // (each call takes at least the line that found the buffer full)
  while (full && stalled && next < data.length) ({ next, full } = producer.writeLines(data, next))
  taken += next - from
  if (full) holdBack(producer.options.overflow === 'block')
  return next
}

/**
 * What is left at the end of input: the lines held back at a full buffer (stdin ends even
 * while paused once the pipe is read to its end), and a last line without its newline.
 * Under 'block' they still wait for room, within flushTimeoutMs; the drop policies apply as
 * to any write.
 */
async function writeRest (p: KafkaLogProducer): Promise<void> {
  const rest = pending.length > 0 && pending[pending.length - 1] !== NEWLINE ? Buffer.concat([pending, NEWLINE_BYTE]) : pending
  pending = EMPTY
  const deadline = Date.now() + p.options.flushTimeoutMs
  const room = (): Promise<void> => bounded(deadline - Date.now(), (done) => {
    void p.waitForRoom().then(done)
    return () => {}
  })
  // the input ended during a hold: the buffer is still full, and the first line would meet it
  if (held && p.options.overflow === 'block' && rest.length > 0) await room()
  for (let from = 0; from < rest.length;) {
    const { next, full } = p.writeLines(rest, from)
    if (next === from) break
    from = next
    if (full && p.options.overflow === 'block' && Date.now() < deadline) await room()
  }
}

async function finish (): Promise<void> {
  if (ended) return
  ended = true
  if (producer === undefined) process.exit(0)
  await writeRest(producer)
  const result = await producer.close()
  const m = producer.metrics()
  if (m.dropped + m.failed > 0) {
    say(`${m.delivered} of ${m.written} log record(s) delivered; ${m.failed} failed, ${m.dropped} dropped ` +
      `(${Object.entries(m.droppedByReason).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ') || 'at close'})`)
    process.exit(3)
  }
  // records left in the spool are not lost: the next run with the same spool sends them
  const spooled = m.spool?.records ?? 0
  if (spooled > 0) say(`${spooled} log record(s) wait in the spool (${producer.options.spool?.dir ?? ''}) for the next run`)
  process.exit(result.pending - spooled > 0 ? 3 : 0)
}

// A terminal's Ctrl-C reaches the whole process group, this process too. The application
// decides when logging ends (even when it dies, its end of the pipe closes): ignore them.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {})
process.stdin.on('data', onData)
process.stdin.on('end', () => { void finish() })
process.stdin.on('error', () => { void finish() })
