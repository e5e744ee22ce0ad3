import { isMainThread } from 'node:worker_threads'
import { NativeLoadError } from './errors'

type Rdkafka = typeof import('node-rdkafka')
let cached: Rdkafka | undefined

/**
 * Load node-rdkafka once, lazily. It is not context-aware: only one JS environment
 * (the main thread or one worker) per process may hold it at a time. When a second
 * one tries, Node fails with "Module did not self-register"; we say what that means.
 */
export function loadRdkafka (): Rdkafka {
  if (cached !== undefined) return cached
  if (!isMainThread) {
    // node-rdkafka dispatches its callbacks (delivery reports, events) on the main
    // thread's event loop even when a worker loaded it: the first one aborts the process
    // ("Cannot create a handle without a HandleScope"), and its handles keep the main
    // thread from exiting. Refuse before it can do either.
    throw new NativeLoadError(
      'node-rdkafka cannot run in a worker thread: it delivers its callbacks on the main thread\'s event loop, ' +
      'which aborts the process. Create the producer on the main thread (KafkaLogProducer, kafkaDestination(), ' +
      'the winston transport), or use pino.transport({ target: \'kafka-log-transport/pino\' }), which runs it in a child process.')
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = require('node-rdkafka') as Rdkafka
    return cached
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    if (/did not self-register|ERR_DLOPEN_FAILED/.test(message) || (err as { code?: string }).code === 'ERR_DLOPEN_FAILED') {
      const where = isMainThread ? 'the main thread' : 'this worker thread'
      throw new NativeLoadError(
        `node-rdkafka cannot load in ${where}: another thread of this process already holds it ` +
        '(it is not context-aware, so only one thread per process may use it). ' +
        'Use one Kafka transport per process: put all Kafka outputs in a single pino.transport({ targets }) ' +
        'entry, or use kafkaDestination() on the main thread instead of a worker target.',
        { cause: err })
    }
    throw new NativeLoadError(
      `node-rdkafka could not be loaded (${message}). It is built from source at install time: ` +
      'install a C/C++ toolchain and the libssl, libsasl2, zlib, libzstd and liblz4 development packages, then reinstall.',
      { cause: err })
  }
}
