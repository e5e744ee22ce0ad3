// `pipe` gives up on a broker it cannot reach, so its message must not repeat the core's
// "Still retrying, buffering up to N records." (the regex meant to cut that sentence off
// looked for "; still retrying", which the core never writes).
import t from 'tap'
import { runCli } from '../fixtures/cli-run.mjs'

t.test('pipe, broker unreachable: names the broker and the reason, promises no retrying', async (t) => {
  const r = await runCli(['pipe', '-b', '127.0.0.1:9', '-t', 'nowhere', '--timeout', '1s'], { input: 'one\ntwo\n' })
  t.equal(r.code, 1, 'exit 1: runtime error')
  t.match(r.stderr, /^kafka-log-transport pipe: could not connect to Kafka at 127\.0\.0\.1:9 within 1000 ms \(/, 'names the broker')
  t.match(r.stderr, /\(.*(Connection refused|transport failure).*\); 2 line\(s\) read, none delivered\n$/, 'gives the reason, then what became of the input')
  t.notMatch(r.stderr, /still retrying/i, 'no promise to retry: pipe has given up')
  t.notMatch(r.stderr, /buffering up to/i, 'nor to buffer')
})
