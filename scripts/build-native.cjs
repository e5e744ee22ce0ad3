// `npm install` runs this: build the optional native batch path (binding.gyp, native/) with
// node-gyp, against the node-rdkafka installed beside this package. It is optional: when it
// cannot be built, the install goes on and the producer uses node-rdkafka's produce(), one
// call per record (slower, same behaviour); one notice says why and how to get it.
// KLT_NATIVE_BATCH=0 skips the build.
'use strict'
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')
const say = (m) => process.stderr.write(`kafka-log-transport: ${m}\n`)

if (process.env.KLT_NATIVE_BATCH === '0') process.exit(0)
// npm gives its install scripts its own node-gyp; other package managers put one on PATH
const gyp = process.env.npm_config_node_gyp
const [command, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']]
const r = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
if (r.status !== 0) {
  const why = r.error ? r.error.message : (r.stderr ?? '').split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join('\n  ')
  say('the native batch path could not be built; node-rdkafka\'s produce() is used instead (same behaviour, more CPU per record).')
  if (why) say(`  ${why}`)
  say('To retry: npm rebuild kafka-log-transport (needs the C++ toolchain node-rdkafka needed)')
}
process.exit(0)
