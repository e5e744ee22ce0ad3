import t from 'tap'
import { CLUSTER_PORTS, SINGLE_PORT } from '../kafka/harness.mjs'
import { OWN_BROKER_PORTS, PORTS_PER_BROKER } from '../kafka/ports.mjs'

t.test('brokers that test files start for themselves never share a port (tap runs two files at once)', async (t) => {
  const taken = new Map()
  const take = (owner, first, count) => {
    for (let p = first; p < first + count; p++) {
      t.notOk(taken.has(p), `port ${p} of ${owner} is also ${taken.get(p)}'s`)
      taken.set(p, owner)
    }
  }
  take('the shared test broker', SINGLE_PORT, 2)
  for (const port of CLUSTER_PORTS) take('the cluster', port, 1)
  for (const port of CLUSTER_PORTS) take('the cluster', port + 100, 1)
  for (const [name, ports] of Object.entries(OWN_BROKER_PORTS)) {
    for (const port of ports) take(name, port, PORTS_PER_BROKER)
  }
  t.ok([...taken.keys()].every((p) => p > 1024 && p < 32768), 'all below the ephemeral ports')
})
