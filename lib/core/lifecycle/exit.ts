import { isMainThread } from 'node:worker_threads'

/** What the exit hooks need from a live producer (or a transport that owns one elsewhere). */
export interface ExitParticipant {
  /**
   * A signal is about to end the process (the application has no handler of its own):
   * get what was written so far acknowledged, within the participant's own bound. Must not
   * close anything: the application keeps logging until the signal takes effect.
   */
  flushBeforeSignal: () => Promise<unknown>
  /** Records written but not yet known to be delivered (that would be lost at exit). */
  undelivered: () => number
  /**
   * At the end (synchronous: 'exit', or just before a signal takes effect). Connected: hand
   * what the JS buffer holds to librdkafka and return how long librdkafka should be given
   * (0: nothing to wait for, or `wait` is false). Not connected: hand it to whatever
   * outlives the process (the spool, a rescue process) and say so. Returns ms to wait.
   */
  handOverAtExit: (wait: boolean) => number
}

/** Block this thread for `ms` (the only way to give librdkafka's threads time at 'exit'). */
function sleepSync (ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

const live = new Set<ExitParticipant>()
const SIGNALS = ['SIGTERM', 'SIGINT'] as const
type HandledSignal = typeof SIGNALS[number]
let installed = false
/** A signal we are flushing for, before letting it take effect. */
let flushingFor: HandledSignal | undefined
/** Signals seen while the application handles them: a second one means "hurry". */
let signalsSeen = 0

/** Say something on stderr at the end of the process (synchronously, once it is all that is left). */
export function sayAtExit (message: string): void {
  // fd 2, synchronously: at 'exit' and before a signal's default action nothing async runs
  try {
    process.stderr.write(`kafka-log-transport: ${message}\n`)
  } catch {
    // stderr closed: nowhere left to say it
  }
}

function unconfirmed (): number {
  let n = 0
  for (const p of live) n += p.undelivered()
  return n
}

function onExit (): void {
  // 'exit' allows only synchronous work. librdkafka's own threads go on sending while this
  // one sleeps, but no acknowledgement can reach JS any more: wait the bound, then say
  // what could not be confirmed, on fd 2, once. After a second signal the user wants out.
  const wait = signalsSeen < 2
  let waitMs = 0
  for (const p of live) waitMs = Math.max(waitMs, p.handOverAtExit(wait))
  if (waitMs > 0) sleepSync(waitMs)
  const n = unconfirmed()
  if (n > 0) {
    const waited = waitMs > 0 ? `; librdkafka was given ${waitMs} ms to send those it held` : ''
    sayAtExit(`${n} log record(s) were not confirmed delivered to Kafka before exit${waited} ` +
      '(await producer.close() before process.exit() to be sure)')
  }
}

// signal-exit (loaded by many tools, tap among them) also listens, and acts (runs its
// callbacks, re-raises the signal) only when it is the sole listener: it never keeps a
// process alive by itself, so it does not count as the application's handler.
function isSignalExitListener (fn: (...args: unknown[]) => unknown): boolean {
  return /__signal_exit_emitter__|emitter\.count|#emitter/.test(Function.prototype.toString.call(fn))
}

/** Does anyone but us decide what this signal does? (`once` listeners are still listed: we run first.) */
function applicationHandles (signal: HandledSignal): boolean {
  return process.listeners(signal).some((fn) => fn !== onSignal && !isSignalExitListener(fn as (...args: unknown[]) => unknown))
}

/** Let `signal` take its default effect (exit code 128 + n), as if we had never listened. */
function takeEffect (signal: HandledSignal, why: string): void {
  for (const p of live) p.handOverAtExit(false)
  const n = unconfirmed()
  if (n > 0) sayAtExit(`${n} log record(s) were not confirmed delivered to Kafka before ${signal} ended the process (${why})`)
  uninstall()
  process.kill(process.pid, signal)
}

function onSignal (received: NodeJS.Signals): void {
  const signal = received as HandledSignal // registered for SIGNALS only
  if (flushingFor !== undefined) {
    // a second signal while we flush (Ctrl-C twice): the user wants out now
    takeEffect(signal, `${flushingFor} then ${signal}: stopped waiting`)
    return
  }
  // The application owns its signals: while it shuts down, logging goes on as usual and we
  // close nothing; we flush when it really ends ('exit', its own close/end, idleness).
  if (applicationHandles(signal)) {
    signalsSeen++
    return
  }
  flushingFor = signal
  void Promise.allSettled([...live].map(async (p) => p.flushBeforeSignal())).then(() => {
    if (flushingFor === signal) takeEffect(signal, 'flush bound reached')
  })
}

function install (): void {
  if (installed) return
  installed = true
  process.on('exit', onExit)
  // first in line: a `once` handler of the application's is still listed when we look
  for (const s of SIGNALS) process.prependListener(s, onSignal)
}

function uninstall (): void {
  if (!installed) return
  installed = false
  flushingFor = undefined
  process.off('exit', onExit)
  for (const s of SIGNALS) process.off(s, onSignal)
}

/**
 * Register a producer for the exit hooks. SIGTERM/SIGINT: when the application has a
 * handler of its own, nothing happens (it decides when to end); when it has none, every
 * participant flushes (bounded) and then the signal takes effect. 'exit': a bounded
 * synchronous hand-over, then what is still unconfirmed is reported on stderr. Main
 * thread only: in a worker, pino's transport close drives shutdown.
 */
export function registerExit (p: ExitParticipant): void {
  if (!isMainThread) return
  live.add(p)
  install()
}

export function unregisterExit (p: ExitParticipant): void {
  live.delete(p)
  if (live.size === 0 && flushingFor === undefined) uninstall()
}

/**
 * True when nothing but unref'd timers and native handles keeps the event loop alive:
 * the point where Node would exit if node-rdkafka's handles did not hold it open.
 */
export function processIsIdle (own: readonly string[] = []): boolean {
  const active = process.getActiveResourcesInfo()
  if (active.length === 0) return true
  // stdout/stderr on a pipe or TTY are listed as ref'd handles, yet they never keep the
  // loop alive on their own (writes to them are synchronous here): discount them, and what
  // the caller says is its own (the connection asking)
  for (const type of [...stdioResourceTypes(), ...own]) {
    const i = active.indexOf(type)
    if (i >= 0) active.splice(i, 1)
  }
  return active.length === 0
}

const HANDLE_TYPES: Record<string, string> = { Pipe: 'PipeWrap', TTY: 'TTYWrap', TCP: 'TCPWrap' }

function stdioResourceTypes (): string[] {
  const types: string[] = []
  // never touch process.stdin: its getter would open it
  for (const stream of [process.stdout, process.stderr]) {
    const name = (stream as unknown as { _handle?: { constructor?: { name?: string } } })._handle?.constructor?.name
    const type = name === undefined ? undefined : HANDLE_TYPES[name]
    if (type !== undefined) types.push(type)
  }
  return types
}
