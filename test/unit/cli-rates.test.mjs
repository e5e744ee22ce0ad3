// watch's rates, EWMA baseline and alerts: pure, driven by a fake clock.
import t from 'tap'
import { TrafficWatch, alertLine, alertJson, watchPrometheus, checkWatchConfig } from '../../dist/cli/rates.js'

const base = { windowMs: 1000, tickMs: 100, baselineMs: 2000, warmupMs: 2000, drop: 0.5, spike: 3, minRate: 5 }

/** Feed `perTick(i)` records per tick for `ticks` ticks; collect events. */
function drive (w, clock, ticks, perTick, service = 'api', level = 'info') {
  const events = []
  for (let i = 0; i < ticks; i++) {
    const n = typeof perTick === 'function' ? perTick(i) : perTick
    if (n > 0) w.record(service, level, n)
    clock.now += 100
    events.push(...w.tick(clock.now))
  }
  return events
}

t.test('steady traffic: rate over the window, baseline follows, no alerts', async (t) => {
  const clock = { now: 0 }
  const w = new TrafficWatch(base, 0)
  const events = drive(w, clock, 50, 10) // 10 per 100 ms = 100/s
  t.same(events, [])
  const row = w.rows().find((r) => r.service === 'api' && r.level === 'info')
  t.equal(row.rate, 100)
  t.ok(Math.abs(row.baseline - 100) < 1e-9)
  t.equal(row.total, 500)
  t.ok(w.rows().some((r) => r.service === 'api' && r.level === '*'), 'per service series')
  t.ok(w.rows().some((r) => r.service === '*' && r.level === '*'), 'overall series')
})

t.test('a spike alerts once, then recovers; the baseline does not learn the spike', async (t) => {
  const clock = { now: 0 }
  const w = new TrafficWatch(base, 0)
  t.same(drive(w, clock, 30, 10), [])
  const spike = drive(w, clock, 10, 100) // 1000/s
  const own = spike.filter((e) => e.level === 'info')
  t.equal(own.length, 1, 'one alert for the series, not one per tick')
  t.equal(own[0].kind, 'spike')
  // the windowed rate ramps up over a few ticks before it crosses 3x: the baseline learns only those
  t.ok(own[0].rate > 300 && own[0].baseline >= 100 && own[0].baseline < 125, `rate ${own[0].rate} over baseline ${own[0].baseline}`)
  t.ok(spike.some((e) => e.service === '*' && e.kind === 'spike'), 'the overall series alerts too')
  const after = drive(w, clock, 20, 10)
  const rec = after.filter((e) => e.level === 'info')
  t.equal(rec.length, 1)
  t.equal(rec[0].kind, 'recovered')
  t.equal(rec[0].ended, 'spike')
  const b = w.rows().find((r) => r.level === 'info').baseline
  t.ok(b < 135, `baseline ${b.toFixed(1)}: it did not learn the spike`)
})

t.test('a drop to silence alerts, and recovers when traffic returns', async (t) => {
  const clock = { now: 0 }
  const w = new TrafficWatch(base, 0)
  drive(w, clock, 30, 10)
  const drop = drive(w, clock, 15, 0)
  const own = drop.filter((e) => e.level === 'info')
  t.equal(own.length, 1)
  t.equal(own[0].kind, 'drop')
  t.ok(own[0].rate < 50)
  t.ok(own[0].threshold > 40 && own[0].threshold <= 50, `threshold ${own[0].threshold}: 0.5 x a baseline that learned the ramp down a little`)
  const back = drive(w, clock, 15, 10).filter((e) => e.level === 'info')
  t.same(back.map((e) => e.kind), ['recovered'])
})

t.test('the baseline starts from the rate at the end of the warm-up, then averages: a ramp at the start does not stick', async (t) => {
  const clock = { now: 0 }
  const w = new TrafficWatch({ ...base, baselineMs: 60000 }, 0)
  drive(w, clock, 12, (i) => i) // ramping up while the first window fills
  drive(w, clock, 20, 10) // then 100/s
  const b = w.rows().find((r) => r.level === 'info').baseline
  t.ok(b > 95, `baseline ${b.toFixed(1)} is near the steady rate despite a 60 s time constant`)
  const events = drive(w, clock, 10, 40) // 400/s
  t.equal(events.filter((e) => e.level === 'info')[0]?.kind, 'spike', 'and it still sees a spike')
})

t.test('an alert that outlasts the baseline time constant becomes the new normal', async (t) => {
  const clock = { now: 0 }
  const w = new TrafficWatch(base, 0) // baseline time constant 2 s
  drive(w, clock, 30, 10)
  const events = drive(w, clock, 100, 50).filter((e) => e.level === 'info') // 500/s for 10 s
  t.same(events.map((e) => e.kind), ['spike', 'recovered'])
  t.equal(events[1].adapted, true)
  t.ok(events[1].at - events[0].at >= 2000, 'not before the time constant has passed')
})

t.test('no alerts during warm-up, nor below --min-rate', async (t) => {
  const clock = { now: 0 }
  const w = new TrafficWatch({ ...base, warmupMs: 5000 }, 0)
  t.same(drive(w, clock, 12, 10), [])
  t.same(drive(w, clock, 10, 100), [], 'spike inside warm-up')
  const quiet = new TrafficWatch(base, 0)
  const c2 = { now: 0 }
  drive(quiet, c2, 30, 0.2) // 2/s, under min-rate 5
  t.same(drive(quiet, c2, 10, 0), [], 'a drop from a baseline under min-rate is noise')
})

t.test('a service that appears later spikes from a zero baseline', async (t) => {
  const clock = { now: 0 }
  const w = new TrafficWatch(base, 0)
  drive(w, clock, 30, 10)
  const events = drive(w, clock, 5, 5, 'api', 'error')
  const e = events.find((x) => x.level === 'error')
  t.equal(e?.kind, 'spike')
  t.equal(e?.baseline, 0)
})

t.test('the baseline learns slowly: a time constant, independent of the tick', async (t) => {
  for (const tickMs of [50, 100, 200]) {
    const clock = { now: 0 }
    const w = new TrafficWatch({ ...base, tickMs, spike: 0, drop: 0 }, 0)
    const step = () => { clock.now += tickMs; w.tick(clock.now) }
    for (let i = 0; i < 5000 / tickMs; i++) { w.record('a', 'info', tickMs / 10); step() } // 100/s, past the running-mean start
    for (let i = 0; i < 2000 / tickMs; i++) { w.record('a', 'info', tickMs / 5); step() } // 200/s for one time constant
    const b = w.rows().find((r) => r.level === 'info').baseline
    t.ok(b > 150 && b < 185, `tick ${tickMs} ms: baseline ${b.toFixed(1)} ~ 100 + 100 x (1 - 1/e) after one time constant`)
  }
})

t.test('config checks', async (t) => {
  t.equal(checkWatchConfig(base), undefined)
  t.match(checkWatchConfig({ ...base, windowMs: 50 }), /window/)
  t.match(checkWatchConfig({ ...base, drop: 1.5 }), /--drop/)
  t.match(checkWatchConfig({ ...base, spike: 0.5 }), /--spike/)
  t.equal(checkWatchConfig({ ...base, spike: 0, drop: 0 }), undefined, '0 disables')
  t.throws(() => new TrafficWatch({ ...base, tickMs: 0 }, 0), RangeError)
})

t.test('alert lines, JSON, Prometheus text', async (t) => {
  const e = { kind: 'spike', service: 'api', level: 'error', rate: 52, baseline: 3.14, threshold: 9.42, at: Date.UTC(2026, 0, 1) }
  t.equal(alertLine(e), '2026-01-01T00:00:00.000Z ALERT spike service=api level=error rate=52.0/s baseline=3.1/s threshold=9.4/s')
  t.equal(alertLine({ ...e, kind: 'recovered', ended: 'drop', adapted: false }), '2026-01-01T00:00:00.000Z OK recovered service=api level=error rate=52.0/s baseline=3.1/s (after drop)')
  t.match(alertLine({ ...e, kind: 'recovered', ended: 'spike', adapted: true }), / OK adapted service=api .*\(after spike; the baseline learned the new rate\)$/)
  t.same(JSON.parse(alertJson(e)), { time: '2026-01-01T00:00:00.000Z', ...e })
  const text = watchPrometheus([{ service: 'a"b', level: 'info', rate: 1.5, baseline: 1, total: 9, alerting: 'drop' }], { drop: 1, spike: 0 })
  t.match(text, /^kafka_log_transport_watch_rate\{service="a\\"b",level="info"\} 1.5$/m)
  t.match(text, /^kafka_log_transport_watch_alerting\{service="a\\"b",level="info"\} 1$/m)
  t.match(text, /^kafka_log_transport_watch_alerts_total\{kind="drop"\} 1$/m)
  for (const line of text.trim().split('\n')) t.ok(/^# (HELP|TYPE) \w+ .+$/.test(line) || /^\w+(\{[^}]*\})? -?[\d.e+]+$/.test(line), line)
})
