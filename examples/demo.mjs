// `npm run demo`: start a local Kafka (unless KAFKA_BROKERS is set), run small apps that log
// into Kafka (pino through its worker target, pino with the main-thread destination, and
// winston), each as a separate process, read every log back and print a summary.
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { savedSingleBrokers, startSingle } from '../test/kafka/harness.mjs'
import { consumeAll, createTopic } from '../test/helpers/kafka.mjs'
import { describeFeatures, describeProducePath, rdkafkaFeatures } from 'kafka-log-transport'

const here = path.dirname(fileURLToPath(import.meta.url))
const COUNT = Number(process.env.DEMO_COUNT ?? 20000)
const say = (m) => process.stdout.write(`${m}\n`)
const LEVEL_NAMES = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }
const APPS = [
  ['pino, worker target', 'pino-app.mjs', ['worker']],
  ['pino, main-thread destination', 'pino-app.mjs', ['destination']],
  ['winston, KafkaTransport', 'winston-app.mjs', []]
]

/** Run one app into a fresh topic while a consumer reads it; resolve with what was seen. */
async function runApp (brokers, [name, file, extra]) {
  const topic = `demo-${path.basename(file, '.mjs')}-${extra[0] ?? 'app'}-${Date.now()}`
  await createTopic(topic, { partitions: 3, bootstrap: brokers })
  // read concurrently with the app, so latency is log call -> record readable in Kafka
  const latencies = []
  const reading = consumeAll(topic, COUNT, { bootstrap: brokers, timeoutMs: 120000, onMessage: (m) => latencies.push(Date.now() - m.timestamp) })
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(here, file), topic, String(COUNT), ...extra],
    { env: { ...process.env, KAFKA_BROKERS: brokers } })
  const app = JSON.parse(stdout.trim().split('\n').pop())
  const messages = await reading
  const perLevel = {}
  for (const m of messages) {
    const rec = JSON.parse(m.value.toString())
    const level = m.headers.level ?? LEVEL_NAMES[rec.level] ?? String(rec.level)
    perLevel[level] = (perLevel[level] ?? 0) + 1
  }
  latencies.sort((a, b) => a - b)
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN
  say('')
  say(`${name} (examples/${file}${extra.length ? ' ' + extra.join(' ') : ''}) into ${topic}`)
  say(`  logged by the app:     ${app.written} in ${app.seconds.toFixed(2)} s (${Math.round(app.written / app.seconds).toLocaleString('en-US')} logs/s, incl. connect and final flush)`)
  say(`  read back from Kafka:  ${messages.length}${messages.length === app.written ? ' - every log arrived' : ' - MISSING LOGS'}`)
  say(`  per level:             ${Object.entries(perLevel).map(([k, v]) => `${k} ${v}`).join(', ')}`)
  say(`  end-to-end latency:    p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${latencies.at(-1)} ms (log call to readable by a consumer)`)
  return messages.length === app.written
}

// first line: what this install's librdkafka can do (codecs, TLS, SASL), and what it lacks
const features = rdkafkaFeatures()
say(`node ${process.version}, ${describeFeatures(features)}; records to librdkafka: ${describeProducePath()}`)
for (const m of features.missing) say(`  no ${m.feature}: ${m.library} was missing when node-rdkafka was built; to add it: ${m.fix}`)

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
  say(`Each app logs ${COUNT} records, keyed by request id, into a 3-partition topic.`)
  let ok = true
  for (const app of APPS) ok = (await runApp(brokers, app)) && ok
  say('')
  say(ok ? 'Summary: every log of every app arrived in Kafka.' : 'Summary: SOME LOGS ARE MISSING.')
  process.exitCode = ok ? 0 : 1
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : err}`)
  process.exitCode = 1
} finally {
  if (kafka) await kafka.stop()
}
