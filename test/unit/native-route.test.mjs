// Issue #34: the native path reaches librdkafka through its public C API and plugin
// interface only; when it cannot be had (a missing or broken addon, another librdkafka
// major), records go through produce(), it says why, and nothing crashes.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const root = path.resolve(import.meta.dirname, '..', '..')
const { librdkafkaMismatch } = require('../../dist/core/native-batch.js')

t.test('librdkafka versions: the addon calls a loaded librdkafka of its header\'s major version only', async (t) => {
  t.equal(librdkafkaMismatch(0x020c00ff, 0x020c00ff), '', 'the same version')
  t.equal(librdkafkaMismatch(0x020c00ff, 0x020001ff), '', 'an older 2.x: the C ABI holds within 2.x')
  t.equal(librdkafkaMismatch(0x020c00ff, 0x021400ff), '', 'a newer 2.x')
  t.match(librdkafkaMismatch(0x020c00ff, 0x030000ff), /librdkafka 3\.0\.0 is loaded, the addon was built for 2\.12\.0/)
  t.match(librdkafkaMismatch(0x020c00ff, 0x010900ff), /1\.9\.0/)
  t.match(librdkafkaMismatch(0x020c00ff, 0), /0\.0\.0/, 'none found')
})

/** A copy of the built package whose addon is `addon` (bytes, or null: none), run with `code`. */
function runWithAddon (t, addon, code) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-addon-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const pkg = path.join(dir, 'node_modules', 'kafka-log-transport')
  fs.mkdirSync(pkg, { recursive: true })
  for (const f of ['package.json', 'dist', 'scripts']) fs.cpSync(path.join(root, f), path.join(pkg, f), { recursive: true })
  if (addon !== null) {
    fs.mkdirSync(path.join(pkg, 'build', 'Release'), { recursive: true })
    fs.writeFileSync(path.join(pkg, 'build', 'Release', 'klt_batch.node'), addon)
  }
  // its dependencies: this checkout's (NODE_PATH serves CommonJS requires)
  return spawnSync(process.execPath, ['-e', code], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: path.join(root, 'node_modules'), KLT_NATIVE_BATCH: '' }
  })
}

const PROBE = `
const { describeProducePath, KafkaLogProducer } = require('kafka-log-transport')
const p = new KafkaLogProducer({ brokers: '127.0.0.1:1', topic: 'x' })
process.stdout.write(JSON.stringify({ path: describeProducePath(), native: p.metrics().nativePath }))
p.close().then(() => process.exit(0))
`

t.test('a broken addon file: produce() per record, the reason and the fix said, no crash', async (t) => {
  const r = runWithAddon(t, Buffer.from('not an ELF file'), PROBE)
  t.equal(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  t.match(out.path, /^produce\(\) per record \(the native batch path: it did not load \(.*\): run `npm rebuild kafka-log-transport`/)
  t.same(out.native.inUse, false)
  t.match(out.native.problem, /it did not load/)
})

t.test('no addon at all (install scripts did not run): said with the commands for npm and pnpm', async (t) => {
  const r = runWithAddon(t, null, PROBE)
  t.equal(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  t.match(out.native.problem, /not built for .*, and its install script did not run: run `npm rebuild kafka-log-transport` \(npm 11: `npm install-scripts approve kafka-log-transport` first; pnpm: `pnpm approve-builds`/)
})

t.test('the build at install failed: its reason is kept and said', async (t) => {
  const r = runWithAddon(t, null, `
    const fs = require('node:fs'); const path = require('node:path')
    const pkg = path.dirname(require.resolve('kafka-log-transport/package.json'))
    fs.mkdirSync(path.join(pkg, 'build'), { recursive: true })
    fs.writeFileSync(path.join(pkg, 'build', 'native-build-failed.txt'), 'gyp ERR! stack Error: not found: make\\n')
    ${PROBE}`)
  t.equal(r.status, 0, r.stderr)
  t.match(JSON.parse(r.stdout).native.problem, /its build at install failed \(gyp ERR! stack Error: not found: make\)/)
})

t.test('the addon names no private header of node-rdkafka and links no librdkafka', async (t) => {
  for (const f of fs.readdirSync(path.join(root, 'native'))) {
    const text = fs.readFileSync(path.join(root, 'native', f), 'utf8')
    t.notMatch(text, /#define protected public|#include "src\/|nan\.h|v8\.h/, `${f}: Node-API and librdkafka's C header only`)
  }
  t.notMatch(fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8'), /-lrdkafka|build\/deps/, 'nothing from node-rdkafka\'s build')
})
