// `npm run demo`: start a local Kafka (unless KAFKA_BROKERS is set), run examples/core-app.mjs
// as a separate process logging into Kafka, read every log back and print a summary.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { savedSingleBrokers, startSingle } from '../test/kafka/harness.mjs'
import { consumeAll, createTopic } from '../test/helpers/kafka.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const COUNT = Number(process.env.DEMO_COUNT ?? 20000)
const say = (m) => process.stdout.write(`${m}\n`)
const LEVEL_NAMES = { 20: 'debug', 30: 'info', 40: 'warn', 50: 'error' }

let kafka
let brokers = process.env.KAFKA_BROKERS ?? savedSingleBrokers()
try {
  if (brokers) {
    say(`Using Kafka at ${brokers}`)
  } else {
    say('Starting a local Kafka from the Kafka jars (set KAFKA_BROKERS to use your own) ...')
    const t0 = Date.now()
    kafka = await startSingle({ log: (m) => say(`  ${m}`) })
    brokers = kafka.brokers
    say(`Kafka ready at ${brokers} in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
  }
  const topic = `demo-logs-${Date.now()}`
  await createTopic(topic, { partitions: 3, bootstrap: brokers })

  // read concurrently with the app, so latency is log call -> record readable in Kafka
  const latencies = []
  const reading = consumeAll(topic, COUNT, {
    bootstrap: brokers,
    timeoutMs: 120000,
    onMessage: (m) => latencies.push(Date.now() - m.timestamp)
  })
  say(`Running examples/core-app.mjs: ${COUNT} logs into topic ${topic} ...`)
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(here, 'core-app.mjs'), topic, String(COUNT)],
    { env: { ...process.env, KAFKA_BROKERS: brokers } })
  const app = JSON.parse(stdout.trim().split('\n').pop())
  const messages = await reading

  const perLevel = {}
  const perService = {}
  for (const m of messages) {
    const rec = JSON.parse(m.value.toString())
    const level = m.headers.level ?? LEVEL_NAMES[rec.level] ?? String(rec.level)
    perLevel[level] = (perLevel[level] ?? 0) + 1
    perService[rec.service] = (perService[rec.service] ?? 0) + 1
  }
  latencies.sort((a, b) => a - b)
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN
  say('')
  say('Summary')
  say(`  logged by the app:     ${app.written} (delivered ${app.delivered}, failed ${app.failed}, dropped ${app.metrics.dropped})`)
  say(`  read back from Kafka:  ${messages.length}${messages.length === app.written ? ' - every log arrived' : ' - MISSING LOGS'}`)
  say(`  per level:             ${Object.entries(perLevel).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  say(`  per service:           ${Object.entries(perService).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  say(`  app throughput:        ${Math.round(app.written / app.seconds).toLocaleString('en-US')} logs/s (${app.seconds.toFixed(2)} s incl. connect and final flush)`)
  say(`  end-to-end latency:    p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${latencies.at(-1)} ms (log call to readable by a consumer)`)
  process.exitCode = messages.length === app.written && app.delivered === app.written ? 0 : 1
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : err}`)
  process.exitCode = 1
} finally {
  if (kafka) await kafka.stop()
}
