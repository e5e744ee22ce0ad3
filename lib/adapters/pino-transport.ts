import { spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { pinoConfigLabels, type PinoConfigMessage } from './pino-config'
import { bridgeSignals } from './pino-signal-bridge'
import type { ProcessReply, ProcessRequest } from './producer-process-protocol'
import { pinoBytesAllRead } from './thread-stream-state'
import { type KafkaLogOptions } from '../index'
import { bounded, drainedOrGone, resolveLevelLabels, resolveOptions } from '../internal'

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
const PLUMBING = ['$context', 'pinoWillSendConfig', 'levels', MAIN_THREAD_HOOKS]
/** How long the worker waits for pino's config (its level names) before it starts without. */
const PINO_CONFIG_WAIT_MS = 1000

function ownOptions (options: KafkaLogOptions): Record<string, unknown> {
  const own: Record<string, unknown> = { ...(options as unknown as Record<string, unknown>) }
  for (const k of PLUMBING) Reflect.deleteProperty(own, k)
  return own
}

/** pino's custom levels as pino gives a single target (`levels`: name → number), as names by number. */
function labelsFromLevels (levels: unknown): Record<number, string> | undefined {
  if (levels === null || typeof levels !== 'object') return undefined
  const labels: Record<number, string> = {}
  for (const [name, n] of Object.entries(levels)) if (typeof n === 'number') labels[n] = name
  return labels
}

/**
 * The app's level names: pino passes custom levels to a single target in its options; to
 * the targets of `targets` only in the config message it sends to the worker thread (as
 * pino-abstract-transport's `expectPinoConfig` reads it). Resolves undefined without them.
 */
async function pinoLevelLabels (options: KafkaLogOptions): Promise<Record<number, string> | undefined> {
  const given = labelsFromLevels((options as unknown as Record<string, unknown>)['levels'])
  const willSend = (workerData as { workerData?: { pinoWillSendConfig?: unknown } } | null)?.workerData?.pinoWillSendConfig === true
  if (given !== undefined || isMainThread || parentPort === null || !willSend) return given
  const port = parentPort
  return await new Promise((resolve) => {
    const timer = setTimeout(() => { done(undefined) }, PINO_CONFIG_WAIT_MS)
    const onMessage = (m: PinoConfigMessage | null): void => {
      if (m?.code === 'PINO_CONFIG') done(pinoConfigLabels(m))
    }
    const done = (labels: Record<number, string> | undefined): void => {
      clearTimeout(timer)
      port.off('message', onMessage)
      resolve(labels)
    }
    port.on('message', onMessage)
  })
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
  let optionsSent = false
  // the options line (with the app's level names, once pino has told them) opens the pipe's protocol
  const started = pinoLevelLabels(options).then((labels) => {
    if (labels !== undefined) {
      try {
        own['levelLabels'] = resolveLevelLabels({ ...(resolved.levelLabels), ...labels }, 'pino levels')
      } catch (err) {
        say(`pino's level names are not usable (${err instanceof Error ? err.message : String(err)}); levels go by pino's own names`)
      }
    }
    pipe.write(JSON.stringify(own) + '\n')
    optionsSent = true
  })

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
      if (optionsSent) relay(chunk, done)
      else void started.then(() => { relay(chunk, done) })
    },
    final (done) {
      unbridge()
      void started.then(() => {
        if (!gone) pipe.end()
        if (lost > 0) say(`the pino producer process had ended; ${lost} log line(s) were lost`)
        void Promise.race([exited, new Promise((resolve) => setTimeout(resolve, WORKER_CLOSE_MS).unref())]).then(() => { done() })
      })
    }
  })

  function relay (chunk: string | Buffer, done: () => void): void {
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
  }

  /** Every line written so far handed to the producer process and acknowledged by Kafka (bounded). */
  const flush = async (): Promise<void> => {
    const deadline = Date.now() + resolved.flushTimeoutMs + 1000
    // what the main thread handed pino's worker is read, and what thread-stream wrote while
    // the pipe was full is on its way, first
    while ((!pinoBytesAllRead() || stream.writableLength > 0 || waitingForDrain) && !gone && Date.now() < deadline) {
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
