import { existsSync } from 'node:fs'
import path from 'node:path'
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
    // a dlopen failure is this only when the binding says so (ERR_DLOPEN_FAILED is also a
    // binding built for another Node, or a missing library)
    if (/did not self-register/.test(message)) {
      const where = isMainThread ? 'the main thread' : 'this worker thread'
      throw new NativeLoadError(
        `node-rdkafka cannot load in ${where}: another thread of this process already holds it ` +
        '(it is not context-aware, so only one thread per process may use it). ' +
        'Use one Kafka transport per process: put all Kafka outputs in a single pino.transport({ targets }) ' +
        'entry, or use kafkaDestination() on the main thread instead of a worker target.',
        { cause: err })
    }
    throw new NativeLoadError(`node-rdkafka could not be loaded (${message.split('\n')[0]}). ${whyNotBuilt(message)}`, { cause: err })
  }
}

/**
 * Why node-rdkafka's binding is not there, and the fix: its install script never ran (npm 11
 * and pnpm 10 run a dependency's install script only once allowed; yarn with enableScripts
 * false, npm with --ignore-scripts never), or its build from source failed (a toolchain or
 * -dev package missing).
 */
function whyNotBuilt (message: string): string {
  let dir: string
  try {
    dir = path.dirname(require.resolve('node-rdkafka/package.json'))
  } catch {
    return 'It is not installed: it is an optional dependency, which npm leaves out when its build from source fails ' +
      '(no C toolchain) or with --omit=optional. To add it: install a C/C++ toolchain, make, python3 and the libssl, ' +
      'libsasl2, zlib, libzstd and liblz4 development packages, then run `npm install` again.'
  }
  if (existsSync(path.join(dir, 'build', 'Release', 'node-librdkafka.node'))) {
    if (/NODE_MODULE_VERSION/.test(message)) {
      return `Its binding was built for another Node version than this one (${process.version}): run \`npm rebuild node-rdkafka\` ` +
        'with this Node (where node-gyp takes headers from npm_config_nodedir or an .npmrc `nodedir`, they must be this Node\'s).'
    }
    return 'Its binding is built but did not load (a library it needs is missing?): `npm rebuild node-rdkafka`.'
  }
  if (!existsSync(path.join(dir, 'build'))) {
    return 'Its install script, which builds librdkafka from source, never ran: your package manager did not allow it. ' +
      'npm 11: `npm install-scripts approve node-rdkafka kafka-log-transport`, then `npm rebuild node-rdkafka kafka-log-transport`; ' +
      'pnpm: `pnpm approve-builds` (choose node-rdkafka and kafka-log-transport), then `pnpm rebuild`; ' +
      'yarn: `enableScripts` must not be false; npm with --ignore-scripts: `npm rebuild node-rdkafka kafka-log-transport`.'
  }
  return 'Its build from source at install failed: install a C/C++ toolchain, make, python3 and the libssl, libsasl2, zlib, ' +
    'libzstd and liblz4 development packages, then `npm rebuild node-rdkafka`.'
}
