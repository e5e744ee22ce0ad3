#!/usr/bin/env node
// npm run kafka:fetch | kafka:start [-- --cluster] | kafka:stop  (also: status, pin)
import { ensureJars, pinJars } from './jars.mjs'
import { readState, saveState, startCluster, startSingle, stopSaved } from './harness.mjs'

const [cmd = 'help', ...rest] = process.argv.slice(2)
const cluster = rest.includes('--cluster')
const log = (m) => process.stderr.write(`[kafka] ${m}\n`)

try {
  switch (cmd) {
    case 'fetch':
      log(`jars ready in ${ensureJars({ log })}`)
      break
    case 'pin':
      log(`wrote checksums of ${pinJars()} jars to test/kafka/jars.sha256`)
      break
    case 'start': {
      const kind = cluster ? 'cluster' : 'single'
      if (readState()[kind]) await stopSaved([kind])
      const t0 = Date.now()
      const kafka = cluster ? await startCluster({ detached: true, keepData: true, log }) : await startSingle({ detached: true, keepData: true, log })
      saveState(kafka, kind)
      log(`${kind} Kafka ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: KAFKA_BROKERS=${kafka.brokers}`)
      log(`pids ${kafka.nodes.map((n) => n.pid).join(' ')}; data and logs in ${kafka.root}; stop with: npm run kafka:stop`)
      break
    }
    case 'stop': {
      const pids = await stopSaved()
      log(pids.length ? `stopped pids ${pids.join(' ')}` : 'no harness Kafka was running')
      break
    }
    case 'status':
      process.stdout.write(JSON.stringify(readState(), null, 2) + '\n')
      break
    default:
      process.stdout.write('usage: node test/kafka/cli.mjs fetch | start [--cluster] | stop | status | pin\n')
      process.exitCode = cmd === 'help' ? 0 : 2
  }
} catch (err) {
  log(err instanceof Error ? err.message : String(err))
  process.exitCode = 1
}
