// `kafka-log-transport pipe` and `tail` as real processes against the real broker:
// 100k lines in, counted in Kafka, read back out and compared; failures exit in time.
import t from 'tap'
import { brokers, countRecords, createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { runCli, startCli } from '../fixtures/cli-run.mjs'

const LEVELS = [30, 40, 50]

function lines (n, prefix = 'line') {
  const out = []
  for (let i = 0; i < n; i++) {
    // every 10th line is plain text: pipe sends it as it is, tail shows it as it is
    out.push(i % 10 === 9
      ? `${prefix} ${i} plain text`
      : JSON.stringify({ level: LEVELS[i % 3], time: 1764000000000 + i, service: `svc-${i % 4}`, reqId: `r${i}`, msg: `${prefix} ${i}` }))
  }
  return out
}

t.test('pipe 100k lines in, tail them back out: the same lines', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-cli'), { partitions: 3 })
  const input = lines(100000)
  const piped = await runCli(['pipe', '--topic', topic, '--key', 'service'], { input: input.join('\n') + '\n', env: { KAFKA_BROKERS: brokers() } })
  t.equal(piped.code, 0, `pipe exits 0 (stderr: ${piped.stderr.trim()})`)
  t.match(piped.stderr, /100000 line\(s\) read, 100000 delivered to klt-cli-\S+, 0 failed, 0 dropped, 0 unconfirmed/)
  t.equal(await countRecords(topic), 100000, '100000 records in Kafka')

  const tailed = await runCli(['tail', '-b', brokers(), '-t', topic, '--from-beginning', '--no-follow', '--json'])
  t.equal(tailed.code, 0, `tail exits 0 (stderr: ${tailed.stderr.trim()})`)
  const back = tailed.stdout.split('\n').filter((l) => l !== '')
  t.equal(back.length, 100000, 'tail --no-follow prints every record once, then stops')
  t.same([...back].sort(), [...input].sort(), 'the lines that came out are the lines that went in')
  // keyed by service: each service's lines sit on one partition, in order
  const svc1 = back.filter((l) => l.includes('"service":"svc-1"')).map((l) => JSON.parse(l).reqId)
  t.same(svc1, input.filter((l) => l.includes('"service":"svc-1"')).map((l) => JSON.parse(l).reqId), 'per-key order kept')

  const pretty = await runCli(['tail', '-b', brokers(), '-t', topic, '--from-beginning', '--no-follow', '--level', 'error', '--grep', '"reqId":"r9999\\d"'])
  t.equal(pretty.code, 0)
  const shown = pretty.stdout.trim().split('\n')
  const expected = input.filter((l) => /"reqId":"r9999\d"/.test(l) && l.includes('"level":50'))
  t.equal(shown.length, expected.length, `--level error --grep: ${expected.length} lines`)
  for (const l of shown) t.match(l, /^2025-\S+Z ERROR \[svc-\d\] line 9999\d reqId=r9999\d$/, 'pretty line')
})

t.test('plain text and --tee; a config file and the environment supply settings', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-cli'))
  const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const path = await import('node:path')
  const dir = mkdtempSync(path.join(tmpdir(), 'klt-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'kafka.json')
  writeFileSync(file, JSON.stringify({ brokers: brokers(), rdkafka: { 'client.id': 'cli-test' } }))
  const piped = await runCli(['pipe', '--tee', '-q'], { input: 'first line\r\n\nsecond line', env: { KAFKA_TOPIC: topic, KAFKA_LOG_TRANSPORT_CONFIG: file } })
  t.equal(piped.code, 0, piped.stderr)
  t.equal(piped.stdout, 'first line\r\n\nsecond line', '--tee copies stdin to stdout')
  t.equal(piped.stderr, '', '--quiet: no summary')
  const tailed = await runCli(['tail', '-c', file, '-t', topic, '--from-beginning', '--no-follow'])
  t.equal(tailed.stdout, 'first line\nsecond line\n', 'CRLF stripped, empty lines skipped, last line without newline kept')
})

t.test('tail follows: records written after it started are printed as they arrive; SIGINT ends it with 0', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-cli'), { partitions: 2 })
  await runCli(['pipe', '-b', brokers(), '-t', topic, '-q'], { input: 'old line\n' })
  const tail = startCli(['tail', '-b', brokers(), '-t', topic, '-v'])
  t.teardown(() => tail.child.kill('SIGKILL'))
  await tail.waitFor('stderr', /tail: reading 2 partition\(s\), following/)
  const piped = await runCli(['pipe', '-b', brokers(), '-t', topic, '-q'], { input: '{"level":40,"time":1764000000000,"service":"api","msg":"new one"}\nplain new\n' })
  t.equal(piped.code, 0)
  await tail.waitFor('stdout', /plain new\n/, 10000)
  await tail.waitFor('stdout', /2025-11-24T16:00:00.000Z WARN {2}\[api\] new one\n/, 10000)
  t.notMatch(tail.stdout(), /old line/, 'without --from-beginning only new records')
  tail.child.kill('SIGINT')
  t.equal((await tail.done).code, 0)
})

t.test('SIGINT while the producer app still runs: pipe flushes what it read and exits 0', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-cli'))
  const p = startCli(['pipe', '-b', brokers(), '-t', topic, '--tee'])
  p.child.stdin.write(lines(500).join('\n') + '\n')
  // the records must have been read before the signal: --tee echoes each chunk as pipe takes it
  await p.waitFor('stdout', /line 499 plain text\n/)
  p.child.kill('SIGINT')
  const r = await p.done
  t.equal(r.code, 0, p.stderr())
  t.match(p.stderr(), /500 line\(s\) read, 500 delivered .*\(interrupted\)/)
  t.equal(await countRecords(topic), 500)
  p.child.stdin.destroy()
})

t.test('unreachable broker: pipe says so and exits 1 within its timeout; secrets stay hidden', async (t) => {
  const r = await runCli(['pipe', '-b', '127.0.0.1:9', '-t', 'nowhere', '--timeout', '2s', '-X', 'sasl.password=hunter2', '-v'],
    { input: lines(10).join('\n') })
  t.equal(r.code, 1, 'exit 1')
  t.ok(r.ms < 12000, `exited after ${r.ms} ms (timeout 2 s, plus one connection attempt under way)`)
  t.match(r.stderr, /could not connect to Kafka at 127\.0\.0\.1:9 within 2000 ms.*10 line\(s\) read, none delivered/)
  t.match(r.stderr, /sasl\.password=\[redacted\]/, '--verbose shows the property, masked')
  t.notMatch(r.stderr, /hunter2/)
})

t.test('unreachable broker or missing topic: tail exits 1 with a message', async (t) => {
  const r = await runCli(['tail', '-b', '127.0.0.1:9', '-t', 'nowhere', '--timeout', '2s'])
  t.equal(r.code, 1)
  t.ok(r.ms < 10000, `exited after ${r.ms} ms`)
  t.match(r.stderr, /tail: could not connect to Kafka at 127\.0\.0\.1:9 within 2000 ms/)
  const missing = await runCli(['tail', '-b', brokers(), '-t', uniqueTopic('klt-missing'), '--timeout', '5s'])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /topic "klt-missing-\S+" does not exist/)
})

t.test('a line Kafka cannot take is counted, and pipe exits 3', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-cli'))
  // librdkafka refuses records over message.max.bytes: that line is lost, the others arrive
  const r = await runCli(['pipe', '-b', brokers(), '-t', topic, '-X', 'message.max.bytes=2000'], { input: `a\n${'x'.repeat(5000)}\nb\n` })
  t.equal(r.code, 3, r.stderr)
  t.match(r.stderr, /3 line\(s\) read, 2 delivered .* 1 dropped \(1 too-large\)/)
  t.equal(await countRecords(topic), 2)
})

t.test('--overflow drop-oldest: with Kafka away, stdin keeps flowing and the drops are counted', async (t) => {
  const input = lines(5000).join('\n') + '\n'
  const [r, blocked] = await Promise.all([
    runCli(['pipe', '-b', '127.0.0.1:9', '-t', 'nowhere', '--timeout', '1s', '--max-buffer', '100', '--overflow', 'drop-oldest'], { input }),
    runCli(['pipe', '-b', '127.0.0.1:9', '-t', 'nowhere', '--timeout', '1s', '--max-buffer', '100'], { input })
  ])
  t.equal(r.code, 1)
  t.match(r.stderr, /could not connect .* 5000 line\(s\) read, none delivered/, 'all 5000 lines read: the writer never waited')
  t.equal(blocked.code, 1)
  t.match(blocked.stderr, /100 line\(s\) read, none delivered/, 'block (the default) stopped reading at the bound')
  const bad = await runCli(['pipe', '-b', brokers(), '-t', 'x', '--overflow', 'sometimes'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /--overflow takes block, drop-oldest or drop-newest/)
})

t.test('--topic-template routes each line by its fields', async (t) => {
  const base = uniqueTopic('klt-cli')
  await createTopic(`${base}.api`)
  await createTopic(`${base}.db`)
  const input = ['{"service":"api","msg":"1"}', '{"service":"db","msg":"2"}', '{"service":"api","msg":"3"}'].join('\n')
  const r = await runCli(['pipe', '-b', brokers(), '--topic-template', `${base}.{service}`], { input })
  t.equal(r.code, 0, r.stderr)
  t.equal(await countRecords(`${base}.api`), 2)
  t.equal(await countRecords(`${base}.db`), 1)
  const both = await runCli(['tail', '-b', brokers(), '-t', `${base}.api,${base}.db`, '--from-beginning', '--no-follow', '--json'])
  t.same(both.stdout.trim().split('\n').sort(), input.split('\n').sort(), 'tail reads several topics')
})
