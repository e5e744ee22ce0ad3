// Issue #18: the native batch path is built at install and used; KLT_NATIVE_BATCH=0 turns it
// off. (What it delivers is checked against Kafka by the integration tests, which run on
// both paths: test/run.mjs.)
import t from 'tap'
import { spawnSync } from 'node:child_process'

const pathWith = (env) => {
  const r = spawnSync(process.execPath, ['-e', "process.stdout.write(require('kafka-log-transport').describeProducePath())"],
    { encoding: 'utf8', env: { ...process.env, ...env } })
  return r.stdout
}

t.test('this install hands records over in native batches (CI: it must)', async (t) => {
  const text = pathWith({ KLT_NATIVE_BATCH: '' })
  if (process.env.CI === 'true') t.equal(text, 'native batches', text)
  else if (text !== 'native batches') t.comment(`not built here: ${text}`)
  else t.pass('native batches')
})

t.test('KLT_NATIVE_BATCH=0: produce() per record, and it says so', async (t) => {
  t.match(pathWith({ KLT_NATIVE_BATCH: '0' }), /^produce\(\) per record \(the native batch path: turned off \(KLT_NATIVE_BATCH=0\)\)$/)
})
