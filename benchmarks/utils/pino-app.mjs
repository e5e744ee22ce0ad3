// One pino contender process for benchmarks/pino.bench.mjs and app.bench.mjs:
//   node pino-app.mjs <noop|devnull|stdout|worker|destination> <brokers> <topic> <calls> [headers]
// noop: pino hands its lines to a stream that drops them (pino's own work, no I/O).
// kafka-log-transport is loaded only by the destination mode (the worker mode's is loaded by
// pino's worker), so the other modes' start-up is pino's alone. app.bench.mjs runs a copy of
// this file (and bursts.mjs) inside a packaged install: imports here are of packages or of
// files beside it.
// headers (worker, destination): the logHeaders option, `all` (true), `none` (false) or a
// comma list; left out, the default.
// Logs CALLS times `logger.info({ reqId, user: { id } }, 'message')` in bursts of 1000 with
// setImmediate between bursts (the worker and I/O get their turn, as in a real service),
// then ends the stream and waits for 'close'. Prints JSON: ns per call (time inside the
// calls only), and ms from the first call to 'close' (on stderr in the stdout mode, whose
// stdout is the log, piped into an agent).
import pino from 'pino'
import { logInBursts } from './bursts.mjs'

const [mode, brokers, topic, calls, headers] = process.argv.slice(2)
const { kafkaDestination } = mode === 'destination' ? await import('kafka-log-transport/pino') : {}
const N = Number(calls)
const options = { brokers, topic, key: 'reqId', maxBufferMessages: 200000 }
if (headers !== undefined) options.logHeaders = headers === 'all' ? true : headers === 'none' ? false : headers.split(',')
const streams = {
  noop: () => ({ writable: true, write () {} }),
  devnull: () => pino.destination({ dest: '/dev/null', sync: true }),
  stdout: () => pino.destination({ dest: 1, sync: true }),
  worker: () => pino.transport({ target: 'kafka-log-transport/pino', options }),
  destination: () => kafkaDestination(options)
}
const stream = streams[mode]()
const logger = pino(stream)
let warmUpMs = 0
if (mode === 'worker' || mode === 'destination') {
  // connected before timing, as in a service that has been running (the bench subtracts
  // this fixed wait from its whole-process figures)
  logger.info({ reqId: 'warm-up' }, 'warm-up')
  const w0 = performance.now()
  await new Promise((resolve) => setTimeout(resolve, 1500))
  warmUpMs = performance.now() - w0
}
const t0 = performance.now()
const inCalls = await logInBursts(N, (i) => logger.info({ reqId: `req-${(i * 7919) % 100000}`, user: { id: i % 5000 } }, 'message'))
const tLogged = performance.now()
if (typeof stream.end === 'function') {
  await new Promise((resolve) => {
    const keepAlive = setInterval(() => {}, 1000) // pino unrefs its worker
    stream.once('close', () => { clearInterval(keepAlive); resolve() })
    stream.end()
  })
}
(mode === 'stdout' ? process.stderr : process.stdout).write(JSON.stringify({ mode, calls: N, nsPerCall: (inCalls * 1e6) / N, loggedMs: tLogged - t0, closedMs: performance.now() - t0, warmUpMs }) + '\n')
