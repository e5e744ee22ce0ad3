import { spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import { bridgeSignals } from './pino-signal-bridge'
import type { ProcessReply, ProcessRequest } from './producer-process-protocol'
import { type KafkaLogOptions } from '../index'
import { bounded, drainedOrGone, resolveOptions } from '../internal'

// thread-stream's end() (main thread, at exit) waits at most 10 s for the worker to close.
// The producer process finishes its flush on its own even after we stop waiting.
const WORKER_CLOSE_MS = 7000
const PRODUCER_PROCESS = path.join(__dirname, 'producer-process.js')

/** The worker target's stream: what thread-stream writes pino's output into. */
export interface PinoWorkerStream extends Writable {
  /** Every line written so far acknowledged by Kafka in the producer process, or `flushTimeoutMs` passed. */
  flush: () => Promise<void>
}

function countLines (chunk: string | Buffer): number {
  let n = 0
  for (let at = chunk.indexOf('\n'); at >= 0; at = chunk.indexOf('\n', at + 1)) n++
  return n
}

// what thread-stream and pino add to a target's options for their own use, and ours:
// kafkaTransport() sees to signals on the main thread itself
export const MAIN_THREAD_HOOKS = '$kafkaLogTransportMainThreadHooks'
const PLUMBING = ['$context', 'pinoWillSendConfig', MAIN_THREAD_HOOKS]

function ownOptions (options: KafkaLogOptions): Record<string, unknown> {
  const own: Record<string, unknown> = { ...(options as unknown as Record<string, unknown>) }
  for (const k of PLUMBING) Reflect.deleteProperty(own, k)
  return own
}

/**
 * On fd 2 directly: this runs in pino's worker thread, whose process.stderr is relayed
 * through the main thread, which at exit is blocked waiting for us.
 */
function say (message: string): void {
  try {
    fs.writeSync(2, `kafka-log-transport: ${message}\n`)
  } catch {
    // stderr closed: nowhere left to say it
  }
}

/**
 * The pino worker target: `pino.transport({ target: 'kafka-log-transport/pino', options })`.
 *
 * node-rdkafka cannot run in a worker thread: it delivers its callbacks on the main
 * thread's event loop, which aborts the process (and its handles keep the main thread
 * from exiting). So this worker hands pino's output to a producer process of its own (see
 * producer-process.ts) through a pipe, as it comes: thread-stream's chunks (whole lines,
 * many at a time) go into the pipe untouched, neither split nor parsed here; the producer
 * process finds the line boundaries. The app's main thread pays only pino's serialization,
 * and the Kafka client runs on another core. When the app ends, however it ends (even
 * SIGKILL), the pipe closes and that process flushes and exits.
 *
 * `flush()` (thread-stream's `flush(cb)` on the main thread reaches it) resolves once the
 * producer process has every line written so far acknowledged by Kafka, or at its
 * `flushTimeoutMs`.
 */
export function pinoTransport (options: KafkaLogOptions): PinoWorkerStream {
  const own = ownOptions(options)
  // a bad option fails the transport now, with the ConfigError naming it
  const resolved = resolveOptions(own)
  const child = spawn(process.execPath, [PRODUCER_PROCESS], { stdio: ['pipe', 'inherit', 'inherit', 'ipc'] })
  child.channel?.unref()
  const pipe = child.stdin as Writable // stdio[0] is 'pipe'
  let lost = 0
  /** Bytes of log lines handed to the pipe (the options line not counted): what a flush waits for. */
  let sentBytes = 0
  let gone = false
  let waitingForDrain = false
  const exited = once(child, 'exit').then(() => { gone = true })
  // the producer process died (it said why on stderr): a dead pipe must not crash the app
  pipe.on('error', () => { gone = true })
  child.on('error', () => { gone = true })
  pipe.write(JSON.stringify(own) + '\n')

  let nextFlushId = 1
  const flushReplies = new Map<number, () => void>()
  child.on('message', (m: ProcessReply) => {
    if (m.code === 'flushed') {
      flushReplies.get(m.id)?.()
      flushReplies.delete(m.id)
    }
  })

  let corked = false
  const uncork = (): void => {
    corked = false
    pipe.uncork()
  }
  const stream = new Writable({
    // thread-stream writes strings; the pipe encodes them once, on its way to the kernel
    decodeStrings: false,
    write (chunk: string | Buffer, _encoding, done) {
      if (gone) {
        lost += countLines(chunk)
        done()
        return
      }
      // one pipe write per turn of the loop: under pino's multistream (`targets`) each line
      // comes as a write of its own
      if (!corked) {
        corked = true
        pipe.cork()
        setImmediate(uncork)
      }
      sentBytes += Buffer.byteLength(chunk)
      if (pipe.write(chunk)) {
        done()
        return
      }
      uncork()
      waitingForDrain = true
      void drainedOrGone(pipe).then(() => {
        waitingForDrain = false
        done()
      })
    },
    final (done) {
      unbridge()
      if (!gone) pipe.end()
      if (lost > 0) say(`the pino producer process had ended; ${lost} log line(s) were lost`)
      void Promise.race([exited, new Promise((resolve) => setTimeout(resolve, WORKER_CLOSE_MS).unref())]).then(() => { done() })
    }
  })

  /** Every line written so far handed to the producer process and acknowledged by Kafka (bounded). */
  const flush = async (): Promise<void> => {
    const deadline = Date.now() + resolved.flushTimeoutMs + 1000
    // what thread-stream wrote while the pipe was full is on its way first
    while ((stream.writableLength > 0 || waitingForDrain) && !gone && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    if (gone || !child.connected) return
    pipe.uncork()
    const id = nextFlushId++
    const request: ProcessRequest = { code: 'flush', id, bytes: sentBytes }
    // the reply, or the process's end, or the deadline
    await bounded(deadline - Date.now(), (done) => {
      flushReplies.set(id, done)
      void exited.then(done)
      child.send(request)
      return () => { flushReplies.delete(id) }
    })
  }
  const mainThreadHooks = (options as unknown as Record<string, unknown>)[MAIN_THREAD_HOOKS] === true
  const unbridge = resolved.exitHook && !mainThreadHooks ? bridgeSignals(flush, resolved.flushTimeoutMs + 2000) : () => {}
  return Object.assign(stream, { flush })
}

export default pinoTransport
