// Issue #28: the addon's C++ reads bytes an attacker can choose (any field of a request can
// end up in a log line). Here it is built with AddressSanitizer and UndefinedBehaviorSanitizer
// (every report is fatal) and the differential run goes through it: the hostile corpus and
// generated lines, on the native batch and line paths. Any report, or any record that differs
// from node-rdkafka's produce() path, fails the test. Needs g++ with libasan and libubsan
// (Debian's build-essential has them), as building the addon at install does.
import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { compareRuns, lineSets } from '../helpers/differential.mjs'
import { startMockKafka } from '../helpers/mock-kafka.mjs'

const require = createRequire(import.meta.url)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const GENERATED = Number(process.env.KLT_SANITIZE_LINES ?? 20000)
const BAD_ARGUMENTS = path.join(root, 'test', 'fixtures', 'addon-bad-arguments.mjs')

/** The addon's sources, as binding.gyp lists them. */
function sources () {
  const gyp = require('node:fs').readFileSync(path.join(root, 'binding.gyp'), 'utf8')
  return [...gyp.matchAll(/"(native\/[a-z_]+\.cc)"/g)].map((m) => path.join(root, m[1]))
}

/** Node's headers: the prefix of the running Node (official builds ship them), or npm_config_nodedir. */
function nodeHeaders () {
  for (const dir of [process.env.npm_config_nodedir, path.dirname(path.dirname(process.execPath))]) {
    if (dir && existsSync(path.join(dir, 'include', 'node', 'node_api.h'))) return path.join(dir, 'include', 'node')
  }
  throw new Error('no Node headers (include/node/node_api.h) under this Node\'s prefix or npm_config_nodedir')
}

t.test('the addon under AddressSanitizer and UndefinedBehaviorSanitizer: no report, the same records', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'klt-sanitize-'))
  const mock = await startMockKafka()
  t.teardown(async () => {
    rmSync(dir, { recursive: true, force: true })
    await mock.stop()
  })
  const addon = path.join(dir, 'klt_batch.node')
  const rdkafka = path.join(path.dirname(require.resolve('node-rdkafka/package.json')), 'deps', 'librdkafka', 'src')
  execFileSync('g++', ['-std=gnu++17', '-shared', '-fPIC', '-O1', '-g', '-fno-omit-frame-pointer',
    '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-DNAPI_VERSION=8',
    `-I${nodeHeaders()}`, `-I${rdkafka}`, ...sources(), '-ldl', '-o', addon], { stdio: ['ignore', 'inherit', 'inherit'] })
  const symbols = execFileSync('nm', ['-D', addon]).toString()
  t.match(symbols, /__asan_report/, 'the build is instrumented by AddressSanitizer')
  t.match(symbols, /__ubsan_handle/, 'and by UndefinedBehaviorSanitizer')
  const asan = execFileSync('g++', ['-print-file-name=libasan.so']).toString().trim()
  t.ok(path.isAbsolute(asan) && existsSync(asan), `libasan found (${asan})`)
  const env = {
    KLT_NATIVE_ADDON: addon,
    // the sanitizers' runtime must come first; Node itself is not built for leak checks
    LD_PRELOAD: asan,
    ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1:halt_on_error=1',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1'
  }
  const bad = spawnSync(process.execPath, [BAD_ARGUMENTS], { env: { ...process.env, ...env }, timeout: 60000 })
  t.equal(bad.status, 0, 'the addon\'s calls with bad arguments: the process ended well')
  t.notMatch(bad.stderr.toString(), /Sanitizer|runtime error:/, 'with no sanitizer report')
  const calls = JSON.parse(bad.stdout.toString() || '{}')
  t.ok(calls.calls > 0 && calls.threw === calls.calls, `${calls.threw} of ${calls.calls} calls threw`)
  await compareRuns(t, {
    bootstrap: mock.bootstrap,
    topics: (prefix) => mock.topics(prefix),
    dir,
    sets: lineSets(GENERATED, 2828),
    runs: [
      ...['keyed', 'levels', 'inherited', 'proto', 'hostname'].map((config) => ({ config, set: 'corpus' })),
      { config: 'keyed', set: 'generated', paths: ['produce', 'batches', 'lines', 'each'] }
    ],
    childEnv: env
  })
})
