// `npm install` runs this: make sure the optional native path (native/, binding.gyp) is there.
// The package ships a prebuilt addon for common platforms (prebuilds/, made by
// scripts/prebuild.cjs at pack time): when it loads here, nothing is compiled. Else it is
// built with node-gyp against Node-API and the librdkafka header in node-rdkafka's sources,
// so it needs nothing node-rdkafka's own build makes: the order in which the package
// manager runs install scripts does not matter. It is optional: when it cannot be had, the
// install goes on, the producer uses node-rdkafka's produce() (same records, more CPU), the
// reason is kept in build/native-build-failed.txt and said at connect.
// KLT_NATIVE_BATCH=0 skips it; KLT_NATIVE_BUILD=1 compiles even when a prebuilt addon loads.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const { buildWithGyp, prebuiltPath } = require('./native-files.cjs')

const root = path.join(__dirname, '..')
const failedFile = path.join(root, 'build', 'native-build-failed.txt')
const say = (m) => process.stderr.write(`kafka-log-transport: ${m}\n`)

function loads (file) {
  try {
    require(file)
    return true
  } catch {
    return false
  }
}

if (process.env.KLT_NATIVE_BATCH === '0') process.exit(0)
fs.rmSync(failedFile, { force: true })
if (process.env.KLT_NATIVE_BUILD !== '1' && fs.existsSync(prebuiltPath(root)) && loads(prebuiltPath(root))) process.exit(0)

const built = buildWithGyp(root)
if (!built.ok) {
  fs.mkdirSync(path.dirname(failedFile), { recursive: true })
  fs.writeFileSync(failedFile, `${built.why}\n`)
  say('the native path could not be built; node-rdkafka\'s produce() is used instead (same records, more CPU per record).')
  say(`  ${built.why}`)
  say('To retry: npm rebuild kafka-log-transport (needs a C++ compiler, make and python3)')
}
process.exit(0)
