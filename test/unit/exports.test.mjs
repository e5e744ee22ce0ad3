// Every entry of the exports map works with both import and require(), and ships types.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)
const root = path.dirname(require.resolve('kafka-log-transport/package.json'))
const entries = {
  'kafka-log-transport': ['KafkaLogProducer', 'ConfigError', 'SpoolLockedError', 'safeStringify'],
  'kafka-log-transport/pino': ['default', 'kafkaDestination', 'pinoTransport'],
  'kafka-log-transport/winston': ['KafkaTransport']
}

function run (args) {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
}

for (const [spec, names] of Object.entries(entries)) {
  t.test(`${spec}: require() and import give the same named exports`, async (t) => {
    const cjs = JSON.parse(run(['-e', `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(spec)}))))`]))
    const esm = JSON.parse(run(['--input-type=module', '-e', `console.log(JSON.stringify(Object.keys(await import(${JSON.stringify(spec)}))))`]))
    for (const n of names) {
      if (n !== 'default') t.ok(cjs.includes(n), `require: ${n}`)
      t.ok(esm.includes(n), `import: ${n}`)
    }
  })
  t.test(`${spec}: type declarations are shipped`, async (t) => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))
    const sub = spec === 'kafka-log-transport' ? '.' : './' + spec.split('/')[1]
    const types = pkg.exports[sub].types
    t.ok(fs.existsSync(path.join(root, types)), `${types} exists`)
  })
}

t.test('import and require() share one module instance (no dual-package hazard)', async (t) => {
  const out = run(['--input-type=module', '-e',
    "import { createRequire } from 'node:module'; const r = createRequire(process.cwd() + '/'); " +
    "const a = await import('kafka-log-transport'); console.log(a.KafkaLogProducer === r('kafka-log-transport').KafkaLogProducer)"])
  t.equal(out.trim(), 'true')
})
