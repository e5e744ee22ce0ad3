// Issue #28: the addon's functions with arguments JS could pass by mistake throw (never abort
// the process), and line plans are freed when the producer lets go of them (one was kept
// forever per producer and per setLevelLabels(), that is per pino() logger on a destination);
// log ids go on when the OS refuses random bytes.
import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const { batchAddon } = require('../../dist/core/native-batch.js')
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures')

/** Run a fixture in its own process (an abort would end it, not this test); its stdout. */
export function fixture (args, env = {}) {
  return execFileSync(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 }).toString()
}

t.test('every addon call with bad arguments throws, on a live librdkafka handle', async (t) => {
  if (batchAddon() === undefined) return t.fail('the native addon is not built (`npm rebuild kafka-log-transport`)')
  const r = JSON.parse(fixture([path.join(fixtures, 'addon-bad-arguments.mjs')]))
  t.equal(r.threw, r.calls, `${r.threw} of ${r.calls} calls threw`)
  for (const [call, message] of Object.entries(r.messages)) t.not(message, 'did not throw', call)
})

t.test('line plans are freed: 40,000 plans of 10 KB let go grow RSS by far less than 400 MB', async (t) => {
  if (batchAddon() === undefined) return t.fail('the native addon is not built (`npm rebuild kafka-log-transport`)')
  const grew = Number(fixture(['--expose-gc', path.join(fixtures, 'addon-plans-freed.cjs')]))
  t.ok(grew < 100, `RSS grew ${grew} MiB`)
})

t.test('log ids when getrandom() fails (seccomp, ENOSYS): the line path goes on, nothing hangs', async (t) => {
  if (batchAddon() === undefined) return t.fail('the native addon is not built (`npm rebuild kafka-log-transport`)')
  const dir = mkdtempSync(path.join(tmpdir(), 'klt-getrandom-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const shim = path.join(dir, 'shim.so')
  execFileSync('cc', ['-shared', '-fPIC', '-o', shim, path.join(fixtures, 'getrandom-fails', 'shim.c')])
  const r = spawnSync(process.execPath, [path.join(fixtures, 'getrandom-fails', 'produce.mjs')],
    { env: { ...process.env, LD_PRELOAD: shim }, timeout: 60000 })
  t.equal(r.signal, null, 'it ended by itself (it spun forever before)')
  t.match(r.stderr.toString(), /shim: getrandom refused/, 'the addon met a failing getrandom()')
  const out = JSON.parse(r.stdout.toString() || '{}')
  t.match(out.path, /^native lines/, 'on the native line path')
  t.equal(out.delivered, 2000, 'every line delivered, each with its log id')
})
