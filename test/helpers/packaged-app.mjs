// What the packaged-install tests share once the tarball is installed in a fresh app: run
// commands as a new user would (without tap's hooks), feed and count 1,000 lines, and tell the
// package's known notices from noise on stderr. Used by test/integration/packaged-install.test.mjs
// (an install that builds node-rdkafka) and no-toolchain-install.test.mjs (one that cannot).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { brokers, consumeAll } from './kafka.mjs'
import { runCommand } from './packaged.mjs'

const MINUTE = 60000
/** Lines each wiring logs and the test counts in Kafka. */
export const N = 1000

// tap puts its own hooks into every process a test starts (NODE_OPTIONS --import of
// @tapjs/processinfo from this repository, and _TAPJS_* variables), even when given an env. A
// new user's npm, pnpm and app have none of that: start them through env(1) without it.
const userNodeOptions = (process.env.NODE_OPTIONS ?? '').split(/\s+/).filter((o) => o !== '' && !o.includes('@tapjs/')).join(' ')
function asUser (command, args) {
  const tapVars = Object.keys(process.env).filter((k) => /^(_TAPJS_|TAP_|TAP$)/.test(k))
  return ['env', [...tapVars.flatMap((k) => ['-u', k]), '-u', 'NODE_OPTIONS',
    ...(userNodeOptions !== '' ? [`NODE_OPTIONS=${userNodeOptions}`] : []), command, ...args]]
}

/** Run a command as a user would (see asUser) to its end; never rejects (see runCommand). */
export function runAsUser (command, args, options = {}) {
  const [file, argv] = asUser(command, args)
  return runCommand(file, argv, { timeoutMs: 2 * MINUTE, ...options })
}

/** `count` lines as the CLI reads them, pino-shaped NDJSON, one per n. */
export function ndjson (count = N) {
  let s = ''
  for (let n = 0; n < count; n++) s += JSON.stringify({ level: 30, time: Date.now(), n, msg: `line ${n}` }) + '\n'
  return s
}

/** The notice said at connect when records go through the pure-JS engine because node-rdkafka did not load. */
export const ENGINE_NOTICE = /^kafka-log-transport: records go through @platformatic\/kafka \(pure JS\), because node-rdkafka did not load/m

/**
 * stderr lines that look like trouble (errors, warnings), apart from the package's known
 * notices: the one about the native path (with its indented follow-up lines, which may quote
 * a compiler's errors), the engine notice and the CLI's summary.
 */
export function noise (stderr) {
  const out = []
  let inNotice = false
  for (const line of stderr.split('\n')) {
    if (/^kafka-log-transport: .*native/i.test(line) && !ENGINE_NOTICE.test(line)) {
      inNotice = true
      continue
    }
    if (inNotice && line.startsWith('kafka-log-transport: ')) continue
    inNotice = false
    if (ENGINE_NOTICE.test(line)) continue
    if (/^kafka-log-transport pipe: \d+ line\(s\) read/.test(line)) continue
    if (/error|warn|uncaught|exception/i.test(line)) out.push(line)
  }
  return out
}

/** Read `topic` back: every n from 0 to N-1 exactly once. */
export async function checkInKafka (t, topic) {
  const got = await consumeAll(topic, N, { timeoutMs: 90000, settleMs: 2000 })
  t.equal(got.length, N, `${N} records in Kafka (read ${got.length})`)
  const ns = got.map((m) => {
    try {
      return JSON.parse(m.value.toString()).n
    } catch {
      return `unparsable: ${m.value.toString().slice(0, 80)}`
    }
  })
  const distinct = new Set(ns)
  t.equal(distinct.size, N, `${N} distinct n values, no duplicates (${ns.length - distinct.size} duplicate(s))`)
  const missing = []
  for (let n = 0; n < N; n++) if (!distinct.has(n)) missing.push(n)
  t.same(missing, [], 'no n missing')
}

/** The documented wirings the fixture app (test/fixtures/packaged/app.mjs) runs: [title, mode, partitions]. */
export const WIRINGS = [
  ['pino worker target: pino(pino.transport({ target: \'kafka-log-transport/pino\' })), then transport.end()', 'pino-worker', 3],
  ['kafkaDestination(): pino(opts, dest), then dest.end()', 'pino-destination', 1],
  ['winston: new KafkaTransport(), then logger.end()', 'winston', 3]
]

/**
 * A test file's frame: its brokers, and `test` that runs a subtest only when there are some
 * (without a broker the file fails, never skips, saying how to get one, and installs nothing);
 * `tempDir(prefix)` makes a directory removed when the file ends.
 */
export function packagedFile (t) {
  let found
  try {
    found = brokers()
  } catch (err) {
    t.fail(err.message)
  }
  const temps = []
  t.teardown(() => {
    for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true })
  })
  return {
    brokers: found,
    test: (...args) => { if (found !== undefined) t.test(...args) },
    tempDir: (prefix) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
      temps.push(dir)
      return dir
    },
    /** Remove `dir` too when the file ends. */
    removeLater: (dir) => { temps.push(dir) }
  }
}
