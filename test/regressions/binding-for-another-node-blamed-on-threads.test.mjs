// Regression (found by the packaged-install test, issue #34): a node-rdkafka binding built
// for another Node version (npm's `nodedir` pointing at other headers) fails with
// ERR_DLOPEN_FAILED, and loadRdkafka() took every ERR_DLOPEN_FAILED for "another thread of
// this process already holds it". It must say the binding is for another Node, and the fix.
import t from 'tap'
import { spawnSync } from 'node:child_process'

// node-rdkafka's require fails as Node fails it for a binding of another NODE_MODULE_VERSION
const HOOK = `
const Module = require('node:module')
const load = Module._load
Module._load = function (request, ...rest) {
  if (request === 'node-rdkafka') {
    throw Object.assign(new Error("The module '/app/node_modules/node-rdkafka/build/Release/node-librdkafka.node'\\n" +
      'was compiled against a different Node.js version using\\nNODE_MODULE_VERSION 115. This version of Node.js requires\\n' +
      'NODE_MODULE_VERSION 137.'), { code: 'ERR_DLOPEN_FAILED' })
  }
  return load.call(this, request, ...rest)
}`

t.test('a binding for another Node: said so, with the fix; not blamed on threads', async (t) => {
  const code = `${HOOK}
    const { loadRdkafka } = require('./dist/internal.js')
    try { loadRdkafka() } catch (err) { process.stdout.write(JSON.stringify({ code: err.code, message: err.message })) }`
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' })
  t.equal(r.status, 0, r.stderr)
  const err = JSON.parse(r.stdout)
  t.equal(err.code, 'KLT_NATIVE_LOAD')
  t.notMatch(err.message, /another thread/)
  t.match(err.message, /built for another Node version than this one \(v\d+/)
  t.match(err.message, /npm rebuild node-rdkafka/)
})
