// The package as a new user gets it: `npm pack` this repository, `npm install` the tarball
// (with pino and winston) into a fresh app outside it (test/helpers/packaged.mjs, shared with
// benchmarks/app.bench.mjs), which builds node-rdkafka from source,
// then log 1,000 lines through each documented wiring (pino worker target, kafkaDestination(),
// winston's KafkaTransport, the CLI's `pipe`) and count them in Kafka. Then the same install
// with its addon broken (the fallback must deliver and say why, once), and a pnpm 10 install,
// which runs no build scripts by default (the app must be told about `pnpm approve-builds`).
// The apps are test/fixtures/packaged/app.mjs, copied into the installed app directory so
// that `kafka-log-transport` resolves to the installed copy.
import t from 'tap'
import fs from 'node:fs'
import path from 'node:path'
import { createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { ROOT as root, ended, installPackaged, newApp as newAppDir, packRepo, seconds, tail } from '../helpers/packaged.mjs'
import { checkInKafka, N, ndjson, noise, packagedFile, runAsUser as run, WIRINGS as wirings } from '../helpers/packaged-app.mjs'

const APP = path.join(root, 'test', 'fixtures', 'packaged', 'app.mjs')
const MINUTE = 60000
// node-rdkafka compiles librdkafka from source during the install: minutes on 2 busy cores
const INSTALL_MS = 10 * MINUTE

const { brokers: BROKERS, test, tempDir, removeLater } = packagedFile(t)

// the whole file: pack, one npm install, four wirings, the fallback copy, pnpm
t.setTimeout(25 * MINUTE)

// ---- the tarball, and one npm install of it reused by the subtests below ----

let packing
let installing

/** `npm pack` the repository (with the addon's prebuild; dist/ as `npm run build` left it) into a temp dir outside it. */
function pack () {
  packing ??= packRepo({ dest: tempDir('klt-pack-'), run, timeoutMs: 5 * MINUTE })
  return packing
}

async function packed () {
  const r = await pack()
  if (r.code !== 0 || r.tarball === undefined) throw new Error(`npm pack failed (${ended(r)}):\n${tail(r.stderr)}`)
  return r.tarball
}

/** A fresh app directory, as `npm init` would leave it for an ESM app. */
function newApp (prefix) {
  const dir = newAppDir(prefix)
  removeLater(dir)
  return dir
}

/** `npm install <tarball> pino@10 winston@3` in a fresh app, with npm's defaults and this environment. */
function install () {
  installing ??= (async () => {
    const tarball = await packed()
    try {
      const i = await installPackaged({ tarball, deps: ['pino@10', 'winston@3'], run, timeoutMs: INSTALL_MS })
      removeLater(i.app)
      fs.copyFileSync(APP, path.join(i.app, 'app.mjs'))
      return { ...i.install, app: i.app }
    } catch (err) {
      if (err.step !== 'install') throw err
      return { ...err.result, app: undefined } // the first subtest says why
    }
  })()
  return installing
}

async function installedApp () {
  const r = await install()
  if (r.code !== 0) throw new Error(`npm install of the tarball failed (${ended(r)}), so this cannot run:\n${tail(r.stderr)}`)
  return r.app
}

// ---- what the app says and what lands in Kafka ----

/** Run the fixture app inside `app` (its node_modules are the installed package's). */
function runApp (app, args, options = {}) {
  return run(process.execPath, [path.join(app, 'app.mjs'), ...args], { cwd: app, timeoutMs: 2 * MINUTE, ...options })
}

// ---- the install ----

test('npm pack, then npm install the tarball with pino@10 winston@3 into a fresh app (builds node-rdkafka)', { timeout: INSTALL_MS + 6 * MINUTE }, async (t) => {
  const p = await pack()
  t.comment(`npm pack: ${seconds(p.ms)} (${ended(p)}) -> ${p.tarball}`)
  t.equal(p.code, 0, `npm pack exits 0 (stderr: ${tail(p.stderr, 15)})`)
  t.ok(p.tarball, 'a .tgz was written')
  t.notOk(p.tarball?.startsWith(root + path.sep), 'the tarball is outside the repository')
  if (p.code !== 0 || !p.tarball) return

  const r = await install()
  t.comment(`npm install <tarball> pino@10 winston@3: ${seconds(r.ms)} (${ended(r)}) in ${r.app}`)
  for (const line of tail(`${r.stdout}\n${r.stderr}`, 20).split('\n')) t.comment(`  npm: ${line}`)
  t.equal(r.code, 0, `npm install exits 0 (${ended(r)}; stderr: ${tail(r.stderr)})`)
  t.ok(fs.existsSync(path.join(r.app, 'node_modules', 'node-rdkafka', 'build', 'Release', 'node-librdkafka.node')),
    'node-rdkafka was built from source')
  t.ok(fs.existsSync(path.join(r.app, 'node_modules', '.bin', 'kafka-log-transport')), 'the CLI is linked into node_modules/.bin')
  const pkg = path.join(r.app, 'node_modules', 'kafka-log-transport')
  const addons = fs.readdirSync(pkg, { recursive: true }).filter((f) => f.endsWith('.node'))
  t.comment(`addon files in the installed kafka-log-transport: ${addons.join(', ') || 'none'}`)
})

test('describeProducePath() of the installed package: native batches', { timeout: 2 * MINUTE }, async (t) => {
  const app = await installedApp()
  const r = await runApp(app, ['describe'])
  t.equal(r.code, 0, `exit 0 (${ended(r)}; stderr: ${r.stderr.trim()})`)
  t.equal(r.stdout.trim(), 'native batches', 'the install built the native path')
  t.same(noise(r.stderr), [], 'nothing alarming on stderr')
})

// ---- four wirings, 1,000 lines each, counted in Kafka ----

for (const [name, mode, partitions] of wirings) {
  test(name, { timeout: 5 * MINUTE }, async (t) => {
    const app = await installedApp()
    const topic = await createTopic(uniqueTopic(`klt-packaged-${mode}`), { partitions })
    const r = await runApp(app, [mode, BROKERS, topic, String(N)])
    t.comment(`${mode}: ${N} lines logged and the app ended in ${seconds(r.ms)}`)
    t.equal(r.code, 0, `the app exits 0 (${ended(r)}; stderr: ${r.stderr.trim()})`)
    t.same(noise(r.stderr), [], 'no error noise on stderr')
    await checkInKafka(t, topic)
  })
}

test('the CLI: node_modules/.bin/kafka-log-transport pipe -b ... -t ... fed 1,000 lines on stdin', { timeout: 5 * MINUTE }, async (t) => {
  const app = await installedApp()
  const topic = await createTopic(uniqueTopic('klt-packaged-cli'), { partitions: 3 })
  const bin = path.join(app, 'node_modules', '.bin', 'kafka-log-transport')
  const r = await run(bin, ['pipe', '--brokers', BROKERS, '--topic', topic], { cwd: app, input: ndjson(N) })
  t.comment(`pipe: ${seconds(r.ms)}`)
  t.equal(r.code, 0, `pipe exits 0 (${ended(r)}; stderr: ${r.stderr.trim()})`)
  t.match(r.stderr, new RegExp(`${N} line\\(s\\) read, ${N} delivered to ${topic}, 0 failed, 0 dropped, 0 unconfirmed`), 'its summary')
  t.same(noise(r.stderr), [], 'no error noise on stderr')
  await checkInKafka(t, topic)
})

// ---- the same install with its addon broken: the fallback ----

test('addon broken (every *.node of kafka-log-transport overwritten): produce() fallback delivers, one notice says why',
  { timeout: 6 * MINUTE }, async (t) => {
    const app = await installedApp()
    const broken = tempDir('klt-app-broken-')
    const t0 = Date.now()
    // a copy (symlinks as they are) instead of a second install: no second node-rdkafka build
    fs.cpSync(app, broken, { recursive: true, verbatimSymlinks: true })
    t.comment(`copy of the installed app: ${seconds(Date.now() - t0)} -> ${broken}`)
    const pkg = path.join(broken, 'node_modules', 'kafka-log-transport')
    const addons = fs.readdirSync(pkg, { recursive: true }).filter((f) => f.endsWith('.node')).map((f) => path.join(pkg, f))
    t.comment(`addon files in the installed package: ${addons.length > 0 ? addons.map((f) => path.relative(pkg, f)).join(', ') : 'none'}`)
    t.ok(addons.length > 0, 'the installed package has an addon to break')
    for (const f of addons) fs.writeFileSync(f, Buffer.from('not an ELF file\0\x01\x02'))
    t.ok(fs.existsSync(path.join(broken, 'node_modules', 'node-rdkafka', 'build', 'Release', 'node-librdkafka.node')),
      'node-rdkafka itself is left as built')

    const d = await runApp(broken, ['describe'])
    t.equal(d.code, 0, `describe exits 0 (${ended(d)}; stderr: ${d.stderr.trim()})`)
    const desc = d.stdout.trim()
    t.comment(`describeProducePath(): ${desc}`)
    t.not(desc, 'native batches', 'not the native path')
    t.match(desc, /native/i, 'it speaks of the native path')
    t.match(desc, /not built|could not|cannot|invalid|fail|error|unavailable|broken|load/i, 'and gives a reason')

    const topic = await createTopic(uniqueTopic('klt-packaged-fallback'), { partitions: 1 })
    const r = await runApp(broken, ['pino-destination', BROKERS, topic, String(N)])
    t.comment(`kafkaDestination() on the fallback: ${seconds(r.ms)}; stdout: ${r.stdout.trim()}`)
    t.comment(`stderr of the fallback run:\n${r.stderr.trim() || '(empty)'}`)
    t.equal(r.code, 0, `the app exits 0 (${ended(r)}; stderr: ${r.stderr.trim()})`)
    await checkInKafka(t, topic)
    t.match(r.stderr, /kafka-log-transport: .*native/i, 'a notice about the native path on stderr')
    const notices = r.stderr.match(/native path/gi) ?? []
    t.equal(notices.length, 1, `"native path" is said exactly once (stderr: ${JSON.stringify(r.stderr)})`)
    const notice = r.stderr.split('\n').filter((l) => l.startsWith('kafka-log-transport: ')).join('\n')
    t.match(notice, /rebuild|reinstall|install|approve|toolchain/i, 'the notice names a fix')
    t.same(noise(r.stderr), [], 'nothing else alarming on stderr')
  })

// ---- pnpm 10: build scripts are blocked by default ----

test('pnpm 10: pnpm add <tarball> pino@10 (no build scripts run); the app is told about pnpm approve-builds', { timeout: 6 * MINUTE }, async (t) => {
  const tarball = await packed()
  const tool = tempDir('klt-pnpm-tool-')
  fs.writeFileSync(path.join(tool, 'package.json'), JSON.stringify({ name: 'pnpm-tool', private: true }) + '\n')
  const i = await run('npm', ['install', 'pnpm@10'], { cwd: tool, timeoutMs: 3 * MINUTE })
  t.comment(`npm install pnpm@10 (into its own dir): ${seconds(i.ms)} (${ended(i)})`)
  t.equal(i.code, 0, `pnpm installs (stderr: ${tail(i.stderr)})`)
  const pnpm = path.join(tool, 'node_modules', '.bin', 'pnpm')
  const v = await run(pnpm, ['--version'])
  t.match(v.stdout.trim(), /^10\./, `pnpm 10 (${v.stdout.trim()})`)

  const app = newApp('klt-app-pnpm-')
  const r = await run(pnpm, ['add', tarball, 'pino@10'], { cwd: app, timeoutMs: 3 * MINUTE })
  t.comment(`pnpm add <tarball> pino@10: ${seconds(r.ms)} (${ended(r)})`)
  for (const line of tail(`${r.stdout}\n${r.stderr}`, 15).split('\n')) t.comment(`  pnpm: ${line}`)
  t.equal(r.code, 0, `pnpm add exits 0 (${ended(r)}; stderr: ${tail(r.stderr)})`)
  t.ok(fs.existsSync(path.join(app, 'node_modules', 'kafka-log-transport', 'package.json')), 'kafka-log-transport is installed')

  fs.copyFileSync(APP, path.join(app, 'app.mjs'))
  const topic = await createTopic(uniqueTopic('klt-packaged-pnpm'), { partitions: 1 })
  const a = await runApp(app, ['one-line', BROKERS, topic], { timeoutMs: MINUTE })
  const said = `${a.stdout}\n${a.stderr}`
  t.comment(`the app (kafkaDestination(), one line): ${ended(a)} after ${seconds(a.ms)}`)
  t.comment(`its stdout: ${a.stdout.trim() || '(empty)'}`)
  t.comment(`its stderr:\n${a.stderr.trim() || '(empty)'}`)
  t.notOk(a.timedOut, 'the app ends by itself')
  t.match(said, /pnpm approve-builds/, 'what the app is told (a notice, or the error it ends with) mentions `pnpm approve-builds`')
})
