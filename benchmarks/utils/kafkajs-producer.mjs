// One KafkaJS contender process: read the NDJSON line file, send every line with KafkaJS
// (acks=-1, idempotent, key = the line's reqId), wait for every acknowledgement.
//   node kafkajs-producer.mjs <brokers> <topic> <file> <per-send|batched>
// per-send: one producer.send() per line, up to 100 in flight (how users write a KafkaJS
// log transport); batched: send() with 1000 messages per call, 4 in flight.
// No compression: lz4 in KafkaJS needs the separate kafkajs-lz4 codec package.
// Prints one JSON line: {lines, totalMs, compression}.
import fs from 'node:fs'
import { Kafka, logLevel } from 'kafkajs'

const [brokers, topic, file, mode = 'per-send'] = process.argv.slice(2)
if (mode !== 'per-send' && mode !== 'batched') throw new Error(`mode must be per-send or batched, not ${mode}`)
const text = fs.readFileSync(file, 'utf8')
const keyOf = /"reqId":"([^"]*)"/
const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: brokers.split(','), logLevel: logLevel.ERROR })
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
await producer.connect()

const limit = mode === 'per-send' ? 100 : 4
const perCall = mode === 'per-send' ? 1 : 1000
let inFlight = 0
let failure
let wake
const send = (messages) => {
  inFlight++
  producer.send({ topic, acks: -1, messages })
    .catch((err) => { failure ??= err })
    .finally(() => { inFlight--; wake?.() })
}
const slot = () => new Promise((resolve) => { wake = resolve })

const t0 = performance.now()
let n = 0
let batch = []
let start = 0
for (;;) {
  const end = text.indexOf('\n', start)
  if (end < 0) break
  const value = text.slice(start, end)
  start = end + 1
  batch.push({ key: keyOf.exec(value)?.[1] ?? null, value })
  n++
  if (batch.length === perCall) {
    while (inFlight >= limit) await slot()
    if (failure) throw failure
    send(batch)
    batch = []
  }
}
if (batch.length) send(batch)
while (inFlight > 0) await slot()
const t1 = performance.now()
await producer.disconnect()
if (failure) throw failure
process.stdout.write(JSON.stringify({ lines: n, totalMs: t1 - t0, compression: 'none (kafkajs-lz4 not installed)' }) + '\n')
