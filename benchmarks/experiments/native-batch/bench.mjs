// Experiment (issue #18): 1 produce() per record beside 1 native call per 1,000 records, the
// same records (the key read from the line, content-type, a UUIDv7 log-id and level headers),
// straight on node-rdkafka. Build first: (cd benchmarks/experiments/native-batch && node-gyp rebuild)
//   bash -c 'node bench.mjs <produce|batch> <brokers> <topic> <lines.ndjson>; times'
import fs from 'node:fs'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const Kafka = require('node-rdkafka')
const { v7 } = require('uuid')
const addon = require('./build/Release/klt_batch.node')
const [mode, brokers, topic, file] = process.argv.slice(2)
const data = fs.readFileSync(file)
const p = new Kafka.Producer({ 'metadata.broker.list': brokers, 'compression.codec': 'lz4', 'enable.idempotence': true, 'linger.ms': 5, 'batch.num.messages': 10000, dr_cb: true, 'delivery.report.only.error': true, 'queue.buffering.max.messages': 500000 }, { 'request.required.acks': -1, partitioner: 'murmur2_random' })
p.setPollInterval(100)
await new Promise((resolve, reject) => p.connect({}, (e) => e ? reject(e) : resolve()))
const CT = { 'content-type': 'application/json' }
const LV = { 30: { level: 'info' }, 40: { level: 'warn' } }
const LVN = { 30: 'info', 40: 'warn' }
const REQ = Buffer.from('"reqId":"')
function keyOf (line) { const at = line.indexOf(REQ); if (at < 0) return null; const s = at + REQ.length; return line.toString('latin1', s, line.indexOf(0x22, s)) }
function levelOf (line) { return line[9] === 0x34 ? 40 : 30 } // {"level":NN
const t0 = performance.now()
let n = 0
let start = 0
const B = 1000
let values = [], keys = [], levels = []
const ts = new Float64Array(B)
const out = new Int32Array(2)
const consts = ['content-type', 'application/json']
async function sendBatch () {
  let from = 0
  while (from < values.length) {
    const vs = from === 0 ? values : values.slice(from)
    const done = addon.produceBatch(p._client, p.name, topic, vs, from === 0 ? keys : keys.slice(from), from === 0 ? ts : ts.subarray(from), from === 0 ? levels : levels.slice(from), consts, out)
    from += done
    if (from < values.length) { if (out[0] !== -184) throw new Error('err ' + out[0]); p.poll(); await new Promise((r) => setTimeout(r, 1)) }
  }
  values = []; keys = []; levels = []
}
for (;;) {
  const end = data.indexOf(0x0a, start)
  if (end < 0) break
  const line = data.subarray(start, end)
  start = end + 1
  const now = Date.now()
  if (mode === 'produce') {
    for (;;) {
      try { p.produce(topic, null, line, keyOf(line), now, undefined, [CT, { 'log-id': v7() }, LV[levelOf(line)]]); break } catch (e) { if (e.code !== -184) throw e; p.poll(); await new Promise((r) => setTimeout(r, 1)) }
    }
  } else {
    ts[values.length] = now
    values.push(line); keys.push(keyOf(line)); levels.push(LVN[levelOf(line)])
    if (values.length === B) await sendBatch()
  }
  n++
}
if (values.length) await sendBatch()
await new Promise((resolve, reject) => p.flush(60000, (e) => e ? reject(e) : resolve()))
const ms = performance.now() - t0
await new Promise((resolve) => p.disconnect(resolve))
console.log(JSON.stringify({ mode, n, ms }))
