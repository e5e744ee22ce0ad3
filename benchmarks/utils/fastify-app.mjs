// The real service of benchmarks/app.bench.mjs: Fastify with pino's request logging on and
// one route that logs once, so 3 lines per request (incoming, the route's, completed).
//   node fastify-app.mjs <noop|devnull|stdout|worker|destination> <brokers> <topic>
// noop: pino hands its lines to a stream that drops them, `pino({}, { write () {} })` (the
// bench's baseline). stdout: the wiring where an agent reads the app's stdout (the bench pipes
// it into kcat). kafka-log-transport is loaded only by the destination wiring (the worker's
// by pino's worker). app.bench.mjs runs a copy of this file inside a packaged install.
// stderr: `listening <port>` once it serves; on SIGTERM the app closes its server, says
// `lines <n>` (every line it logged, counted by a pino hook) and exits: the transport's
// own exit handling must deliver what is left, as in a service with its own handler.
import pino from 'pino'
import Fastify from 'fastify'

const [wiring, brokers, topic] = process.argv.slice(2)
const { kafkaDestination } = wiring === 'destination' ? await import('kafka-log-transport/pino') : {}
const options = { brokers, topic }
const streams = {
  noop: () => ({ write () {} }),
  devnull: () => pino.destination({ dest: '/dev/null' }),
  stdout: () => pino.destination(1),
  worker: () => pino.transport({ target: 'kafka-log-transport/pino', options }),
  destination: () => kafkaDestination(options)
}
if (!(wiring in streams)) throw new Error(`unknown wiring ${wiring}`)
let lines = 0
const log = pino({
  hooks: {
    logMethod (args, method) {
      lines++
      return method.apply(this, args)
    }
  }
}, streams[wiring]())

const app = Fastify({ loggerInstance: log })
let n = 0
app.get('/', async (req) => {
  const id = ++n
  req.log.info({ user: { id: id % 5000, plan: id % 2 ? 'pro' : 'free' }, cart: id % 7 }, 'cart priced')
  return { ok: true, id }
})
await app.listen({ port: 0, host: '127.0.0.1' })
process.stderr.write(`listening ${app.server.address().port}\n`)

process.once('SIGTERM', () => {
  void app.close().then(() => {
    process.stderr.write(`lines ${lines}\n`)
    process.exit(0)
  })
})
