// One winston contender process: logs N pino-shaped records (the fields of
// benchmarks/utils/lines.mjs) with logger.info(msg, meta) through one transport.
//   node winston-app.mjs <transport: kafka|file|null> <n> <mode: percall|e2e> [brokers] [topic|file]
// percall: bursts of 1000 calls with the event loop turning between them (as in a server);
//          reports the time spent inside logger.info() per call.
// e2e:     one loop as fast as winston takes it, then logger.end(); reports the wall time
//          from the first call to 'finish' (for kafka: every record acknowledged).
// Prints one JSON line.
import fs from 'node:fs'
import winston from 'winston'
import TransportStream from 'winston-transport'
import { KafkaTransport } from 'kafka-log-transport/winston'
import { logInBursts } from './bursts.mjs'

const [kind, nArg, mode, brokers, target] = process.argv.slice(2)
const N = Number(nArg)

class NullTransport extends TransportStream {
  log (_info, callback) { callback() }
}

let transport
const key = process.env.BENCH_KEY ?? 'reqId'
// overflow 'block': the transport holds winston's stream back when the buffer is full, so a
// loop of 1M calls is measured, not dropped
// per-record headers: the default options unless BENCH_HEADERS says all or no
const logHeaders = { all: true, no: false }[process.env.BENCH_HEADERS ?? '']
if (kind === 'kafka') transport = new KafkaTransport({ brokers, topic: target, key, maxBufferMessages: 200000, overflow: 'block', exitHook: false, logHeaders })
else if (kind === 'file') transport = new winston.transports.File({ filename: target })
else transport = new NullTransport()
const logger = winston.createLogger({ level: 'info', transports: [transport] })

const services = ['checkout', 'payments', 'search']
function logOne (i) {
  logger.info(`request completed in ${i % 997} ms for route /api/v1/orders/${i}`, {
    time: 1764000000000 + i,
    pid: 4242,
    hostname: 'bench-host-01',
    reqId: `req-${(i * 7919) % 100000}`,
    service: services[i % 3],
    user: { id: i % 5000, plan: i % 2 ? 'pro' : 'free', country: 'DE' },
    res: { statusCode: 200, bytes: 1024 + (i % 4096) }
  })
}

// winston's logger.end() ends its transports once every log went through its format, even
// when some still wait in its stream buffer (the File transport then fails with "write after
// end"): let the buffers empty first
async function finished () {
  while (logger._readableState.length > 0 || transport._writableState.length > 0) await new Promise((resolve) => setTimeout(resolve, 5))
  await new Promise((resolve) => {
    logger.on('finish', resolve)
    logger.end()
  })
}

if (kind === 'kafka') await transport.producer.connect()
const out = { kind, mode, n: N }
if (mode === 'percall') {
  for (let i = 0; i < 20000; i++) logOne(i) // warm up
  await new Promise((resolve) => setTimeout(resolve, 200))
  const t0 = performance.now()
  const inCalls = await logInBursts(N, logOne)
  out.nsPerCall = (inCalls * 1e6) / N
  out.wallMs = performance.now() - t0
  await finished()
} else {
  const t0 = performance.now()
  for (let i = 0; i < N; i++) logOne(i)
  out.loopMs = performance.now() - t0
  await finished()
  out.totalMs = performance.now() - t0
}
if (kind === 'kafka') out.metrics = transport.producer.metrics()
if (kind === 'file') out.fileBytes = fs.statSync(target).size
out.rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20)
process.stdout.write(JSON.stringify(out) + '\n')
