// The broker a benchmark runs against: KAFKA_BROKERS, else the one `npm run kafka:start`
// left running, else a single node started from the jars for this run (stopped by stop()).
import { savedSingleBrokers, startSingle } from '../../test/kafka/harness.mjs'

export async function benchBroker (log) {
  const brokers = process.env.KAFKA_BROKERS ?? savedSingleBrokers()
  if (brokers) return { brokers, stop: async () => {} }
  log('starting a local Kafka from the jars')
  const kafka = await startSingle({ log })
  return { brokers: kafka.brokers, stop: () => kafka.stop() }
}
