import { isMainThread } from 'node:worker_threads'

/** What the exit hooks need from a live producer. */
export interface ExitParticipant {
  /** Flush and disconnect within the producer's own bound. */
  shutdown: () => Promise<unknown>
  /** Records written but not yet known to be delivered. */
  undelivered: () => number
  /**
   * At 'exit' (synchronous): hand what the JS buffer holds to librdkafka if connected, and
   * ask it to send at once. Returns how long librdkafka should be given (0: nothing it can send).
   */
  handOverAtExit: () => number
}

/** Block this thread for `ms` (the only way to give librdkafka's threads time at 'exit'). */
function sleepSync (ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

const live = new Set<ExitParticipant>()
const SIGNALS = ['SIGTERM', 'SIGINT'] as const
let installed = false
let shuttingDown = false

function onExit (): void {
  // 'exit' allows only synchronous work. librdkafka's own threads go on sending while this
  // one sleeps, but no acknowledgement can reach JS any more: wait the bound, then say
  // what could not be confirmed, on fd 2, once.
  let waitMs = 0
  for (const p of live) waitMs = Math.max(waitMs, p.handOverAtExit())
  if (waitMs > 0) sleepSync(waitMs)
  let unconfirmed = 0
  for (const p of live) unconfirmed += p.undelivered()
  if (unconfirmed > 0) {
    const waited = waitMs > 0 ? `; librdkafka was given ${waitMs} ms to send those it held` : ''
    process.stderr.write(`kafka-log-transport: ${unconfirmed} log record(s) were not confirmed delivered to Kafka before exit${waited} ` +
      '(await producer.close() before process.exit() to be sure)\n')
  }
}

// signal-exit (loaded by many tools) also listens and re-raises a signal only when it is
// the sole listener: if we deferred to it and it to us, SIGTERM would never end the process.
function isSignalExitListener (fn: (...args: unknown[]) => unknown): boolean {
  return /__signal_exit_emitter__|emitter\.count|#emitter/.test(Function.prototype.toString.call(fn))
}

function onSignal (signal: NodeJS.Signals): void {
  const appHasHandler = process.listeners(signal).some((fn) => fn !== onSignal && !isSignalExitListener(fn as (...args: unknown[]) => unknown))
  const all = Promise.allSettled([...live].map(async (p) => p.shutdown()))
  if (appHasHandler || shuttingDown) return // the application decides when to exit
  shuttingDown = true
  void all.then(() => {
    // let the default action happen (exit code 128 + signal), as if we were never here
    uninstall()
    process.kill(process.pid, signal)
  })
}

function install (): void {
  if (installed) return
  installed = true
  process.on('exit', onExit)
  for (const s of SIGNALS) process.on(s, onSignal)
}

function uninstall (): void {
  if (!installed) return
  installed = false
  process.off('exit', onExit)
  for (const s of SIGNALS) process.off(s, onSignal)
}

/**
 * Register a producer for the exit hooks: on SIGTERM/SIGINT it flushes (bounded) and,
 * when the application has no handler of its own, the signal's default action follows;
 * on 'exit' what is still undelivered is reported on stderr. Main thread only: in a
 * worker, pino's transport close drives shutdown.
 */
export function registerExit (p: ExitParticipant): void {
  if (!isMainThread) return
  live.add(p)
  install()
}

export function unregisterExit (p: ExitParticipant): void {
  live.delete(p)
  if (live.size === 0) uninstall()
}

/**
 * True when nothing but unref'd timers and native handles keeps the event loop alive:
 * the point where Node would exit if node-rdkafka's handles did not hold it open.
 */
export function processIsIdle (): boolean {
  const active = process.getActiveResourcesInfo()
  if (active.length === 0) return true
  // stdout/stderr on a pipe or TTY are listed as ref'd handles, yet they never keep the
  // loop alive on their own (writes to them are synchronous here): discount them
  for (const type of stdioResourceTypes()) {
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
