// Issue #9: secrets never appear in errors, warnings, metrics, options dumps or CLI output.
import t from 'tap'
import { execFile, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { brokers } from '../helpers/kafka.mjs'

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const run = async (args) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd: root, timeout: 60000 })
    return { out: stdout + stderr, code: 0 }
  } catch (err) {
    return { out: `${err.stdout ?? ''}${err.stderr ?? ''}`, code: err.code }
  }
}

t.test('a SASL password appears nowhere in what the core reports', async (t) => {
  const password = `pw-${randomUUID()}`
  const { out } = await run([path.join('test', 'fixtures', 'secrets-app.mjs'), brokers(), password])
  t.match(out, /kafka_log_transport_records_written_total/, 'the fixture ran to the end')
  t.match(out, /(error|warning) /, 'and reported the failure to connect')
  t.notOk(out.includes(password), 'the password is not in any output')
  t.ok(out.includes('[redacted]'), 'options dumps show it redacted')
})

t.test('nor in the CLI output, verbose or failing', async (t) => {
  const password = `pw-${randomUUID()}`
  const cli = path.join('dist', 'cli', 'bin.js')
  const sasl = ['-X', `sasl.password=${password}`, '-X', 'security.protocol=sasl_plaintext', '-X', 'sasl.mechanisms=PLAIN', '-X', 'sasl.username=u']
  const piped = (args) => {
    const r = spawnSync(process.execPath, args, { cwd: root, input: '{"level":30,"msg":"one"}\n', timeout: 60000, encoding: 'utf8' })
    return { out: r.stdout + r.stderr, code: r.status }
  }
  const outs = [
    piped([cli, 'pipe', '-b', brokers(), '-t', 'x', '--timeout', '2s', '--flush-timeout', '2s', '-v', ...sasl]),
    piped([cli, 'pipe', '-b', '127.0.0.1:9', '-t', 'x', '--timeout', '1s', '-v', ...sasl]),
    await run([cli, 'tail', '-b', '127.0.0.1:9', '-t', 'x', '--timeout', '1s', '-v', ...sasl]),
    await run([cli, 'pipe', '-t', 'x', '-X', 'no.such.property=1', '-X', `sasl.password=${password}`])
  ]
  for (const { out, code } of outs) {
    t.not(code, 0, 'fails as it should')
    t.notOk(out.includes(password), `the password is not in: ${out.slice(0, 200).replace(/\n/g, ' | ')}`)
  }
})
