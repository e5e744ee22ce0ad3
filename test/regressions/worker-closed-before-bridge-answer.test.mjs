// Seen in the test logs (2026-12-04): a pino worker target closed before the main thread's
// half of the signal bridge answered its hello; the late hello posted on the closed
// channel and the app printed "InvalidStateError: BroadcastChannel is closed" as a
// warning. Now a closed target says nothing more.
import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

t.test('worker targets that close at once: no warning about a closed channel', async (t) => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['test/fixtures/worker-close-at-once.mjs'], { timeout: 60000 })
  t.equal(stdout.trim(), 'done')
  t.notMatch(stderr, /BroadcastChannel is closed|InvalidStateError/, stderr)
})
