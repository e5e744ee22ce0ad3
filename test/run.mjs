#!/usr/bin/env node
// The test command behind `npm test` (after build and lint): runs the unit tests, the
// regression tests (test/regressions: one per bug that broke, named after it), then the
// integration tests against a real Kafka. KAFKA_BROKERS set: that broker is used and
// nothing is started. Unset: a harness broker started by `npm run kafka:start` is reused,
// else a single node is started from the Kafka jars for this run and stopped at the end,
// whether the tests pass or not. Ends with one line: `N passed, N failed`.
//   node test/run.mjs [--unit] [tap args / test files]
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { savedSingleBrokers, startSingle } from './kafka/harness.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const unitOnly = args.includes('--unit')
const files = args.filter((a) => a !== '--unit')
const log = (m) => process.stderr.write(`[test] ${m}\n`)

let kafka
let interrupted = false
async function stopKafka () {
  const k = kafka
  kafka = undefined
  if (k) {
    log('stopping the local Kafka started for this run')
    await k.stop()
  }
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    interrupted = true
    stopKafka().finally(() => process.exit(130))
  })
}

/** Run tap; resolve with its exit code and the pass/fail totals it printed. */
function runTap (tapArgs, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs'), ...tapArgs],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] })
    let tail = ''
    child.stdout.on('data', (d) => {
      process.stdout.write(d)
      tail = (tail + d.toString()).slice(-4096)
    })
    child.on('close', (code, signal) => {
      const m = /# \{ total: (\d+)(?:, pass: (\d+))?(?:, fail: (\d+))?/.exec(tail)
      const total = Number(m?.[1] ?? 0)
      const pass = Number(m?.[2] ?? 0)
      // tests left out by --grep are reported as skipped, not failed
      const skip = Number(/# \{ total: [^}]*skip: (\d+)/.exec(tail)?.[1] ?? 0)
      const fail = Number(m?.[3] ?? (m ? total - pass - skip : 1))
      resolve({ code: code ?? (signal ? 1 : 0), pass, fail: code !== 0 && fail === 0 ? 1 : fail })
    })
  })
}

let passed = 0
let failed = 0
try {
  const env = { ...process.env }
  const selection = files.length > 0 ? files : unitOnly ? ['test/unit'] : ['test/unit', 'test/regressions', 'test/integration']
  const needsKafka = !unitOnly && selection.some((f) => !f.startsWith('test/unit'))
  if (needsKafka && !env.KAFKA_BROKERS) {
    const saved = savedSingleBrokers()
    if (saved) {
      log(`using the harness Kafka from \`npm run kafka:start\` at ${saved}`)
      env.KAFKA_BROKERS = saved
    } else {
      const t0 = Date.now()
      log('KAFKA_BROKERS is not set: starting a local single-node Kafka from the jars (set KAFKA_BROKERS to use your own)')
      kafka = await startSingle({ log })
      env.KAFKA_BROKERS = kafka.brokers
      log(`Kafka ready at ${kafka.brokers} in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    }
  } else if (needsKafka) {
    log(`using KAFKA_BROKERS=${env.KAFKA_BROKERS}`)
  }
  const r = await runTap(selection, env)
  passed += r.pass
  failed += r.fail
} catch (err) {
  log(err instanceof Error ? err.message : String(err))
  failed += 1
} finally {
  await stopKafka()
}
if (!interrupted) {
  process.stdout.write(`${passed} passed, ${failed} failed\n`)
  process.exitCode = failed > 0 ? 1 : 0
}
