import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import build from 'pino-abstract-transport'
import { resolveOptions, type KafkaLogOptions } from '../core/options'

// thread-stream's end() (main thread, at exit) waits at most 10 s for the worker to close.
// The producer process finishes its flush on its own even after we stop waiting.
const WORKER_CLOSE_MS = 7000
const PRODUCER_PROCESS = path.join(__dirname, 'producer-process.js')

// pino-abstract-transport JSON.parses every line unless given a parser; with parse: 'lines'
// the raw line is what reaches us, so the parse would be wasted: one shared placeholder.
const NOT_PARSED = Object.freeze({})
const skipParse = (): object => NOT_PARSED

// what thread-stream and pino add to a target's options for their own use
const PLUMBING = ['$context', 'pinoWillSendConfig']

function ownOptions (options: KafkaLogOptions): Record<string, unknown> {
  const own: Record<string, unknown> = { ...(options as unknown as Record<string, unknown>) }
  for (const k of PLUMBING) Reflect.deleteProperty(own, k)
  return own
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
 */
export function pinoTransport (options: KafkaLogOptions): ReturnType<typeof build> {
  const own = ownOptions(options)
  // a bad option fails the transport now, with the ConfigError naming it
  resolveOptions(own)
  const child = spawn(process.execPath, [PRODUCER_PROCESS], { stdio: ['pipe', 'inherit', 'inherit'] })
  const pipe = child.stdin
  let lost = 0
  let gone = false
  const exited = once(child, 'exit').then(() => { gone = true })
  // the producer process died (it said why on stderr): a dead pipe must not crash the app
  pipe.on('error', () => { gone = true })
  pipe.write(JSON.stringify(own) + '\n')
  return build(async (source) => {
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
      if (!pipe.write(line + '\n')) {
        uncork()
        await Promise.race([once(pipe, 'drain'), exited])
      }
    }
  }, {
    parse: 'lines',
    parseLine: skipParse,
    metadata: false,
    close: async () => {
      if (!gone) pipe.end()
      if (lost > 0) process.stderr.write(`kafka-log-transport: the pino producer process had ended; ${lost} log line(s) were lost\n`)
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, WORKER_CLOSE_MS).unref())])
    }
  })
}

export default pinoTransport
