import { isMainThread } from 'node:worker_threads'

/** What the exit hooks need from a live producer. */
export interface ExitParticipant {
  /** Flush and disconnect within the producer's own bound. */
  shutdown: () => Promise<unknown>
  /** Records written but not yet known to be delivered. */
  undelivered: () => number
}

const live = new Set<ExitParticipant>()
const SIGNALS = ['SIGTERM', 'SIGINT'] as const
let installed = false
let shuttingDown = false

function onExit (): void {
  let lost = 0
  for (const p of live) lost += p.undelivered()
  if (lost > 0) {
    // 'exit' allows only synchronous work: say what is lost, on fd 2, once.
    process.stderr.write(`kafka-log-transport: ${lost} log record(s) were not confirmed delivered to Kafka before exit ` +
      '(await producer.close() before process.exit() to deliver them)\n')
  }
}

function onSignal (signal: NodeJS.Signals): void {
  const appHasHandler = process.listenerCount(signal) > 1
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
  return process.getActiveResourcesInfo().length === 0
}
