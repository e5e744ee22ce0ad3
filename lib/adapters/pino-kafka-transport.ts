import path from 'node:path'
import type { Writable } from 'node:stream'
import { registerExit, unregisterExit, type ExitParticipant } from '../core/exit'
import { resolveOptions, type KafkaLogOptions } from '../core/options'

/** pino.transport()'s own options (worker settings and such), besides target and options. */
export type PinoTransportExtra = Record<string, unknown>

/** What pino.transport() returns: a thread-stream (only what we use of it). */
interface ThreadStream extends Writable {
  closed: boolean
}

// the worker target is this package's pino entry, by path: no resolution from the caller needed
const TARGET = path.join(__dirname, '..', 'pino.js')

/**
 * `pino.transport({ target: 'kafka-log-transport/pino', options })`, plus what pino does not
 * do by itself: on SIGTERM/SIGINT, when the application has no handler of its own, the
 * worker is ended (its producer flushed and closed) before the signal takes effect.
 * Use it as `pino(kafkaTransport({ brokers, topic }))`.
 */
export function kafkaTransport (options: KafkaLogOptions, extra: PinoTransportExtra = {}): ThreadStream {
  // pino is an optional peer dependency: required only by those who call this
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pino = require('pino') as { transport: (o: Record<string, unknown>) => ThreadStream }
  // a bad option throws here, on the caller's thread, instead of failing the worker later
  const resolved = resolveOptions(options)
  const stream = pino.transport({ ...extra, target: TARGET, options })
  if (resolved.exitHook) {
    const participant: ExitParticipant = {
      // thread-stream's end() blocks until the worker has closed its producer (at most 10 s)
      shutdown: () => new Promise<void>((resolve) => {
        if (stream.closed) {
          resolve()
          return
        }
        stream.once('close', () => { resolve() })
        stream.end()
      }),
      // the worker's own count; at 'exit', pino's hook ends the worker synchronously
      undelivered: () => 0,
      handOverAtExit: () => 0
    }
    registerExit(participant)
    stream.once('close', () => { unregisterExit(participant) })
  }
  return stream
}
