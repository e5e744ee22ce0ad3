// One contender process: read the line file, write every line through KafkaLogProducer,
// close (all acknowledged). Prints JSON with in-process timings and counts.
//   node core-producer.mjs <brokers> <topic> <file> [key] [default|all|none|name,name,...]
// (the logHeaders option: left out, true, false, or a list)
import fs from 'node:fs'
import { KafkaLogProducer } from 'kafka-log-transport'

const [brokers, topic, file, key = 'reqId', headers = 'default'] = process.argv.slice(2)
const data = fs.readFileSync(file)
const options = { brokers, topic, key, maxBufferMessages: 200000, exitHook: false }
if (headers !== 'default') options.logHeaders = headers === 'all' ? true : headers === 'none' ? false : headers.split(',')
const producer = new KafkaLogProducer(options)
await producer.connect()
const t0 = performance.now()
let n = 0
let start = 0
for (;;) {
  const end = data.indexOf(0x0a, start)
  if (end < 0) break
  if (!producer.write(data.subarray(start, end))) await new Promise((resolve) => producer.once('drain', resolve))
  n++
  start = end + 1
}
const tWritten = performance.now()
const result = await producer.close(120000)
const t1 = performance.now()
process.stdout.write(JSON.stringify({ lines: n, writeMs: tWritten - t0, totalMs: t1 - t0, ...result, metrics: producer.metrics() }) + '\n')
