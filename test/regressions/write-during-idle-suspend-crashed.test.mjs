// A process idle while it awaited flush() (nothing else kept it alive) had its connection
// suspended; the next burst came while that disconnect was under way. connect() then ran on
// the node-rdkafka producer being torn down, which called back at once as "connected", with
// no name: claimHandle(undefined) threw a TypeError out of a timer and the process died (and
// poll() on the torn-down producer threw "Producer is disconnected"). Found by a benchmark of
// the native line path (issue #28). Now a connect waits for the suspension to end.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'suspend-race.mjs')

t.test('bursts between idle flushes: no crash, every line delivered and read back', async (t) => {
  const r = spawnSync(process.execPath, [fixture], { timeout: 120000 })
  const stderr = r.stderr.toString()
  t.equal(r.status, 0, `it ended well ${stderr.slice(-800)}`)
  t.notMatch(stderr, /TypeError|Producer is disconnected/)
  t.notMatch(stderr, /native path is not in use/, 'and kept the native path')
  t.same(JSON.parse(r.stdout.toString() || '{}'), { written: 200000, delivered: 200000, read: 200000 })
})
