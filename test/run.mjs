#!/usr/bin/env node
// The test command behind `npm test` (after build and lint): runs the unit tests, the
// regression tests (test/regressions: one per bug that broke, named after it), then the
// integration tests against a real Kafka. KAFKA_BROKERS set: that broker is used and
// nothing is started. Unset: a harness broker started by `npm run kafka:start` is reused,
// else a single node is started from the Kafka jars for this run and stopped at the end,
// whether the tests pass or not. Ends with one line: `N passed, N failed, N skipped` (a
// todo counts as skipped). A skip is never silent: with CI=true it fails the run.
// With the native batch path built, the delivery tests run a second time on node-rdkafka's
// produce() (KLT_NATIVE_BATCH=0), the path of an install without it; and they run once more
// on the second engine, @platformatic/kafka (KLT_ENGINE=platformatic: issue #29).
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
// run a second time on node-rdkafka's produce() when the native batch path is built
const PRODUCE_PATH_FILES = ['core-delivery', 'produce-consume', 'shared-connection', 'overflow', 'unknown-topic', 'pino-delivery', 'timestamps']
  .map((name) => `test/integration/${name}.test.mjs`)
// and on the pure-JS engine, with the Java client's partitions, winston, TLS + SCRAM, OAUTHBEARER,
// and the exits (what it holds at process.exit() goes to a rescue process) besides. Not yet the
// CLI's tests: its tail on this engine reads in a consumer group, which a rebalance under load
// can send to the latest offsets (a --no-follow tail of 100,000 lines hung so, twice in three runs)
const ENGINE_FILES = [...PRODUCE_PATH_FILES, ...['java-partitioning', 'winston-delivery', 'security', 'oauthbearer', 'core-exit', 'pino-exit', 'winston-exit']
  .map((name) => `test/integration/${name}.test.mjs`)]

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

/** Run tap; resolve with its exit code and the pass/fail/skip totals it printed. */
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
      // tap's last summary, e.g. `# { total: 5, pass: 2, fail: 1, todo: 1, skip: 1 }` (keys in any order)
      const m = [...tail.matchAll(/^# \{ (total: \d+[^}\n]*) \}$/gm)].pop()
      const n = Object.fromEntries([...(m?.[1] ?? '').matchAll(/(\w+): (\d+)/g)].map(([, k, v]) => [k, Number(v)]))
      const pass = n.pass ?? 0
      // skipped and todo tests (also those left out by --grep) are counted apart, never as passed
      const skip = (n.skip ?? 0) + (n.todo ?? 0)
      const fail = n.fail ?? (m ? Math.max(0, (n.total ?? 0) - pass - skip) : 1)
      resolve({ code: code ?? (signal ? 1 : 0), pass, skip, fail: code !== 0 && fail === 0 ? 1 : fail })
    })
  })
}

let passed = 0
let failed = 0
let skipped = 0
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
  skipped += r.skip
  // The delivery tests once more on node-rdkafka's produce(), the path an install without the
  // native batch addon takes (the whole suite above ran on the batches when it is built), then
  // on the second engine. One after the other: side by side (two Java brokers of the engine
  // pass's security tests besides) the load made timestamps.test's refused-timestamp case fail
  // once on the produce() path (a resent record refused with a future one in its batch?)
  const route = await producePath()
  if (files.length === 0 && !unitOnly && !interrupted && route.batches) {
    log(`the delivery tests again on the produce() path (KLT_NATIVE_BATCH=0): ${PRODUCE_PATH_FILES.join(', ')}`)
    const again = await runTap(PRODUCE_PATH_FILES, { ...env, KLT_NATIVE_BATCH: '0' })
    passed += again.pass
    failed += again.fail
    skipped += again.skip
  }
  if (files.length === 0 && !unitOnly && !interrupted) {
    log(`the delivery tests again on the second engine (KLT_ENGINE=platformatic): ${ENGINE_FILES.join(', ')}`)
    const engine = await runTap(ENGINE_FILES, { ...env, KLT_ENGINE: 'platformatic' })
    passed += engine.pass
    failed += engine.fail
    skipped += engine.skip
  }
} catch (err) {
  log(err instanceof Error ? err.message : String(err))
  failed += 1
} finally {
  await stopKafka()
}
/** How the built package hands records to librdkafka here: native batches, or produce() (and why). */
async function producePath () {
  try {
    const { describeProducePath } = await import('kafka-log-transport')
    const text = describeProducePath()
    return { batches: text === 'native batches', text }
  } catch (err) {
    return { batches: false, text: `unknown (${err instanceof Error ? err.message : err})` }
  }
}

/**
 * One notice for what this install's librdkafka lacks (the tests that need it checked the
 * "feature absent" error instead). Read from the built package; in CI a missing feature fails.
 */
async function missingFeatures () {
  try {
    const { rdkafkaFeatures } = await import('kafka-log-transport')
    return rdkafkaFeatures().missing
  } catch (err) {
    log(`could not read librdkafka's features: ${err instanceof Error ? err.message : err}`)
    return []
  }
}

if (!interrupted) {
  const missing = await missingFeatures()
  if (missing.length > 0) {
    log(`NOTICE: this node-rdkafka build lacks ${missing.map((m) => m.feature).join(', ')}; ` +
      'the tests that need them checked the "feature absent" error instead. To add them:')
    for (const fix of new Set(missing.map((m) => m.fix))) log(`  ${fix}`)
    if (process.env.CI === 'true') {
      log('CI=true: a missing feature fails the run (we never ship untested codecs)')
      failed += 1
    }
  }
  const route = await producePath()
  if (!route.batches) {
    log(`NOTICE: records went to Kafka through ${route.text}`)
    if (process.env.CI === 'true' && process.env.KLT_NATIVE_BATCH !== '0') {
      log('CI=true: node-rdkafka and the native batch path must be built and tested')
      failed += 1
    }
  }
  // in CI nothing may be skipped: a skip fails the run (locally it is shown, e.g. after --grep)
  const skipFails = process.env.CI === 'true' && skipped > 0
  if (skipFails) log(`CI=true: ${skipped} skipped or todo test(s) count as failures`)
  process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`)
  process.exitCode = failed > 0 || skipFails ? 1 : 0
}
