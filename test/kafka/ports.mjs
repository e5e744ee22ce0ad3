// Client ports of the brokers that test files and benchmarks start for themselves. Tap runs
// two test files at once (and bench-smoke runs every benchmark), so no two brokers may share
// a port: a broker started on a port another one holds exits during start-up. Each broker
// also takes the next two ports (controller, and a second listener for the secure and
// OAUTHBEARER ones). All sit clear of the shared test broker
// (19092-19093), the cluster (29092-29094, 29192-29194) and below Linux's ephemeral ports
// (32768-60999): a client retrying a closed port there can end up connected to itself,
// holding the port a broker is about to start on. test/unit/ports.test.mjs checks the spacing.
export const PORTS_PER_BROKER = 3

export const OWN_BROKER_PORTS = {
  'broker-faults': [18092, 18192, 18292, 18392],
  overflow: [18492],
  security: [18692],
  spool: [18792, 18802, 18812],
  'service-exit-broker-down': [18892],
  oauthbearer: [18992],
  'unknown-topic': [19400],
  timestamps: [19410],
  'memory-limit': [19420],
  'outage.bench': [18592],
  'outage-app.bench': [18602],
  // a 3-node cluster (controllers on port + 100)
  'soak.bench': [19520, 19530, 19540]
}

/** The `i`th own broker port of test file or benchmark `name` (its entry above). */
export function ownPort (name, i = 0) {
  const port = OWN_BROKER_PORTS[name]?.[i]
  if (port === undefined) throw new Error(`test/kafka/ports.mjs lists no port ${i} for ${name}`)
  return port
}
