import path from 'node:path'
import type { Writable } from 'node:stream'
import { MAIN_THREAD_HOOKS } from './pino-transport'
import { type KafkaLogOptions } from '../index'
import { bounded, registerExit, unregisterExit, type ExitParticipant, resolveOptions, reportUnheard } from '../internal'

/** pino.transport()'s own options (worker settings and such), besides target and options. */
export type PinoTransportExtra = Record<string, unknown>

/** What pino.transport() returns: a thread-stream (only what we use of it). */
interface ThreadStream extends Writable {
  closed: boolean
  /** thread-stream >= 4: resolves once the worker has read everything and flushed its destination. */
  flush?: (cb: (err?: Error | null) => void) => void
}

// the worker target is this package's pino entry, by path: no resolution from the caller needed
const TARGET = path.join(__dirname, '..', 'pino.js')

/**
 * `pino.transport({ target: 'kafka-log-transport/pino', options })`, plus what pino does not
 * do by itself, on the main thread:
 * - SIGTERM/SIGINT when the application has no handler of its own: the worker flushes
 *   (every line logged so far acknowledged by Kafka, bounded by `flushTimeoutMs`) before the
 *   signal takes effect. With a handler of the application's, nothing happens on the signal:
 *   logging goes on until the app ends, and pino's own exit hook flushes then.
 * - an `'error'` of the stream (the worker died) never crashes the app when nobody listens:
 *   it is reported on stderr once.
 * Use it as `pino(kafkaTransport({ brokers, topic }))`.
 */
export function kafkaTransport (options: KafkaLogOptions, extra: PinoTransportExtra = {}): ThreadStream {
  // pino is an optional peer dependency: required only by those who call this
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pino = require('pino') as { transport: (o: Record<string, unknown>) => ThreadStream }
  // a bad option throws here, on the caller's thread, instead of failing the worker later
  const resolved = resolveOptions(options)
  // the worker target need not reach into this thread for signals: we are here
  const stream = pino.transport({ ...extra, target: TARGET, options: { ...options, [MAIN_THREAD_HOOKS]: resolved.exitHook } })
  const onError = (err: Error): void => {
    // ours is the only listener: without us, this 'error' would throw into the application
    if (stream.listenerCount('error') === 1) reportUnheard(stream, err)
  }
  stream.on('error', onError)
  if (resolved.exitHook) {
    const participant: ExitParticipant = {
      flushBeforeSignal: () => flushStream(stream, resolved.flushTimeoutMs + 1000),
      // the producer process keeps its own account, and outlives the app to deliver it
      undelivered: () => 0,
      handOverAtExit: () => 0
    }
    registerExit(participant)
    stream.once('close', () => { unregisterExit(participant) })
  }
  return stream
}

/** thread-stream's flush (the worker's flush waits for Kafka's acknowledgements), bounded. */
function flushStream (stream: ThreadStream, timeoutMs: number): Promise<void> {
  const flush = stream.flush
  if (stream.closed || typeof flush !== 'function') return Promise.resolve()
  return bounded(timeoutMs, (done) => { flush.call(stream, done); return () => {} })
}
