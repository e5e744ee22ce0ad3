// Pure logic behind `watch`: per service+level counts in a sliding window, an EWMA baseline
// of the windowed rate, and alerts on a drop below or a spike above that baseline. No
// timers and no I/O: the caller feeds records and calls tick(now), so tests drive time.

/** Settings of a {@link TrafficWatch}. Durations in ms, rates in records per second. */
export interface WatchConfig {
  /** Length of the sliding window a rate is measured over. */
  windowMs: number
  /** How often rates are evaluated (the window moves by one tick). */
  tickMs: number
  /** Time constant of the EWMA baseline: how long it takes to learn a new normal. */
  baselineMs: number
  /** No alerts before this long after the start (the first window must fill first). */
  warmupMs: number
  /** Alert when the rate falls below `drop` x baseline (0 disables). */
  drop: number
  /** Alert when the rate rises above `spike` x baseline (0 disables). */
  spike: number
  /** Ignore drops from baselines below this, and spikes to rates below this. */
  minRate: number
}

/** `*` in a key aggregates: `{service:'*', level:'*'}` is all traffic. */
export interface RateRow {
  service: string
  level: string
  /** Records per second over the last window. */
  rate: number
  /** EWMA baseline (undefined until the first window has filled). */
  baseline: number | undefined
  /** Records seen since the start. */
  total: number
  /** The alert this key is in, if any. */
  alerting: AlertKind | undefined
}

export type AlertKind = 'drop' | 'spike'

/** A change of state: entering an alert, or `recovered` when traffic is back within bounds. */
export interface WatchEvent {
  kind: AlertKind | 'recovered'
  service: string
  level: string
  rate: number
  baseline: number
  /** The bound crossed (drop x baseline or spike x baseline); 0 for `recovered`. */
  threshold: number
  /** For `recovered`: the alert that ended. */
  ended?: AlertKind
  /** For `recovered`: true when the baseline moved to the new rate (an alert outlasted the baseline time constant). */
  adapted?: boolean
  at: number
}

interface Series {
  service: string
  level: string
  /** Counts per tick, oldest first; the current (open) tick is `open`. */
  ring: number[]
  sum: number
  open: number
  total: number
  baseline: number | undefined
  /** Baseline updates since the warm-up: the first ones weigh 1/n (a running mean), later ones alpha. */
  updates: number
  /** The baseline at each of the last window's ticks, oldest first: rates are judged against the oldest. */
  history: number[]
  alerting: AlertKind | undefined
  alertSince: number
}

export const ALL = '*'

/** Check a config; returns an error message or undefined. */
export function checkWatchConfig (c: WatchConfig): string | undefined {
  if (!(c.tickMs > 0)) return 'the tick must be > 0'
  if (c.windowMs < c.tickMs) return `the window (${c.windowMs} ms) must be at least one tick (${c.tickMs} ms)`
  if (!(c.baselineMs > 0)) return 'the baseline time constant must be > 0'
  if (c.drop < 0 || c.drop >= 1) return `--drop must be in [0, 1) (a fraction of the baseline), got ${c.drop}`
  if (c.spike !== 0 && c.spike <= 1) return `--spike must be > 1 (a multiple of the baseline) or 0 to disable, got ${c.spike}`
  if (c.minRate < 0) return '--min-rate must be >= 0'
  return undefined
}

/**
 * Rates per (service, level), per service (level `*`) and overall (`*`, `*`). A series
 * seen for the first time counts as silent since the start, so new traffic (say, a burst
 * of errors) shows as a spike from a zero baseline. While a series is alerting its
 * baseline does not learn (a short spike must not raise the bar, nor cause a "drop" when
 * it ends); an alert that outlasts the baseline time constant is taken as the new normal,
 * and the baseline learns again until the alert ends as `recovered` with `adapted: true`.
 */
export class TrafficWatch {
  readonly #c: WatchConfig
  readonly #slots: number
  readonly #alpha: number
  readonly #start: number
  readonly #series = new Map<string, Series>()
  #ticks = 0

  constructor (config: WatchConfig, startMs: number) {
    const problem = checkWatchConfig(config)
    if (problem !== undefined) throw new RangeError(problem)
    this.#c = { ...config }
    this.#slots = Math.max(1, Math.round(config.windowMs / config.tickMs))
    // per-tick smoothing factor for time constant baselineMs
    this.#alpha = 1 - Math.exp(-config.tickMs / config.baselineMs)
    this.#start = startMs
  }

  /** Count `n` records of `service` at `level` in the current tick. */
  record (service: string, level: string, n = 1): void {
    this.#get(service, level).open += n
    if (level !== ALL) this.#get(service, ALL).open += n
    if (service !== ALL) this.#get(ALL, ALL).open += n
  }

  /** Close the current tick at `nowMs`: update rates and baselines, return state changes. */
  tick (nowMs: number): WatchEvent[] {
    this.#ticks++
    const filled = this.#ticks >= this.#slots
    const armed = filled && nowMs - this.#start >= this.#c.warmupMs
    const seconds = (this.#slots * this.#c.tickMs) / 1000
    const events: WatchEvent[] = []
    for (const s of this.#series.values()) {
      s.ring.push(s.open)
      s.sum += s.open
      s.total += s.open
      s.open = 0
      if (s.ring.length > this.#slots) s.sum -= s.ring.shift() ?? 0
      if (!filled) continue
      const rate = s.sum / seconds
      if (s.baseline === undefined || !armed) {
        // warming up: the baseline is the latest window's rate, so traffic that was still
        // ramping up (or starting) when the watch began does not stick to it
        s.baseline = rate
        s.updates = 1
        s.history.push(rate)
        if (s.history.length > this.#slots) s.history.shift()
        continue
      }
      // the baseline as it was a window ago: the records now in the window (a spike's
      // ramp, the first minutes of an outage) have not leaked into what they are judged by
      const reference = s.history[0] ?? s.baseline
      const verdict = armed ? this.#judge(rate, reference) : undefined
      if (verdict !== undefined && s.alerting === undefined) {
        s.alerting = verdict.kind
        s.alertSince = nowMs
        s.baseline = reference // forget what the run-up taught it
        events.push({ kind: verdict.kind, service: s.service, level: s.level, rate, baseline: reference, threshold: verdict.threshold, at: nowMs })
      } else if (verdict === undefined && s.alerting !== undefined) {
        const adapted = nowMs - s.alertSince >= this.#c.baselineMs
        events.push({ kind: 'recovered', service: s.service, level: s.level, rate, baseline: reference, threshold: 0, ended: s.alerting, adapted, at: nowMs })
        s.alerting = undefined
      }
      if (s.alerting === undefined || nowMs - s.alertSince >= this.#c.baselineMs) {
        s.updates++
        s.baseline += Math.max(this.#alpha, 1 / s.updates) * (rate - s.baseline)
      }
      s.history.push(s.baseline)
      if (s.history.length > this.#slots) s.history.shift()
    }
    return events
  }

  #judge (rate: number, baseline: number): { kind: AlertKind, threshold: number } | undefined {
    const { drop, spike, minRate } = this.#c
    if (drop > 0 && baseline >= minRate && baseline > 0 && rate < drop * baseline) return { kind: 'drop', threshold: drop * baseline }
    if (spike > 0 && rate >= minRate && rate > spike * baseline) return { kind: 'spike', threshold: spike * baseline }
    return undefined
  }

  /** Current rates, busiest first. */
  rows (): RateRow[] {
    const seconds = (this.#slots * this.#c.tickMs) / 1000
    const filled = this.#ticks >= this.#slots
    const rows = [...this.#series.values()].map((s) => ({
      service: s.service,
      level: s.level,
      rate: filled ? s.sum / seconds : s.sum / Math.max(this.#c.tickMs / 1000, (this.#ticks * this.#c.tickMs) / 1000),
      baseline: s.baseline,
      total: s.total + s.open,
      alerting: s.alerting
    }))
    return rows.sort((a, b) => b.rate - a.rate || a.service.localeCompare(b.service) || a.level.localeCompare(b.level))
  }

  #get (service: string, level: string): Series {
    const id = service + '\u0000' + level
    let s = this.#series.get(id)
    if (s === undefined) {
      // silent since the start: zeros for the ticks already closed, baseline 0 once filled
      const seen = Math.min(this.#ticks, this.#slots)
      const filled = this.#ticks >= this.#slots
      s = {
        service,
        level,
        ring: new Array<number>(seen).fill(0),
        sum: 0,
        open: 0,
        total: 0,
        baseline: filled ? 0 : undefined,
        updates: filled ? this.#ticks - this.#slots + 1 : 0,
        history: [],
        alerting: undefined,
        alertSince: 0
      }
      this.#series.set(id, s)
    }
    return s
  }
}

function fixed (n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1)
}

/** One alert line: `<ISO time> ALERT spike service=api level=error rate=52.0/s baseline=3.1/s threshold=9.3/s`. */
export function alertLine (e: WatchEvent): string {
  const head = `${new Date(e.at).toISOString()} ${e.kind === 'recovered' ? (e.adapted === true ? 'OK adapted' : 'OK recovered') : `ALERT ${e.kind}`}`
  const where = `service=${e.service} level=${e.level}`
  const tail = e.kind === 'recovered'
    ? `rate=${fixed(e.rate)}/s baseline=${fixed(e.baseline)}/s (after ${e.ended ?? 'alert'}${e.adapted === true ? '; the baseline learned the new rate' : ''})`
    : `rate=${fixed(e.rate)}/s baseline=${fixed(e.baseline)}/s threshold=${fixed(e.threshold)}/s`
  return `${head} ${where} ${tail}`
}

/** The alert as one JSON line (for `--json`). */
export function alertJson (e: WatchEvent): string {
  return JSON.stringify({ time: new Date(e.at).toISOString(), ...e })
}

function escapeLabel (v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

/** The watch state in the Prometheus text format (0.0.4). */
export function watchPrometheus (rows: RateRow[], alertsTotal: Record<AlertKind, number>, prefix = 'kafka_log_transport_watch'): string {
  const lines: string[] = []
  const labels = (r: RateRow): string => `{service="${escapeLabel(r.service)}",level="${escapeLabel(r.level)}"}`
  const family = (name: string, type: string, help: string, values: Array<[string, number]>): void => {
    lines.push(`# HELP ${prefix}_${name} ${help}`, `# TYPE ${prefix}_${name} ${type}`)
    for (const [l, v] of values) lines.push(`${prefix}_${name}${l} ${v}`)
  }
  family('records_total', 'counter', 'Records seen, by service and level (* = all).', rows.map((r) => [labels(r), r.total]))
  family('rate', 'gauge', 'Records per second over the sliding window.', rows.map((r) => [labels(r), r.rate]))
  family('baseline', 'gauge', 'EWMA baseline of the rate.', rows.filter((r) => r.baseline !== undefined).map((r) => [labels(r), r.baseline ?? 0]))
  family('alerting', 'gauge', '1 while the series is in a drop or spike alert.', rows.map((r) => [labels(r), r.alerting === undefined ? 0 : 1]))
  family('alerts_total', 'counter', 'Alerts raised, by kind.', Object.entries(alertsTotal).map(([k, v]) => [`{kind="${k}"}`, v]))
  return lines.join('\n') + '\n'
}
