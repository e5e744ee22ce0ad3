// `npm pack` / `npm publish` run this (prepack): build the addon and put it in prebuilds/
// for this platform, so that an install here compiles nothing of ours (issue #34). The
// addon is Node-API (one file for every Node we support) and links no librdkafka: it needs
// glibc 2.34 or later and libstdc++ (elsewhere the install script builds it from source).
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const { buildWithGyp, prebuiltPath } = require('./native-files.cjs')

const root = path.join(__dirname, '..')
if (process.env.KLT_NATIVE_BATCH === '0') process.exit(0)
const built = buildWithGyp(root)
if (!built.ok) {
  process.stderr.write(`prebuild: the addon did not build (${built.why}): the package would ship without a prebuilt addon\n`)
  process.exit(1)
}
const file = prebuiltPath(root)
fs.mkdirSync(path.dirname(file), { recursive: true })
fs.copyFileSync(path.join(root, 'build', 'Release', 'klt_batch.node'), file)
process.stderr.write(`prebuild: ${path.relative(root, file)}\n`)
