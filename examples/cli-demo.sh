#!/bin/sh
# The command line end to end: an app's stdout piped into Kafka, read back, and watched.
#   npm run build && KAFKA_BROKERS=127.0.0.1:19092 sh examples/cli-demo.sh
# (in an installed project, `kafka-log-transport` replaces `node dist/cli/bin.js`)
set -eu
cd "$(dirname "$0")/.."
: "${KAFKA_BROKERS:=127.0.0.1:19092}"
export KAFKA_BROKERS
CLI="node dist/cli/bin.js"
TOPIC="cli-demo-$$"

# a topic with 3 partitions (brokers with auto.create.topics.enable make it on first use anyway)
node -e "
const K = require('node-rdkafka')
const a = K.AdminClient.create({ 'metadata.broker.list': process.env.KAFKA_BROKERS })
a.createTopic({ topic: '$TOPIC', num_partitions: 3, replication_factor: 1 }, 10000, (e) => { a.disconnect(); if (e) { console.error(e.message); process.exit(1) } })"

# any program that writes NDJSON (or plain text) lines: here, 20000 pino-style lines
app() {
  node -e "
for (let i = 0; i < 20000; i++) {
  const level = i % 50 === 0 ? 50 : i % 10 === 0 ? 40 : 30
  console.log(JSON.stringify({ level, time: Date.now(), service: ['checkout', 'search'][i % 2], reqId: 'req-' + (i % 300), msg: 'handled request ' + i }))
}
console.log('a plain text line goes through as it is')"
}

echo "== pipe: app | kafka-log-transport pipe (keyed by reqId)"
app | $CLI pipe --topic "$TOPIC" --key reqId

echo "== tail: the errors, pretty (--no-follow stops at the end)"
$CLI tail --topic "$TOPIC" --from-beginning --no-follow --level error | head -5

echo "== tail --json: raw NDJSON, filtered with --grep"
$CLI tail --topic "$TOPIC" --from-beginning --no-follow --json --grep '"reqId":"req-7"' | head -3

echo "== watch: 7 s with a 1 s window while the app logs a steady stream, then a burst of errors"
$CLI watch --topic "$TOPIC" --window 1s --warmup 2500ms --min-rate 5 --duration 7s &
WATCH=$!
sleep 1
node -e "
const t0 = Date.now()
const timer = setInterval(() => {
  const s = (Date.now() - t0) / 1000
  const errors = s > 3.5 && s < 5 ? 40 : 0
  for (let i = 0; i < 10; i++) console.log(JSON.stringify({ level: 30, time: Date.now(), service: 'checkout', msg: 'ok' }))
  for (let i = 0; i < errors; i++) console.log(JSON.stringify({ level: 50, time: Date.now(), service: 'checkout', msg: 'payment declined' }))
  if (s > 5.5) clearInterval(timer)
}, 50)" | $CLI pipe --topic "$TOPIC" --quiet
wait "$WATCH"
