// What shipping logs costs a real service (issue #18), every wiring in one run against one broker.
//  1. HTTP: Fastify 5 + pino (utils/fastify-app.mjs: request logging on, a route that logs once,
//     3 lines per request) under autocannon, 50 connections, a 1 s warm-up then 8 s measured,
//     per round and wiring: pino → /dev/null, pino → stdout piped into `kcat -P` (the agent
//     way), the worker target, kafkaDestination(). Requests per second, p99 latency, and every
//     line the app logged counted in its topic.
//  2. Shipping CPU per line: utils/pino-app.mjs logs N lines through each wiring; the whole
//     process tree's user+sys CPU (app, worker thread, producer process, kcat; read with the
//     shell's `times`) minus the same app logging to /dev/null, divided by N; beside kcat -P -l
//     producing N lines from a file alone. Then the same for the two Kafka wirings with
//     per-record headers (logHeaders ['level'], ['log-id'], true; by default these JSON lines
//     get none): what the headers cost. And each wiring once more logging a single line:
//     what it costs to start, so the per-line figure splits into start-up CPU (paid once)
//     and CPU per line after it.
//   node benchmarks/app.bench.mjs [--quick] [--rounds 2] [--cpu-rounds 5] [--seconds 8] [--lines 300000]
//   node benchmarks/app.bench.mjs --report   (the tables again from results-app.json's rows)
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
import { benchBroker } from './utils/broker.mjs'
import { ensureLines } from './utils/lines.mjs'
import { machineInfo, writeResults } from './utils/results.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, report: { type: 'boolean' }, rounds: { type: 'string' }, 'cpu-rounds': { type: 'string' }, seconds: { type: 'string' }, lines: { type: 'string' } } })
// --report: no run, the last run's rows (results-app.json) summarized and written again
const saved = args.report ? JSON.parse(fs.readFileSync(path.join(here, 'results-app.json'), 'utf8')) : undefined
const ROUNDS = saved?.rounds ?? Number(args.rounds ?? (args.quick ? 1 : 2))
const CPU_ROUNDS = saved?.cpuRounds ?? Number(args['cpu-rounds'] ?? (args.quick ? 1 : 5))
const SECONDS = saved?.seconds ?? Number(args.seconds ?? (args.quick ? 1 : 8))
const LINES = saved?.lines ?? Number(args.lines ?? (args.quick ? 20000 : 300000))
const WIRINGS = ['devnull', 'stdout', 'worker', 'destination']
// CPU only: the Kafka wirings with per-record headers asked for (by default a JSON line gets none)
const HEADER_SETS = { level: "['level']", 'log-id': "['log-id']", all: 'true' }
const LEAN = ['worker', 'destination'].flatMap((w) => Object.keys(HEADER_SETS).map((h) => `${w}:${h}`))
// CPU only, one line logged: start-up (the wiring's, and kcat's, fixed cost)
const STARTUP = ['devnull', 'worker', 'destination', 'kcat'].map((w) => `${w}@1`)
const LABEL = { devnull: 'pino → /dev/null', stdout: 'pino → stdout, piped into kcat -P', worker: 'worker target', destination: 'kafkaDestination()', kcat: 'kcat -P -l (alone)' }
const log = (m) => process.stderr.write(`[bench] ${m}\n`)
// the middle value; with an even count, the mean of the two middle ones
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}
const kcatArgs = (brokers, topic) => ['-P', '-b', brokers, '-t', topic, '-X', 'acks=all', '-X', 'compression.codec=lz4', '-X', 'enable.idempotence=true']
const shipsToKafka = (wiring) => wiring !== 'devnull'

if (spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status !== 0) {
  log('kcat is needed as the reference: apt-get install kcat')
  process.exit(1)
}

/** Start the app (stdout wiring: its stdout piped straight into kcat), resolve with its port. */
async function startApp (wiring, brokers, topic) {
  let kcat
  let stdout = 'ignore'
  if (wiring === 'stdout') {
    kcat = spawn('kcat', kcatArgs(brokers, topic), { stdio: ['pipe', 'ignore', 'inherit'] })
    stdout = kcat.stdin
  }
  const app = spawn(process.execPath, [path.join(here, 'utils', 'fastify-app.mjs'), wiring, brokers, topic], { stdio: ['ignore', stdout, 'pipe'] })
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

/** The CPU (user + sys, seconds) of `command` and every process it waited for, from bash's `times`. */
function treeCpu (command) {
  const r = spawnSync('bash', ['-c', `${command}\ntimes`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 })
  const times = r.stdout.trim().split('\n').slice(-2)
  const children = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s/.exec(times[1] ?? '')
  if (r.status !== 0 || children === null) throw new Error(`${command}: exited with ${r.status}: ${r.stderr.slice(-1000)}`)
  const [, um, us, sm, ss] = children
  return Number(um) * 60 + Number(us) + Number(sm) * 60 + Number(ss)
}

async function cpuRound (variant, brokers, round, files, startFiles) {
  const [name, at] = variant.split('@')
  const [wiring, headers = ''] = name.split(':')
  const lines = at === undefined ? LINES : Number(at)
  const input = at === undefined ? files : startFiles
  const topic = await createTopic(`bench-app-cpu-${wiring}-${Date.now()}`, { partitions: 6, bootstrap: brokers })
  const q = (s) => `'${s}'`
  const app = `${q(process.execPath)} ${q(path.join(here, 'utils', 'pino-app.mjs'))}`
  const kcat = `kcat ${kcatArgs(brokers, topic).map(q).join(' ')}`
  const command = {
    devnull: `${app} devnull ${brokers} ${topic} ${lines} >/dev/null`,
    stdout: `${app} stdout ${brokers} ${topic} ${lines} 2>/dev/null | ${kcat}`,
    worker: `${app} worker ${brokers} ${topic} ${lines} ${headers} >/dev/null`,
    destination: `${app} destination ${brokers} ${topic} ${lines} ${headers} >/dev/null`,
    kcat: `${kcat} -l ${q(input.plain)}`
  }[wiring]
  const cpuS = treeCpu(command)
  // the worker and destination apps log one warm-up line first (they connect before timing)
  const expected = lines + (wiring === 'worker' || wiring === 'destination' ? 1 : 0)
  const inTopic = wiring === 'devnull' ? undefined : await settledCount(topic, expected, brokers)
  log(`cpu round ${round} ${variant}: ${cpuS.toFixed(2)} s for ${lines} lines${inTopic === undefined ? '' : `, ${inTopic} in Kafka`}`)
  return { wiring: variant, round, cpuS, inTopic, lost: inTopic === undefined ? 0 : expected - inTopic }
}

let broker
const results = saved === undefined
  ? { date: new Date().toISOString(), rounds: ROUNDS, cpuRounds: CPU_ROUNDS, seconds: SECONDS, lines: LINES, http: [], cpu: [] }
  : { date: saved.date, rounds: ROUNDS, cpuRounds: CPU_ROUNDS, seconds: SECONDS, lines: LINES, http: saved.http, cpu: saved.cpu }
if (saved === undefined) await runAll()

async function runAll () {
  try {
    broker = await benchBroker(log)
    const brokers = broker.brokers
    const files = ensureLines(LINES)
    const startFiles = ensureLines(1)
    for (let round = 1; round <= ROUNDS; round++) {
      for (const wiring of WIRINGS) results.http.push(await httpRound(wiring, brokers, round))
    }
    for (let round = 1; round <= CPU_ROUNDS; round++) {
      for (const variant of [...WIRINGS, 'kcat', ...LEAN, ...STARTUP]) results.cpu.push(await cpuRound(variant, brokers, round, files, startFiles))
    }
  } finally {
    await broker?.stop()
  }
}

const summary = summarize(results)
if (!args.quick) report(summary)
process.stdout.write(JSON.stringify(summary) + '\n')
if (summary.lost > 0) {
  log(`${summary.lost} lines did not reach Kafka`)
  process.exitCode = 1
}

function summarize ({ http, cpu }) {
  const by = (rows, w, f) => rows.filter((r) => r.wiring === w).map(f)
  // req/s against /dev/null of the same round: the machine's load drifts between rounds
  const ratiosOf = (w) => by(http, w, (r) => r.reqPerS / http.find((d) => d.wiring === 'devnull' && d.round === r.round).reqPerS)
  const cpuOf = (v) => median(by(cpu, v, (r) => r.cpuS))
  const baseCpu = cpuOf('devnull')
  const kcatUs = cpuOf('kcat') / LINES * 1e6
  const rows = WIRINGS.map((w) => {
    const reqPerS = median(by(http, w, (r) => r.reqPerS))
    const shipUs = w === 'devnull' ? 0 : (cpuOf(w) - baseCpu) / LINES * 1e6
    return {
      wiring: w,
      reqPerS,
      ratio: median(ratiosOf(w)),
      ratios: ratiosOf(w),
      p99Ms: median(by(http, w, (r) => r.p99Ms)),
      errors: by(http, w, (r) => r.errors).reduce((a, b) => a + b, 0),
      lines: by(http, w, (r) => r.lines).reduce((a, b) => a + b, 0),
      shipUsPerLine: shipUs,
      shipToKcat: w === 'devnull' ? undefined : shipUs / kcatUs
    }
  })
  const shipOf = (v) => {
    const us = (cpuOf(v) - baseCpu) / LINES * 1e6
    return { usPerLine: us, toKcat: us / kcatUs }
  }
  const headerSets = ['worker', 'destination'].map((w) => ({
    wiring: w,
    default: shipOf(w),
    ...Object.fromEntries(Object.keys(HEADER_SETS).map((h) => [h, shipOf(`${w}:${h}`)]))
  }))
  // start-up: a one-line run less the one-line /dev/null app (kcat: its own one-line run);
  // per line after it: the rest of the full run, per line, against kcat's rest
  const startOf = (w) => w === 'kcat' ? cpuOf('kcat@1') : cpuOf(`${w}@1`) - cpuOf('devnull@1')
  const kcatSteadyUs = (cpuOf('kcat') - cpuOf('kcat@1')) / LINES * 1e6
  const steady = ['worker', 'destination', 'kcat'].map((w) => {
    const startS = startOf(w)
    const us = w === 'kcat' ? kcatSteadyUs : ((cpuOf(w) - cpuOf(`${w}@1`)) - (baseCpu - cpuOf('devnull@1'))) / LINES * 1e6
    return { wiring: w, startS, usPerLine: us, toKcat: us / kcatSteadyUs }
  })
  const lost = [...http, ...cpu].reduce((a, r) => a + r.lost, 0)
  return { date: results.date, rounds: ROUNDS, cpuRounds: CPU_ROUNDS, seconds: SECONDS, lines: LINES, kcatUsPerLine: kcatUs, rows, headerSets, steady, lost }
}

function report (s) {
  const info = saved?.machine ?? machineInfo()
  const f = (v, d = 2) => v === undefined ? '-' : v.toFixed(d)
  const table = s.rows.map((r) => `| ${LABEL[r.wiring]} | ${Math.round(r.reqPerS).toLocaleString('en')} | ${f(r.ratio)} (${r.ratios.map((x) => f(x)).join(', ')}) | ${r.p99Ms} | ${r.lines.toLocaleString('en')} | ${r.wiring === 'devnull' ? '-' : f(r.shipUsPerLine, 1)} | ${f(r.shipToKcat)} |`)
  writeResults('app', [
    '# The cost to a real app', '',
    `${s.date}; ${ROUNDS} HTTP round(s), ${CPU_ROUNDS} CPU round(s); ${info.cpus} cores (${info.cpu}), ${info.memGiB} GiB, Node ${info.node}, pino ${info.pino}, librdkafka ${info.librdkafka}. Produced by \`npm run bench:app\`.`, '',
    `Fastify + pino, request logging on, a route that logs once (3 lines per request); autocannon, 50 connections, ${SECONDS} s per round after a 1 s warm-up. Shipping CPU: the whole process tree's user+sys CPU while a pino app logs ${LINES.toLocaleString('en')} lines through the wiring, minus the same app logging to /dev/null, per line (medians of the CPU rounds); kcat -P -l alone on the same number of lines: ${f(s.kcatUsPerLine)} µs per line.`, '',
    '| wiring | req/s (median) | × /dev/null (per round) | p99 ms | lines (all counted in Kafka) | shipping CPU µs/line | × kcat alone |', '|---|---|---|---|---|---|---|',
    ...table, '',
    'Shipping CPU per line (× kcat alone) by the per-record headers asked for (`logHeaders`; by default a JSON line gets none; `true` sends `content-type`, `log-id` and `level` on these lines, and `traceparent` where a line has trace fields):', '',
    `| wiring | default (none) | ${Object.values(HEADER_SETS).map((h) => `\`${h}\``).join(' | ')} |`, `|---|---|${Object.keys(HEADER_SETS).map(() => '---|').join('')}`,
    ...s.headerSets.map((r) => `| ${LABEL[r.wiring]} | ${[r.default, ...Object.keys(HEADER_SETS).map((h) => r[h])].map((c) => `${f(c.usPerLine, 1)} µs (${f(c.toKcat)})`).join(' | ')} |`), '',
    `Start-up and steady state: the CPU a wiring costs once (its run logging one line, less the same app logging one line to /dev/null), and per line after that (the ${LINES.toLocaleString('en')}-line figure less both one-line runs), beside kcat's own (its one-line run, and per line after it). A service that runs for hours pays the start-up once; the per-line figure is its cost from then on.`, '',
    '| wiring | start-up CPU (s) | CPU per line after start-up (µs) | × kcat\'s |', '|---|---|---|---|',
    ...s.steady.map((r) => `| ${LABEL[r.wiring]} | ${f(r.startS)} | ${f(r.usPerLine, 1)} | ${f(r.toKcat)} |`), '',
    `Lines lost: ${s.lost}.`
  ], { ...results, summary: s, machine: info })
}
