// The package installed where no C toolchain is (issue #29), as in node:24-slim or distroless:
// `npm pack` this repository, then `npm install <tarball> pino@10 winston@3` in a fresh app with
// a PATH that has no cc, c++, make or python3. node-rdkafka (an optional dependency) cannot
// build from source there, so npm leaves it out and the install still ends with exit 0, in
// seconds. The app then runs on the second engine, @platformatic/kafka: each documented wiring
// (pino worker target, kafkaDestination(), winston's KafkaTransport, the CLI's `pipe`) logs
// 1,000 lines, counted in Kafka, and says once which engine runs and why; `tail` reads them back.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { ROOT as root, ended, newApp, packRepo, seconds, tail } from '../helpers/packaged.mjs'
import { checkInKafka, ENGINE_NOTICE, N, ndjson, noise, packagedFile, runAsUser, WIRINGS } from '../helpers/packaged-app.mjs'

const APP = path.join(root, 'test', 'fixtures', 'packaged', 'app.mjs')
const MINUTE = 60000

const { brokers: BROKERS, test, tempDir, removeLater } = packagedFile(t)
t.setTimeout(12 * MINUTE)

// ---- a machine without a toolchain: a PATH with none ----

// compilers, make and python under any version suffix (gcc-12, python3.11, x86_64-linux-gnu-g++)
const TOOLCHAIN = /^(.*-linux-gnu-)?(cc|c\+\+|gcc|g\+\+|cpp|clang|clang\+\+|c89|c99|make|gmake|cmake|python|python3|pydoc|pydoc3|node-gyp)([-.\d].*)?$/

/**
 * A directory of links to every command on this PATH but the toolchain's, this Node as `node`
 * and npm. Directories inside a node_modules (npm puts its own node-gyp on its scripts' PATH)
 * are left out: a user's shell has none of them.
 */
function toolchainFreeBin () {
  const bin = tempDir('klt-no-toolchain-bin-')
  fs.symlinkSync(process.execPath, path.join(bin, 'node'))
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '' && !d.split(path.sep).includes('node_modules'))
  for (const dir of dirs) {
    let names
    try {
      names = fs.readdirSync(dir)
    } catch {
      continue
    }
    for (const name of names) {
      if (TOOLCHAIN.test(name) || name === 'node' || fs.existsSync(path.join(bin, name))) continue
      fs.symlinkSync(path.join(dir, name), path.join(bin, name))
    }
  }
  return bin
}

/** This process's environment on a PATH of `bin` only, without anything that names a compiler, python or Node's headers. */
function toolchainFreeEnv (bin) {
  const env = { ...process.env, PATH: bin }
  for (const k of Object.keys(env)) {
    if (/^(CC|CXX|CPP|LD|MAKE|PYTHON|npm_config_(nodedir|python|node_gyp)|NODE_GYP_.*)$/i.test(k)) delete env[k]
  }
  return env
}

let setup
/** Pack, then install the tarball on the toolchain-free PATH; once for the file. */
function installed () {
  setup ??= (async () => {
    const pack = await packRepo({ dest: tempDir('klt-pack-nt-'), run: runAsUser, timeoutMs: 5 * MINUTE })
    if (pack.code !== 0 || pack.tarball === undefined) return { pack }
    const bin = toolchainFreeBin()
    const env = toolchainFreeEnv(bin)
    const app = newApp('klt-app-no-toolchain-')
    removeLater(app)
    const install = await runAsUser('npm', ['install', pack.tarball, 'pino@10', 'winston@3', '--no-audit', '--no-fund'], { cwd: app, env, timeoutMs: 5 * MINUTE })
    fs.copyFileSync(APP, path.join(app, 'app.mjs'))
    return { pack, bin, env, app, install }
  })()
  return setup
}

async function installedApp () {
  const s = await installed()
  if (s.install?.code !== 0) throw new Error('the install failed, so this cannot run (see the first test)')
  return s
}

test('npm install of the tarball with no cc, c++, make or python3 on PATH: exit 0, node-rdkafka left out', { timeout: 8 * MINUTE }, async (t) => {
  const { pack, bin, env, app, install } = await installed()
  t.equal(pack.code, 0, `npm pack exits 0 (${ended(pack)}; stderr: ${tail(pack.stderr, 15)})`)
  if (install === undefined) return
  const probe = spawnSync('sh', ['-c', 'for c in cc c++ gcc g++ make python3 python node-gyp; do command -v "$c"; done; true'], { env, encoding: 'utf8' })
  t.equal(probe.stdout.trim(), '', `no compiler, make or python on the app's PATH (${bin})`)
  t.comment(`npm install <tarball> pino@10 winston@3 without a toolchain: ${seconds(install.ms)} (${ended(install)})`)
  for (const line of tail(`${install.stdout}\n${install.stderr}`, 12).split('\n')) t.comment(`  npm: ${line}`)
  t.equal(install.code, 0, `npm install exits 0 (${ended(install)}; stderr: ${tail(install.stderr)})`)
  const modules = path.join(app, 'node_modules')
  t.notOk(fs.existsSync(path.join(modules, 'node-rdkafka')), 'node-rdkafka, whose build failed, is not installed')
  t.ok(fs.existsSync(path.join(modules, '@platformatic', 'kafka', 'package.json')), 'the second engine, @platformatic/kafka, is')
  t.ok(fs.existsSync(path.join(modules, '.bin', 'kafka-log-transport')), 'the CLI is linked into node_modules/.bin')
})

test('describeProducePath(): the pure-JS engine, and why', async (t) => {
  const { app, env } = await installedApp()
  const r = await runAsUser(process.execPath, [path.join(app, 'app.mjs'), 'describe'], { cwd: app, env })
  t.equal(r.code, 0, `exit 0 (${ended(r)}; stderr: ${r.stderr.trim()})`)
  t.match(r.stdout, /^@platformatic\/kafka \(pure JS\)/, `the engine (${r.stdout.trim()})`)
  t.match(r.stdout, /not installed.*toolchain/, 'why node-rdkafka is not used, and what would add it')
})

for (const [name, mode, partitions] of WIRINGS) {
  test(`${name}, on the pure-JS engine`, { timeout: 4 * MINUTE }, async (t) => {
    const { app, env } = await installedApp()
    const topic = await createTopic(uniqueTopic(`klt-no-toolchain-${mode}`), { partitions })
    const r = await runAsUser(process.execPath, [path.join(app, 'app.mjs'), mode, BROKERS, topic, String(N)], { cwd: app, env, timeoutMs: 3 * MINUTE })
    t.comment(`${mode}: ${N} lines logged and the app ended in ${seconds(r.ms)}; stdout: ${r.stdout.trim()}`)
    t.equal(r.code, 0, `the app exits 0 (${ended(r)}; stderr: ${r.stderr.trim()})`)
    if (mode !== 'pino-worker') t.equal(JSON.parse(r.stdout.trim().split('\n').pop() || '{}').engine, 'platformatic', 'metrics().engine')
    t.equal(r.stderr.match(new RegExp(ENGINE_NOTICE.source, 'gm'))?.length, 1, 'the engine notice, once')
    t.same(noise(r.stderr), [], 'no error noise on stderr')
    await checkInKafka(t, topic)
  })
}

test('the CLI: kafka-log-transport pipe fed 1,000 lines, then tail reads them back, on the pure-JS engine', { timeout: 4 * MINUTE }, async (t) => {
  const { app, env } = await installedApp()
  const topic = await createTopic(uniqueTopic('klt-no-toolchain-cli'), { partitions: 3 })
  const cli = path.join(app, 'node_modules', '.bin', 'kafka-log-transport')
  const r = await runAsUser(cli, ['pipe', '--brokers', BROKERS, '--topic', topic], { cwd: app, env, input: ndjson(N) })
  t.equal(r.code, 0, `pipe exits 0 (${ended(r)}; stderr: ${r.stderr.trim()})`)
  t.match(r.stderr, new RegExp(`${N} line\\(s\\) read, ${N} delivered to ${topic}, 0 failed, 0 dropped, 0 unconfirmed`), 'its summary')
  t.match(r.stderr, ENGINE_NOTICE, 'the engine notice')
  t.same(noise(r.stderr), [], 'no error noise on stderr')
  await checkInKafka(t, topic)

  // and reads it back: tail on the pure-JS engine's reader
  const tailRun = await runAsUser(cli, ['tail', '--brokers', BROKERS, '--topic', topic, '--from-beginning', '--no-follow', '--json'], { cwd: app, env, timeoutMs: MINUTE })
  t.equal(tailRun.code, 0, `tail --no-follow exits 0 (${ended(tailRun)}; stderr: ${tailRun.stderr.trim()})`)
  const read = new Set(tailRun.stdout.trim().split('\n').map((l) => JSON.parse(l).n))
  t.equal(read.size, N, `tail read the ${N} lines back (${read.size} distinct)`)
})
