// `npm pack` / `npm publish` run this (prepack): put the addon for this platform in
// prebuilds/, so that an install here compiles nothing of ours (issue #34). The addon is
// Node-API (one file for every Node we support) and links no librdkafka: it needs glibc
// 2.34 or later and libstdc++ (elsewhere the install script builds it from source). The
// checkout's own build is taken when it is newer than every source; else it is built first
// (a rebuild removes build/ for a while: tests running beside a pack would lose the addon).
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const { buildWithGyp, prebuiltPath } = require('./native-files.cjs')

const root = path.join(__dirname, '..')
const built = path.join(root, 'build', 'Release', 'klt_batch.node')
if (process.env.KLT_NATIVE_BATCH === '0') process.exit(0)

const sources = ['binding.gyp', ...fs.readdirSync(path.join(root, 'native')).map((f) => path.join('native', f))]
const newest = Math.max(...sources.map((f) => fs.statSync(path.join(root, f)).mtimeMs))
if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < newest) {
  const r = buildWithGyp(root)
  if (!r.ok) {
    process.stderr.write(`prebuild: the addon did not build (${r.why}): the package would ship without a prebuilt addon\n`)
    process.exit(1)
  }
}
const file = prebuiltPath(root)
fs.mkdirSync(path.dirname(file), { recursive: true })
// through a temporary file: a pack running beside this one (two test files) reads a whole addon, never half of one
const temp = `${file}.${process.pid}.tmp`
fs.copyFileSync(built, temp)
fs.renameSync(temp, file)
process.stderr.write(`prebuild: ${path.relative(root, file)}\n`)
