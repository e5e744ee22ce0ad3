// What shipping logs costs a real service (issue #18), every wiring in one run against one broker,
// measured on what users install: a full run first packs this repository and installs the
// tarball with pino and fastify (the majors of this repo's devDependencies) into a fresh app
// outside it (test/helpers/packaged.mjs: npm pack, npm install, node-rdkafka built from source,
// minutes), copies utils/pino-app.mjs, fastify-app.mjs and bursts.mjs into that app and runs them
// there, so `kafka-log-transport` and `pino` are the installed copies. The installed package's
// describeProducePath() is printed and written into the results' header.
// The baseline is pino handing its lines to a stream that drops them, `pino({}, { write () {} })`
// (`noop`): pino's own work and nothing else. pino → /dev/null (a write() per line) is a
// reference row only.
//  1. HTTP: Fastify 5 + pino (utils/fastify-app.mjs: request logging on, a route that logs once,
//     3 lines per request) under autocannon, 50 connections, a 1 s warm-up then 8 s measured,
//     per round and wiring: pino → no-op stream, pino → /dev/null, pino → stdout piped into
//     `kcat -P` (the agent way), the worker target, kafkaDestination(). Requests per second
//     (× the no-op app of the same round), p99 latency, and every line the app logged counted in
//     its topic.
//  2. Shipping CPU per line: utils/pino-app.mjs logs N lines through each wiring; the whole
//     process tree's user+sys CPU (app, worker thread, producer process, kcat; read with the
//     shell's `times`) minus the same app logging to the no-op stream, divided by N; beside
//     kcat -P -l producing N lines from a file alone (× kcat alone) and the agent way's own
//     figure (× the agent way). In a full run the two Kafka wirings also run from this checkout
//     (benchmarks/utils, against the checkout's own no-op app), interleaved with the packaged
//     ones: the packaged figures should be within ±10% of the checkout's. Then the same for
//     the two Kafka wirings with per-record headers (logHeaders ['level'], ['log-id'], true; by
//     default these JSON lines get none): what the headers cost. And each wiring once more
//     logging a single line: what it costs to start, so the per-line figure splits into
//     start-up CPU (paid once) and CPU per line after it. And the two Kafka wirings on the
//     pure-JS engine (KLT_ENGINE=platformatic: what an install without a C toolchain runs).
//   node benchmarks/app.bench.mjs [--quick] [--checkout] [--rounds 2] [--cpu-rounds 5] [--seconds 8] [--lines 300000]
//   node benchmarks/app.bench.mjs --report   (the tables again from results-app.json's rows)
// --quick (the smoke run of test/integration/bench-smoke.test.mjs) and --checkout run every app
// from this checkout, with no packaged install (it would build node-rdkafka for minutes).
// (the CPU figures are the median of --cpu-rounds interleaved rounds: a difference of two
// whole-tree figures, it swings with the machine's load more than req/s ratios do)
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { countRecords, createTopic } from '../test/helpers/kafka.mjs'
import { ROOT, installPackaged } from '../test/helpers/packaged.mjs'
import { benchBroker } from './utils/broker.mjs'
import { ensureLines } from './utils/lines.mjs'
import { machineInfo, writeResults } from './utils/results.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, checkout: { type: 'boolean' }, report: { type: 'boolean' }, rounds: { type: 'string' }, 'cpu-rounds': { type: 'string' }, seconds: { type: 'string' }, lines: { type: 'string' } } })
// --report: no run, the last run's rows (results-app.json) summarized and written again
const saved = args.report ? JSON.parse(fs.readFileSync(path.join(here, 'results-app.json'), 'utf8')) : undefined
if (saved !== undefined && saved.install === undefined) throw new Error('results-app.json is from before the no-op baseline and the packaged install: run the benchmark again')
const ROUNDS = saved?.rounds ?? Number(args.rounds ?? (args.quick ? 1 : 2))
const CPU_ROUNDS = saved?.cpuRounds ?? Number(args['cpu-rounds'] ?? (args.quick ? 1 : 5))
const SECONDS = saved?.seconds ?? Number(args.seconds ?? (args.quick ? 1 : 8))
const LINES = saved?.lines ?? Number(args.lines ?? (args.quick ? 20000 : 300000))
// where the apps run from: a packaged install (a full run) or this checkout (--quick, --checkout)
const FROM = saved?.install.from ?? (args.quick || args.checkout ? 'checkout' : 'packaged')
const PACKAGED = FROM === 'packaged'
const KAFKA = ['worker', 'destination']
const WIRINGS = ['noop', 'devnull', 'stdout', ...KAFKA]
// CPU only, in a packaged run: the Kafka wirings run from this checkout too, against its own no-op app
const CHECKOUT = PACKAGED ? ['noop', ...KAFKA] : []
// CPU only: the Kafka wirings with per-record headers asked for (by default a JSON line gets none)
const HEADER_SETS = { level: "['level']", 'log-id': "['log-id']", all: 'true' }
const LEAN = KAFKA.flatMap((w) => Object.keys(HEADER_SETS).map((h) => `${w}:${h}`))
// CPU only: the Kafka wirings on the pure-JS engine, @platformatic/kafka (an install without a
// C toolchain; issue #29), from the same install (KLT_ENGINE=platformatic)
const ENGINES = KAFKA.map((w) => `${w}+platformatic`)
// CPU only, one line logged: start-up (the wiring's, and kcat's, fixed cost)
const STARTUP = ['noop', 'stdout', ...KAFKA, 'kcat'].map((w) => `${w}@1`)
const LABEL = {
  noop: 'pino → no-op stream (the baseline)',
  devnull: 'pino → /dev/null (reference: a write() per line)',
  stdout: 'pino → stdout, piped into kcat -P (the agent way)',
  worker: 'worker target',
  destination: 'kafkaDestination()',
  kcat: 'kcat -P -l (alone)',
  'checkout/worker': 'worker target, from the checkout',
  'checkout/destination': 'kafkaDestination(), from the checkout',
  'worker+platformatic': 'worker target, on @platformatic/kafka',
  'destination+platformatic': 'kafkaDestination(), on @platformatic/kafka'
}
const log = (m) => process.stderr.write(`[bench] ${m}\n`)
// the middle value; with an even count, the mean of the two middle ones
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}
const kcatArgs = (brokers, topic) => ['-P', '-b', brokers, '-t', topic, '-X', 'acks=all', '-X', 'compression.codec=lz4', '-X', 'enable.idempotence=true']
const shipsToKafka = (wiring) => wiring !== 'noop' && wiring !== 'devnull'

if (saved === undefined && spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status !== 0) {
  log('kcat is needed as the reference: apt-get install kcat')
  process.exit(1)
}

// ---- where the apps run: the packaged install, or this checkout ----

const CHECKOUT_APPS = path.join(here, 'utils')
// the apps copied into the packaged install; whatever they import from beside them must be here
const APP_FILES = ['pino-app.mjs', 'fastify-app.mjs', 'bursts.mjs']
let installedApps = CHECKOUT_APPS
/** The directory the apps run from: 'app' is where this run's wirings run (the install, or the checkout). */
const appsDir = (place) => place === 'checkout' ? CHECKOUT_APPS : installedApps

// run inside an apps directory: what its `kafka-log-transport` says about itself, and the versions it gets
const PROBE = `import { createRequire } from 'node:module'
const require = createRequire(process.cwd() + '/')
const version = (p) => { try { return require(p + '/package.json').version } catch { return undefined } }
const { describeProducePath } = await import('kafka-log-transport')
let librdkafka
let rdkafkaError
try { librdkafka = require('node-rdkafka').librdkafkaVersion } catch (err) { rdkafkaError = err.message }
process.stdout.write(JSON.stringify({ describeProducePath: describeProducePath(), librdkafka, rdkafkaError,
  kafkaLogTransport: version('kafka-log-transport'), pino: version('pino'), fastify: version('fastify'), nodeRdkafka: version('node-rdkafka') }))`

function probe (dir) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], { cwd: dir, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`the probe of ${dir} failed: ${r.stderr.slice(-1000)}`)
  const found = JSON.parse(r.stdout)
  // e.g. node-rdkafka compiled against another Node's headers (npm's `nodedir` config)
  if (found.rdkafkaError !== undefined) throw new Error(`node-rdkafka does not load in ${dir} with this Node (${process.version}): ${found.rdkafkaError}`)
  return found
}

/** npm pack + npm install the tarball with pino and fastify into a temp app; the apps copied into it. */
async function packagedInstall () {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  const deps = ['pino', 'fastify'].map((d) => `${d}@${/\d+/.exec(pkg.devDependencies[d])[0]}`)
  const install = await installPackaged({ deps, log })
  try {
    for (const f of APP_FILES) {
      const text = fs.readFileSync(path.join(CHECKOUT_APPS, f), 'utf8')
      for (const [, rel] of text.matchAll(/(?:from|import\()\s*'(\.[^']*)'/g)) {
        if (path.dirname(rel) !== '.' || !APP_FILES.includes(path.basename(rel))) throw new Error(`${f} imports ${rel}: add it to APP_FILES in app.bench.mjs`)
      }
      fs.copyFileSync(path.join(CHECKOUT_APPS, f), path.join(install.app, f))
    }
  } catch (err) {
    install.cleanup()
    throw err
  }
  return install
}

// ---- the HTTP rounds ----

/** Start the app (stdout wiring: its stdout piped straight into kcat), resolve with its port. */
async function startApp (wiring, brokers, topic) {
  let kcat
  let stdout = 'ignore'
  if (wiring === 'stdout') {
    kcat = spawn('kcat', kcatArgs(brokers, topic), { stdio: ['pipe', 'ignore', 'inherit'] })
    stdout = kcat.stdin
  }
  const dir = appsDir('app')
  const app = spawn(process.execPath, [path.join(dir, 'fastify-app.mjs'), wiring, brokers, topic], { cwd: dir, stdio: ['ignore', stdout, 'pipe'] })
  kcat?.stdin.destroy() // the app holds the pipe now: kcat sees its end when the app exits
  let err = ''
  app.stderr.on('data', (d) => { err += d })
  const exited = once(app, 'exit')
  for (let waited = 0; !/listening \d+/.test(err); waited += 50) {
    if (waited > 30000 || app.exitCode !== null) throw new Error(`${wiring}: the app did not start: ${err.slice(-1000)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const port = Number(/listening (\d+)/.exec(err)[1])
  const stop = async () => {
    app.kill('SIGTERM')
    const [code] = await exited
    if (kcat !== undefined && kcat.exitCode === null) await once(kcat, 'exit')
    const lines = Number(/lines (\d+)/.exec(err)?.[1])
    if (code !== 0 || !Number.isFinite(lines)) throw new Error(`${wiring}: the app exited with ${code}: ${err.slice(-1000)}`)
    return lines
  }
  return { port, stop }
}

/** Count a topic until it holds `n` records or stops growing for 10 s. */
async function settledCount (topic, n, brokers) {
  let last = -1
  let since = performance.now()
  for (;;) {
    const count = await countRecords(topic, { bootstrap: brokers })
    if (count >= n) return count
    if (count !== last) { last = count; since = performance.now() }
    if (performance.now() - since > 10000) return count
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function httpRound (wiring, brokers, round) {
  const topic = await createTopic(`bench-app-${wiring}-${Date.now()}`, { partitions: 6, bootstrap: brokers })
  const app = await startApp(wiring, brokers, topic)
  const url = `http://127.0.0.1:${app.port}/`
  await autocannon({ url, connections: 50, duration: 1 })
  const r = await autocannon({ url, connections: 50, duration: SECONDS })
  const lines = await app.stop()
  const inTopic = shipsToKafka(wiring) ? await settledCount(topic, lines, brokers) : undefined
  const row = {
    wiring,
    round,
    reqPerS: r.requests.average,
    p99Ms: r.latency.p99,
    ok: r['2xx'],
    errors: r.errors + r.non2xx + r.timeouts,
    lines,
    inTopic,
    lost: inTopic === undefined ? 0 : lines - inTopic
  }
  log(`http round ${round} ${wiring}: ${Math.round(row.reqPerS)} req/s, p99 ${row.p99Ms} ms, ${row.errors} errors, ${lines} lines${inTopic === undefined ? '' : `, ${inTopic} in Kafka`}`)
  return row
}

// ---- the CPU rounds ----

/** The CPU (user + sys, seconds) of `command` and every process it waited for, from bash's `times`. */
function treeCpu (command, cwd) {
  const r = spawnSync('bash', ['-c', `${command}\ntimes`], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 })
  const times = r.stdout.trim().split('\n').slice(-2)
  const children = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s/.exec(times[1] ?? '')
  if (r.status !== 0 || children === null) throw new Error(`${command}: exited with ${r.status}: ${r.stderr.slice(-1000)}`)
  const [, um, us, sm, ss] = children
  return Number(um) * 60 + Number(us) + Number(sm) * 60 + Number(ss)
}

/** A CPU variant: [checkout/]wiring[:headers][@lines]. */
async function cpuRound (variant, brokers, round, files, startFiles) {
  const [place, rest] = variant.startsWith('checkout/') ? ['checkout', variant.slice('checkout/'.length)] : ['app', variant]
  const [named, at] = rest.split('@')
  const [name, engine] = named.split('+')
  const [wiring, headers = ''] = name.split(':')
  const lines = at === undefined ? LINES : Number(at)
  const input = at === undefined ? files : startFiles
  const topic = await createTopic(`bench-app-cpu-${wiring}-${Date.now()}`, { partitions: 6, bootstrap: brokers })
  const q = (s) => `'${s}'`
  const dir = appsDir(place)
  const app = `${engine === undefined ? '' : `KLT_ENGINE=${engine} `}${q(process.execPath)} ${q(path.join(dir, 'pino-app.mjs'))}`
  const kcat = `kcat ${kcatArgs(brokers, topic).map(q).join(' ')}`
  const command = {
    noop: `${app} noop ${brokers} ${topic} ${lines} >/dev/null`,
    devnull: `${app} devnull ${brokers} ${topic} ${lines} >/dev/null`,
    stdout: `${app} stdout ${brokers} ${topic} ${lines} 2>/dev/null | ${kcat}`,
    worker: `${app} worker ${brokers} ${topic} ${lines} ${headers} >/dev/null`,
    destination: `${app} destination ${brokers} ${topic} ${lines} ${headers} >/dev/null`,
    kcat: `${kcat} -l ${q(input.plain)}`
  }[wiring]
  const cpuS = treeCpu(command, dir)
  // the worker and destination apps log one warm-up line first (they connect before timing)
  const expected = lines + (KAFKA.includes(wiring) ? 1 : 0)
  const inTopic = shipsToKafka(wiring) ? await settledCount(topic, expected, brokers) : undefined
  log(`cpu round ${round} ${variant}: ${cpuS.toFixed(2)} s for ${lines} lines${inTopic === undefined ? '' : `, ${inTopic} in Kafka`}`)
  return { wiring: variant, round, cpuS, inTopic, lost: inTopic === undefined ? 0 : expected - inTopic }
}

let broker
const results = saved === undefined
  ? { date: new Date().toISOString(), rounds: ROUNDS, cpuRounds: CPU_ROUNDS, seconds: SECONDS, lines: LINES, install: { from: FROM }, http: [], cpu: [] }
  : { date: saved.date, rounds: ROUNDS, cpuRounds: CPU_ROUNDS, seconds: SECONDS, lines: LINES, install: saved.install, http: saved.http, cpu: saved.cpu }
if (saved === undefined) await runAll()

async function runAll () {
  let install
  try {
    if (PACKAGED) {
      install = await packagedInstall()
      installedApps = install.app
      Object.assign(results.install, { packMs: install.packMs, installMs: install.installMs, tarball: path.basename(install.tarball), installed: probe(install.app) })
      log(`the apps run from the packaged install in ${install.app}`)
    } else {
      log(`${args.quick ? '--quick' : '--checkout'}: the apps run from this checkout (benchmarks/utils), not from a packaged install (a full run packs and installs the package, building node-rdkafka: minutes)`)
    }
    results.install.checkout = probe(CHECKOUT_APPS)
    if (PACKAGED) log(`describeProducePath() of the packaged install: ${results.install.installed.describeProducePath}`)
    log(`describeProducePath() of the checkout: ${results.install.checkout.describeProducePath}`)
    broker = await benchBroker(log)
    const brokers = broker.brokers
    const files = ensureLines(LINES)
    const startFiles = ensureLines(1)
    for (let round = 1; round <= ROUNDS; round++) {
      for (const wiring of WIRINGS) results.http.push(await httpRound(wiring, brokers, round))
    }
    // each checkout variant right after its packaged twin: the two see the same load
    const variants = [...WIRINGS.flatMap((w) => CHECKOUT.includes(w) ? [w, `checkout/${w}`] : [w]), 'kcat', ...ENGINES, ...LEAN, ...STARTUP]
    for (let round = 1; round <= CPU_ROUNDS; round++) {
      for (const variant of variants) results.cpu.push(await cpuRound(variant, brokers, round, files, startFiles))
    }
  } finally {
    await broker?.stop()
    install?.cleanup()
  }
}

const summary = summarize(results)
if (!args.quick) report(summary)
process.stdout.write(JSON.stringify(summary) + '\n')
if (summary.lost > 0) {
  log(`${summary.lost} lines did not reach Kafka`)
  process.exitCode = 1
}

function summarize ({ http, cpu, install }) {
  const by = (rows, w, f) => rows.filter((r) => r.wiring === w).map(f)
  // req/s against the no-op app of the same round: the machine's load drifts between rounds
  const ratiosOf = (w) => by(http, w, (r) => r.reqPerS / http.find((d) => d.wiring === 'noop' && d.round === r.round).reqPerS)
  const cpuOf = (v) => median(by(cpu, v, (r) => r.cpuS))
  // shipping CPU per line: the run less its own place's no-op app
  const baseOf = (v) => v.startsWith('checkout/') ? 'checkout/noop' : 'noop'
  const usOf = (v) => (cpuOf(v) - cpuOf(baseOf(v))) / LINES * 1e6
  const kcatUs = cpuOf('kcat') / LINES * 1e6
  const agentUs = usOf('stdout')
  const shipOf = (v) => {
    const us = usOf(v)
    return { usPerLine: us, toKcat: us / kcatUs, toAgent: us / agentUs }
  }
  const rows = WIRINGS.map((w) => {
    const ship = w === 'noop' ? undefined : shipOf(w)
    return {
      wiring: w,
      reqPerS: median(by(http, w, (r) => r.reqPerS)),
      ratio: median(ratiosOf(w)),
      ratios: ratiosOf(w),
      p99Ms: median(by(http, w, (r) => r.p99Ms)),
      errors: by(http, w, (r) => r.errors).reduce((a, b) => a + b, 0),
      lines: by(http, w, (r) => r.lines).reduce((a, b) => a + b, 0),
      shipUsPerLine: ship?.usPerLine ?? 0,
      shipToKcat: ship?.toKcat,
      shipToAgent: ship?.toAgent
    }
  })
  // packaged against the checkout, for the two Kafka wirings: shipping CPU per line, and the
  // whole tree's CPU (the steadier figure: not a difference), per round (the two ran back to back)
  const checkout = PACKAGED
    ? KAFKA.map((w) => {
      const perRound = by(cpu, w, (r) => r.cpuS / cpu.find((c) => c.wiring === `checkout/${w}` && c.round === r.round).cpuS)
      return {
        wiring: w,
        packaged: shipOf(w),
        checkout: shipOf(`checkout/${w}`),
        shipRatio: usOf(w) / usOf(`checkout/${w}`),
        treeRatio: median(perRound),
        treeRatios: perRound
      }
    })
    : []
  const headerSets = KAFKA.map((w) => ({
    wiring: w,
    default: shipOf(w),
    ...Object.fromEntries(Object.keys(HEADER_SETS).map((h) => [h, shipOf(`${w}:${h}`)]))
  }))
  // start-up: a one-line run less the one-line no-op app (kcat: its own one-line run);
  // per line after it: the rest of the full run, per line, against kcat's rest
  const startOf = (w) => w === 'kcat' ? cpuOf('kcat@1') : cpuOf(`${w}@1`) - cpuOf('noop@1')
  const kcatSteadyUs = (cpuOf('kcat') - cpuOf('kcat@1')) / LINES * 1e6
  const steady = ['stdout', ...KAFKA, 'kcat'].map((w) => {
    const startS = startOf(w)
    const us = w === 'kcat' ? kcatSteadyUs : ((cpuOf(w) - cpuOf(`${w}@1`)) - (cpuOf('noop') - cpuOf('noop@1'))) / LINES * 1e6
    return { wiring: w, startS, usPerLine: us, toKcat: us / kcatSteadyUs }
  })
  // runs saved before the engine variants have none
  const engines = ENGINES.filter((v) => cpu.some((r) => r.wiring === v)).map((v) => ({ wiring: v, ...shipOf(v) }))
  const lost = [...http, ...cpu].reduce((a, r) => a + r.lost, 0)
  const describe = (install.installed ?? install.checkout)?.describeProducePath
  return { date: results.date, rounds: ROUNDS, cpuRounds: CPU_ROUNDS, seconds: SECONDS, lines: LINES, from: FROM, describeProducePath: describe, kcatUsPerLine: kcatUs, agentUsPerLine: agentUs, rows, checkout, engines, headerSets, steady, lost }
}

function report (s) {
  const info = saved?.machine ?? machineInfo()
  const ins = results.install
  // the versions the apps ran with: the installed ones in a packaged run
  const v = ins.installed ?? ins.checkout
  const f = (x, d = 2) => x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d)
  const n = (x) => x.toLocaleString('en')
  const seconds = (ms) => `${Math.round(ms / 1000)} s`
  const major = (version) => String(version).split('.')[0]
  const from = PACKAGED
    ? `Installed as users get it: \`npm pack\` of this checkout (${ins.tarball}, ${seconds(ins.packMs)}), then \`npm install <tarball> pino@${major(v.pino)} fastify@${major(v.fastify)}\` in a fresh app outside the repository (${seconds(ins.installMs)}, node-rdkafka ${v.nodeRdkafka} built from source); utils/{${APP_FILES.join(',')}} copied into that app and run there, so \`kafka-log-transport\`, \`pino\` and \`fastify\` are the installed copies (pino ${v.pino}, fastify ${v.fastify}). The installed package's \`describeProducePath()\`: **${v.describeProducePath}** (the checkout's: ${ins.checkout.describeProducePath}). Rows "from the checkout": the same app run from benchmarks/utils of this repository (\`npm run build\`'s dist/), interleaved with the packaged runs.`
    : `Run from this checkout (benchmarks/utils, \`npm run build\`'s dist/; \`--checkout\`), not from a packaged install. Its \`describeProducePath()\`: **${v.describeProducePath}**.`
  const http = new Map(s.rows.map((r) => [r.wiring, r]))
  const cpuCells = (c) => c === undefined ? '- | - | -' : `${f(c.usPerLine ?? c.shipUsPerLine, 1)} | ${f(c.toKcat ?? c.shipToKcat)} | ${f(c.toAgent ?? c.shipToAgent)}`
  const httpCells = (r) => `${n(Math.round(r.reqPerS))} | ${r.wiring === 'noop' ? '1.00 (the baseline)' : `${f(r.ratio)} (${r.ratios.map((x) => f(x)).join(', ')})`} | ${r.p99Ms} | ${n(r.lines)}`
  const table = [
    ...WIRINGS.map((w) => `| ${LABEL[w]} | ${httpCells(http.get(w))} | ${w === 'noop' ? '- | - | -' : cpuCells(http.get(w))} |`),
    `| ${LABEL.kcat} | - | - | - | - | ${f(s.kcatUsPerLine, 1)} | 1.00 | ${f(s.kcatUsPerLine / s.agentUsPerLine)} |`,
    ...s.checkout.map((c) => `| ${LABEL[`checkout/${c.wiring}`]} | - | - | - | - | ${cpuCells(c.checkout)} |`)
  ]
  writeResults('app', [
    '# The cost to a real app', '',
    `${s.date}; ${ROUNDS} HTTP round(s), ${CPU_ROUNDS} CPU round(s); ${info.cpus} cores (${info.cpu}), ${info.memGiB} GiB, Node ${info.node}, pino ${v.pino}, fastify ${v.fastify}, librdkafka ${v.librdkafka}. Produced by \`npm run bench:app\`.`, '',
    from, '',
    `Fastify + pino, request logging on, a route that logs once (3 lines per request); autocannon, 50 connections, ${SECONDS} s per round after a 1 s warm-up; req/s against the app whose pino hands its lines to a stream that drops them (\`pino({}, { write () {} })\`, the baseline) in the same round. Shipping CPU: the whole process tree's user+sys CPU while a pino app logs ${n(LINES)} lines through the wiring, minus the same app logging to the no-op stream, per line (medians of the CPU rounds); beside kcat -P -l alone on the same number of lines (${f(s.kcatUsPerLine)} µs per line) and the agent way's own shipping CPU (${f(s.agentUsPerLine)} µs per line). pino → /dev/null is there for reference only: its shipping CPU is what one write() per line costs.`, '',
    '| wiring | req/s (median) | × no-op (per round) | p99 ms | lines logged (the shipped ones all counted in Kafka) | shipping CPU µs/line | × kcat alone | × the agent way |', '|---|---|---|---|---|---|---|---|',
    ...table, '',
    ...(s.checkout.length === 0
      ? []
      : [
          'Packaged against the checkout (the goal: within ±10%): shipping CPU per line, and the whole process tree\'s CPU for the run (not a difference, so the steadier figure; per round, the two ran back to back):', '',
          '| wiring | packaged µs/line | checkout µs/line | packaged ÷ checkout, shipping CPU | packaged ÷ checkout, tree CPU (per round) |', '|---|---|---|---|---|',
          ...s.checkout.map((c) => `| ${LABEL[c.wiring]} | ${f(c.packaged.usPerLine, 1)} | ${f(c.checkout.usPerLine, 1)} | ${f(c.shipRatio)} | ${f(c.treeRatio)} (${c.treeRatios.map((x) => f(x)).join(', ')}) |`), ''
        ]),
    ...(s.engines.length === 0
      ? []
      : [
          'The Kafka wirings on the pure-JS engine, @platformatic/kafka (what an install without a C toolchain runs; `KLT_ENGINE=platformatic` in the same install): shipping CPU per line (the goal, issue #29: the worker target at most the agent way\'s):', '',
          '| wiring | shipping CPU µs/line | × kcat alone | × the agent way |', '|---|---|---|---|',
          ...s.engines.map((c) => `| ${LABEL[c.wiring]} | ${cpuCells(c)} |`), ''
        ]),
    'Shipping CPU per line (× kcat alone) by the per-record headers asked for (`logHeaders`; by default a JSON line gets none; `true` sends `content-type`, `log-id` and `level` on these lines, and `traceparent` where a line has trace fields):', '',
    `| wiring | default (none) | ${Object.values(HEADER_SETS).map((h) => `\`${h}\``).join(' | ')} |`, `|---|---|${Object.keys(HEADER_SETS).map(() => '---|').join('')}`,
    ...s.headerSets.map((r) => `| ${LABEL[r.wiring]} | ${[r.default, ...Object.keys(HEADER_SETS).map((h) => r[h])].map((c) => `${f(c.usPerLine, 1)} µs (${f(c.toKcat)})`).join(' | ')} |`), '',
    `Start-up and steady state: the CPU a wiring costs once (its run logging one line, less the same app logging one line to the no-op stream), and per line after that (the ${n(LINES)}-line figure less both one-line runs), beside kcat's own (its one-line run, and per line after it). A service that runs for hours pays the start-up once; the per-line figure is its cost from then on.`, '',
    '| wiring | start-up CPU (s) | CPU per line after start-up (µs) | × kcat\'s |', '|---|---|---|---|',
    ...s.steady.map((r) => `| ${LABEL[r.wiring]} | ${f(r.startS)} | ${f(r.usPerLine, 1)} | ${f(r.toKcat)} |`), '',
    `Lines lost: ${s.lost}.`
  ], { ...results, summary: s, machine: info })
}
