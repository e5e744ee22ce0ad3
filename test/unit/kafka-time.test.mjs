// Issue #32: which time becomes a record's Kafka timestamp (pure: no broker).
import t from 'tap'
import { createRequire } from 'node:module'

const { KafkaClock, AHEAD_MS, OLDEST_MS, CORRECTION_STEP_MS, MAX_CORRECTION_MS } = createRequire(import.meta.url)('../../dist/core/record/kafka-time.js')
const { epochMs } = createRequire(import.meta.url)('../../dist/core/record/level-time.js')

const NOW = Date.UTC(2026, 11, 7, 12)
const HOUR = 3600 * 1000

t.test('an own time that can be a log time is the Kafka timestamp; any other, the send time (0: librdkafka\'s now)', async (t) => {
  const c = new KafkaClock()
  const cases = [
    ['now', NOW, NOW],
    ['a minute ago', NOW - 60000, NOW - 60000],
    ['a year ago', NOW - 365 * 24 * HOUR, NOW - 365 * 24 * HOUR],
    ['just inside the window ahead', NOW + AHEAD_MS, NOW + AHEAD_MS],
    ['just past it', NOW + AHEAD_MS + 1, 0],
    ['an hour ahead (Kafka takes it; not a log time)', NOW + HOUR, 0],
    ['ten years ahead', NOW + 10 * 365 * 24 * HOUR, 0],
    ['1999-12-31', OLDEST_MS - 1, 0],
    ['2000-01-01', OLDEST_MS, OLDEST_MS],
    ['none', null, 0]
  ]
  for (const [what, own, want] of cases) t.equal(c.stamp(own, NOW), want, what)
})

t.test('the times a line can carry, as the producer reads them (s, ms, µs, ns, huge, negative, 0)', async (t) => {
  const c = new KafkaClock()
  const ms = Date.now()
  const stamp = (v) => c.stamp(epochMs(v))
  t.equal(stamp(ms), ms, 'ms')
  t.equal(stamp(Math.floor(ms / 1000)), Math.floor(ms / 1000) * 1000, 'seconds')
  t.equal(stamp(ms * 1000), ms, 'µs')
  t.equal(stamp(ms * 1e6), ms, 'ns')
  let off = 0
  for (let i = 0; i < 100000; i++) {
    const m = ms + i * 7919
    if (epochMs(m * 1e6) !== m || epochMs(m * 1000) !== m || epochMs(`${m}000000`) !== m || epochMs(`${m}123456`) !== m) off++
  }
  t.equal(off, 0, 'ns and µs, as numbers and as digits, for 100k times from now: none moved a ms (a float rounds ms * 1e6)')
  t.equal(epochMs(1765000000000.99), 1765000000000, 'a real fraction under a whole ms (10 µs) is still cut down')
  t.equal(stamp(1e300), 0, '1e300: the send time')
  t.equal(stamp(1e20), 0, '1e20 (a float past 2^64, as JSON.parse reads 99999999999999999999): the send time')
  t.equal(stamp(-5), 0, 'negative')
  t.equal(stamp(0), 0, '0')
  t.equal(stamp(1), 0, '1 (1970 in seconds)')
  t.equal(stamp(Number.NaN), 0, 'NaN')
})

t.test('sent() counts the records whose own time was not used', async (t) => {
  const c = new KafkaClock()
  c.sent(NOW, NOW)
  c.sent(null, 0)
  c.sent(NOW + HOUR, 0)
  t.equal(c.replaced, 1)
})

t.test('a refused record is sent again with the send time; refused once, the clock is not corrected', async (t) => {
  const c = new KafkaClock()
  t.equal(c.refused('logs\na', NOW), NOW, 'a record three minutes ahead (a topic that allows one): the send time')
  t.equal(c.refused('logs\nb', NOW), NOW, 'another')
  c.nextWave()
  t.equal(c.refused('logs\nc', NOW + 10), NOW + 10, 'and one in a later wave')
  t.equal(c.correctionMs, 0)
  t.equal(c.resent, 3)
})

t.test('a record refused only for its batch goes again with the stamp it had', async (t) => {
  const c = new KafkaClock()
  t.equal(c.again(c.stamp(NOW - 5, NOW)), NOW - 5)
  t.equal(c.again(c.stamp(null, NOW)), 0, 'the send time (librdkafka\'s now)')
  t.equal(c.resent, 2)
  t.equal(c.correctionMs, 0)
})

t.test('a record sent again with the send time and refused again: the host clock is ahead, the send time steps back an hour', async (t) => {
  const c = new KafkaClock()
  // the host is 2.5 h ahead of the broker (window: 1 h ahead): every record stamped at the host's now is refused
  t.equal(c.refused('logs\na', NOW), NOW, 'refused: sent again with the send time')
  t.equal(c.refused('logs\nb', NOW), NOW)
  t.equal(c.refused('logs\na', NOW + 1), NOW + 1, 'a copy of the same line in the same wave of reports is not the line refused again')
  c.nextWave()
  t.equal(c.refused('logs\na', NOW + 5), NOW + 5 - HOUR, 'refused again in a later wave: the send time steps back')
  t.equal(c.refused('logs\nb', NOW + 6), NOW + 6 - HOUR, 'another of that wave, sent before the step: no second step')
  t.equal(c.correctionMs, CORRECTION_STEP_MS)
  t.equal(c.refused('logs\nz', NOW + 7), NOW + 7 - HOUR, 'a record sent before the step, refused for the first time: no step')
  t.equal(c.correctionMs, CORRECTION_STEP_MS)
  t.equal(c.stamp(null, NOW + 1000), NOW + 1000 - HOUR, 'new records get the corrected send time')
  t.equal(c.stamp(NOW, NOW), NOW - HOUR, 'an own time from the fast clock is past the corrected window: the send time')
  t.equal(c.stamp(NOW - HOUR - 1000, NOW), NOW - HOUR - 1000, 'an own time inside it is kept')
  c.nextWave()
  t.equal(c.refused('logs\na', NOW + 50), NOW + 50 - 2 * HOUR, 'refused with the corrected time too: another step')
  t.equal(c.correctionMs, 2 * CORRECTION_STEP_MS)
  t.equal(c.resent, 7)
})

t.test('a record refused whatever its time (a keyless record on a compacted topic) fails after three steps', async (t) => {
  const c = new KafkaClock()
  let calls = 0
  for (let now = NOW; c.refused('compacted\nx', now) !== undefined; now += 5) {
    c.nextWave()
    calls++
  }
  t.equal(calls, 4, 'once, then once per step')
  t.equal(c.correctionMs, 3 * CORRECTION_STEP_MS)
})

t.test('the correction stops at MAX_CORRECTION_MS: then the record fails', async (t) => {
  const c = new KafkaClock()
  let steps = 0
  for (let i = 0; ; i++) {
    const id = `logs\n${Math.floor(i / 4)}` // each line: refused, then refused again after each of three steps
    c.nextWave()
    if (c.refused(id, NOW + i) === undefined) break
    if (i > 10000) break
    steps = c.correctionMs / CORRECTION_STEP_MS
  }
  t.equal(steps, MAX_CORRECTION_MS / CORRECTION_STEP_MS)
  t.equal(c.correctionMs, MAX_CORRECTION_MS)
})
