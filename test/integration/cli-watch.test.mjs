// `kafka-log-transport watch` as a real process against the real broker: steady traffic,
// then a spike, then silence; it must alert on both, run --exec, and serve /metrics.
import t from 'tap'
import { KafkaLogProducer } from 'kafka-log-transport'
import { brokers, createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { runCli, startCli } from '../fixtures/cli-run.mjs'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Log traffic of service `api` at `rate.perSecond` (changeable) until `rate.stop`. */
async function traffic (producer, rate) {
  while (!rate.stop) {
    const n = Math.round(rate.perSecond / 20)
    for (let i = 0; i < n; i++) producer.write({ level: 30, time: Date.now(), service: 'api', msg: 'req' })
    await sleep(50)
  }
}

t.test('watch alerts on a spike and on a drop, runs --exec, serves Prometheus text', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-cli-watch'))
  const producer = new KafkaLogProducer({ brokers: brokers(), topic, lingerMs: 1 })
  t.teardown(() => producer.close(2000))
  await producer.connect()
  const rate = { perSecond: 200, stop: false }
  const generator = traffic(producer, rate) // steady traffic already flows when watch starts
  const w = startCli(['watch', '-b', brokers(), '-t', topic, '--window', '1s', '--tick', '100ms', '--baseline', '3s', '--warmup', '2s',
    '--min-rate', '20', '--metrics-port', '0', '-v', '--exec', 'echo "exec saw $KLT_ALERT_KIND $KLT_ALERT_SERVICE/$KLT_ALERT_LEVEL"'])
  t.teardown(() => w.child.kill('SIGKILL'))
  const started = await w.waitFor('stderr', /watching klt-cli-watch-\S+ \(1 partition\(s\)\)/)
  const url = /metrics at (http:\/\/\S+\/metrics)/.exec(started)?.[1]
  t.ok(url, `metrics endpoint announced: ${url}`)
  // steady: -v reports the rates once per window (1 s); its third report comes past the 2 s
  // warm-up, and shows a baseline for api/info
  await w.waitFor('stderr', /(?:^watch: (?!brokers=).*\n(?:.*\n)*?){2}^watch: .*api\/info [\d.]+\/s \(base [\d.]+\)/m)
  t.equal(w.stdout(), '', 'no alert while traffic is steady')
  rate.perSecond = 1000 // spike: 5x
  await w.waitFor('stdout', /ALERT spike service=api level=info rate=\S+ baseline=\S+ threshold=\S+/, 5000)
  await sleep(1000)
  rate.perSecond = 200 // back to normal
  await w.waitFor('stdout', /OK recovered service=api level=info .*\(after spike\)/, 5000)
  const metrics = await (await fetch(url)).text()
  t.match(metrics, /^kafka_log_transport_watch_rate\{service="api",level="info"\} [\d.]+$/m)
  t.match(metrics, /^kafka_log_transport_watch_alerts_total\{kind="spike"\} [1-9]\d*$/m)
  rate.stop = true // silence: a drop
  await generator
  await w.waitFor('stdout', /ALERT drop service=api level=info rate=\S+/, 5000)
  await w.waitFor('stderr', /exec saw drop api\/info/, 5000)
  t.match(w.stderr(), /exec saw spike api\/info/, '--exec ran for the spike')
  t.match(w.stdout(), /ALERT drop service=\* level=\*/, 'the overall series dropped too')

  w.child.kill('SIGINT')
  const r = await w.done
  t.equal(r.code, 0, 'SIGINT stops watch with exit 0')
})

t.test('watch: --duration ends it; bad windows are usage errors; an unreachable broker exits 1', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-cli-watch'))
  const timed = await runCli(['watch', '-b', brokers(), '-t', topic, '--window', '200ms', '--duration', '1s', '--json'])
  t.equal(timed.code, 0, timed.stderr)
  t.ok(timed.ms < 8000, `--duration 1s: exited after ${timed.ms} ms`)
  const bad = await runCli(['watch', '-b', brokers(), '-t', topic, '--window', '100ms', '--tick', '1s'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /window \(100 ms\) must be at least one tick/)
  const down = await runCli(['watch', '-b', '127.0.0.1:9', '-t', topic, '--timeout', '2s'])
  t.equal(down.code, 1)
  t.ok(down.ms < 10000, `exited after ${down.ms} ms`)
  t.match(down.stderr, /watch: could not connect to Kafka at 127\.0\.0\.1:9 within 2000 ms/)
})
