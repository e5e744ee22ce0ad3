import { spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import type { Writable } from 'node:stream'
import build from 'pino-abstract-transport'
import { bridgeSignals } from './pino-signal-bridge'
import type { ProcessReply, ProcessRequest } from './producer-process-protocol'
import { type KafkaLogOptions } from '../index'
import { bounded, drainedOrGone, resolveOptions } from '../internal'

// thread-stream's end() (main thread, at exit) waits at most 10 s for the worker to close.
// The producer process finishes its flush on its own even after we stop waiting.
const WORKER_CLOSE_MS = 7000
const PRODUCER_PROCESS = path.join(__dirname, 'producer-process.js')

// pino-abstract-transport JSON.parses every line unless given a parser; with parse: 'lines'
// the raw line is what reaches us, so the parse would be wasted: one shared placeholder.
const NOT_PARSED = Object.freeze({})
const skipParse = (): object => NOT_PARSED

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
 * from exiting). So this worker hands lines, as pino wrote them, to a producer process
 * of its own (see producer-process.ts) through a pipe: the app's main thread pays only
 * pino's serialization, and the Kafka client runs on another core. When the app ends,
 * however it ends (even SIGKILL), the pipe closes and that process flushes and exits.
 *
 * `flush()` (thread-stream's `flush(cb)` on the main thread reaches it) resolves once the
 * producer process has every line logged so far acknowledged by Kafka, or at its
 * `flushTimeoutMs`.
 */
export function pinoTransport (options: KafkaLogOptions): ReturnType<typeof build> {
  const own = ownOptions(options)
  // a bad option fails the transport now, with the ConfigError naming it
  const resolved = resolveOptions(own)
  const child = spawn(process.execPath, [PRODUCER_PROCESS], { stdio: ['pipe', 'inherit', 'inherit', 'ipc'] })
  child.channel?.unref()
  const pipe = child.stdin as Writable // stdio[0] is 'pipe'
  let lost = 0
  let sent = 0
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

  const stream = build(async (source) => {
    let corked = false
    const uncork = (): void => {
      corked = false
      pipe.uncork()
    }
    for await (const line of source as AsyncIterable<string>) {
      if (gone) {
        lost++
        continue
      }
      // one pipe write per batch of lines, not one per line
      if (!corked) {
        corked = true
        pipe.cork()
        setImmediate(uncork)
      }
      sent++
      if (!pipe.write(line + '\n')) {
        uncork()
        waitingForDrain = true
        await drainedOrGone(pipe)
        waitingForDrain = false
      }
    }
  }, {
    parse: 'lines',
    parseLine: skipParse,
    metadata: false,
    close: async () => {
      unbridge()
      if (!gone) pipe.end()
      if (lost > 0) say(`the pino producer process had ended; ${lost} log line(s) were lost`)
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, WORKER_CLOSE_MS).unref())])
    }
  })

  /** Every line read so far handed to the producer process and acknowledged by Kafka (bounded). */
  const flush = async (): Promise<void> => {
    const deadline = Date.now() + resolved.flushTimeoutMs + 1000
    // the loop above catches up on what has been read from pino already
    while ((stream.readableLength > 0 || waitingForDrain) && !gone && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    if (gone || !child.connected) return
    pipe.uncork()
    const id = nextFlushId++
    const request: ProcessRequest = { code: 'flush', id, lines: sent }
    // the reply, or the process's end, or the deadline
    await bounded(deadline - Date.now(), (done) => {
      flushReplies.set(id, done)
      void exited.then(done)
      child.send(request)
      return () => { flushReplies.delete(id) }
    })
  }
  Object.assign(stream, { flush })
  const mainThreadHooks = (options as unknown as Record<string, unknown>)[MAIN_THREAD_HOOKS] === true
  const unbridge = resolved.exitHook && !mainThreadHooks ? bridgeSignals(flush, resolved.flushTimeoutMs + 2000) : () => {}
  return stream
}

export default pinoTransport
