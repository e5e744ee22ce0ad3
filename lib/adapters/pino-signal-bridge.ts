/**
 * SIGTERM/SIGINT for the plain pino worker target (`pino.transport({ target })`), whose code
 * runs only in pino's worker thread, where Node delivers no signals. Without help, a signal
 * with no application handler ends the process before the worker has handed pino's last
 * lines to the producer process.
 *
 * So the worker asks the main thread, through the inspector's in-process session (the one
 * public way a worker can run code there), to load this file and register one exit
 * participant with the core's exit hooks, which see to the signal exactly as for every other
 * wiring: with a handler of the application's, nothing happens; without, the worker targets
 * flush (bounded), then the signal takes effect. The threads talk on a BroadcastChannel.
 * Where the inspector is not available (a build without it, the permission model), nothing
 * is installed and the signal ends the process at once, as pino alone would.
 */
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads'
import path from 'node:path'
import { bounded, registerExit, unregisterExit, type ExitParticipant } from '../internal'

const CHANNEL = 'kafka-log-transport:pino-signal'
const INSTALLED = Symbol.for('kafka-log-transport.pino-signal-bridge')

type Message =
  | { code: 'hello', target: string, boundMs: number }
  | { code: 'bye', target: string }
  | { code: 'flush', request: number }
  | { code: 'flushed', target: string, request: number }
  | { code: 'roll-call' }

// --- main thread ----------------------------------------------------------------------

/** Main thread: listen for worker targets; while any lives, flush them before a signal takes effect. */
export function installMainThreadBridge (): void {
  const g = globalThis as Record<symbol, unknown>
  if (!isMainThread || g[INSTALLED] === true) return
  g[INSTALLED] = true
  const channel = new BroadcastChannel(CHANNEL)
  channel.unref()
  const targets = new Map<string, number>()
  let nextRequest = 1
  let replies: ((target: string, request: number) => void) | undefined
  const participant: ExitParticipant = {
    flushBeforeSignal: () => flushTargets(),
    undelivered: () => 0, // each producer process keeps its own account
    handOverAtExit: () => 0
  }
  async function flushTargets (): Promise<void> {
    if (targets.size === 0) return
    // pino's last writes reach the worker's shared buffer on the next turns of this loop
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    const request = nextRequest++
    const waiting = new Set(targets.keys())
    await bounded(Math.max(...targets.values()), (done) => {
      replies = (target, r) => {
        if (r !== request) return
        waiting.delete(target)
        if (waiting.size === 0) done()
      }
      channel.postMessage({ code: 'flush', request } satisfies Message)
      return () => { replies = undefined }
    })
  }
  channel.onmessage = (event: unknown) => {
    const m = (event as { data: Message }).data
    if (m.code === 'hello') {
      if (targets.size === 0) registerExit(participant)
      targets.set(m.target, m.boundMs)
    } else if (m.code === 'bye') {
      targets.delete(m.target)
      if (targets.size === 0) unregisterExit(participant)
    } else if (m.code === 'flushed') {
      replies?.(m.target, m.request)
    }
  }
  // targets that asked before this thread had its half say hello again
  channel.postMessage({ code: 'roll-call' } satisfies Message)
}

// --- worker thread --------------------------------------------------------------------

let nextTarget = 1

/**
 * Worker thread: make sure the main thread has the bridge, then answer its flush requests
 * with `flush()`. Returns a function to call when this target closes.
 */
export function bridgeSignals (flush: () => Promise<void>, boundMs: number): () => void {
  if (isMainThread) return () => {}
  const target = `${threadId}:${nextTarget++}`
  const channel = new BroadcastChannel(CHANNEL)
  channel.unref()
  let closed = false
  // also called when the main thread's half answers, which can be after a short-lived target closed
  const hello = (): void => { if (!closed) channel.postMessage({ code: 'hello', target, boundMs } satisfies Message) }
  channel.onmessage = (event: unknown) => {
    const m = (event as { data: Message }).data
    if (m.code === 'roll-call') hello()
    if (m.code !== 'flush') return
    void flush().finally(() => { if (!closed) channel.postMessage({ code: 'flushed', target, request: m.request } satisfies Message) })
  }
  // the main thread's half may be there already (another target installed it): say hello now too
  installInMainThread(hello)
  return () => {
    if (closed) return
    closed = true
    channel.postMessage({ code: 'bye', target } satisfies Message)
    channel.close()
  }
}

/**
 * Ask the main thread to load this file and install its half. `then` runs once the request
 * is made; the half, once installed, also calls the roll (its own listener may come later).
 */
function installInMainThread (then: () => void): void {
  const file = path.join(__dirname, 'pino-signal-bridge.js')
  // run from a timer on the main thread, not inside the inspector's interrupt
  const expression = `setImmediate(() => { try { process.getBuiltinModule('node:module').createRequire(${JSON.stringify(file)})` +
    `(${JSON.stringify(file)}).installMainThreadBridge() } catch {} }); true`
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const inspector = require('node:inspector') as typeof import('node:inspector')
    const session = new inspector.Session()
    session.connectToMainThread()
    session.post('Runtime.evaluate', { expression }, () => {
      session.disconnect()
      then()
    })
  } catch {
    // no inspector here: pino's own behaviour (a signal ends the process at once)
  }
}
