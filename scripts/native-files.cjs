// The addon's files and how it is built: one rule for scripts/prebuild.cjs (pack time),
// scripts/build-native.cjs (install time) and lib/core/native-batch.ts (run time).
'use strict'
const { spawnSync } = require('node:child_process')
const path = require('node:path')

/** The prebuilt addon's file under the package root `root`: prebuilds/<platform>-<arch>[-glibc|-musl]/. */
function prebuiltPath (root) {
  let libc = ''
  if (process.platform === 'linux') libc = process.report?.getReport().header.glibcVersionRuntime === undefined ? '-musl' : '-glibc'
  return path.join(root, 'prebuilds', `${process.platform}-${process.arch}${libc}`, 'klt_batch.node')
}

/** `node-gyp rebuild` in `root` (npm gives its scripts its own node-gyp; other package managers put one on PATH). */
function buildWithGyp (root) {
  const gyp = process.env.npm_config_node_gyp
  const [command, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']]
  const r = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  const why = r.error ? r.error.message : (r.stderr ?? '').split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join('\n  ')
  return { ok: r.status === 0, why: why || `node-gyp exited with ${r.status}` }
}

module.exports = { prebuiltPath, buildWithGyp }
