/**
 * A record's Kafka timestamp (issue #32). A broker refuses a whole produce batch when one
 * record's CreateTime is outside its window: more than `log.message.timestamp.after.max.ms`
 * (default 1 h) ahead of the broker's clock, or more than `log.message.timestamp.before.max.ms`
 * (default unbounded) behind it; the topic settings `message.timestamp.after.max.ms` and
 * `message.timestamp.before.max.ms` override them. Every record sharing the batch is refused
 * with it. So a record's own time becomes its Kafka timestamp only when it can be a real log
 * time and a broker takes it; otherwise the send time does. The value (which holds the own
 * time) is never changed.
 */

/** An own time more than this ahead of the clock is not a log time (and Kafka's default refuses past 1 h). */
export const AHEAD_MS = 5 * 60 * 1000
/** An own time before this (2000-01-01) is not a log time either: a unit mix-up, 1970, a bad clock. */
export const OLDEST_MS = Date.UTC(2000, 0, 1)
/** How far the send time steps back each time Kafka refuses it. */
export const CORRECTION_STEP_MS = 60 * 60 * 1000
/** The most the send time is moved back: past this, a refused record is counted as failed. */
export const MAX_CORRECTION_MS = 48 * CORRECTION_STEP_MS
/** Records sent again, remembered (by content) with the correction they went with: the most kept. */
const REMEMBERED = 10000
/** A record that moved the send time back this often and is refused again fails (it is refused for another reason). */
const STEPS_PER_RECORD = 3

/**
 * The clock records are stamped by. A replaced time is sent as 0 (librdkafka's own now)
 * while there is no correction. A record sent again with the send time and refused again
 * says this host's clock runs ahead of the brokers' (its now is past their window): from
 * then on the send time is the host's now minus a correction, a step at a time, kept for
 * the producer's life.
 */
export class KafkaClock {
  #correction = 0
  /** Records sent again (by content): the correction they went with, the wave of reports that refused them, the steps they caused. */
  readonly #resends = new Map<string, { correction: number, wave: number, steps: number }>()
  /** Delivery reports come in waves (a batch's at once): counted, so that a copy of a line refused in the same wave is not taken for the line refused again. */
  #wave = 0
  /** Records sent with the send time although they had an own time. */
  replaced = 0
  /** Records sent again after Kafka refused them, or the batch they were in. */
  resent = 0

  /** How far the send time is moved back from the host clock (0 unless Kafka refused the host's now). */
  get correctionMs (): number {
    return this.#correction
  }

  /** The send time to give librdkafka: 0 (its own now), or the corrected now. */
  sendTime (now = Date.now()): number {
    return this.#correction === 0 ? 0 : now - this.#correction
  }

  /** The latest own time used as it is, for records stamped at `now`. */
  latest (now = Date.now()): number {
    return now - this.#correction + AHEAD_MS
  }

  /** The Kafka timestamp for a record with own time `own` (epoch ms, or null): `own` when it lies in [OLDEST_MS, latest()], else the send time. */
  stamp (own: number | null, now = Date.now()): number {
    return own !== null && own >= OLDEST_MS && own <= this.latest(now) ? own : this.sendTime(now)
  }

  /** A record went out with `stamp`: counted when its own time `own` was not used. */
  sent (own: number | null, stamp: number): void {
    if (own !== null && stamp !== own) this.replaced++
  }

  /** The reports read from now on are a later wave than those before. */
  nextWave (): void {
    this.#wave++
  }

  /** A record refused only for being in a batch with an invalid one goes again with the stamp it had. */
  again (stamp: number): number {
    this.resent++
    return stamp
  }

  /**
   * Kafka refused the record `id` (its topic and value: a failed report carries no
   * timestamp) itself: INVALID_TIMESTAMP, or INVALID_RECORD among several. Returns the stamp
   * to send it again with (the send time), or undefined when it is not to be tried again.
   */
  refused (id: string, now = Date.now()): number | undefined {
    const before = this.#resends.get(id)
    let steps = before?.steps ?? 0
    this.#resends.delete(id)
    if (before !== undefined && before.correction === this.#correction && before.wave < this.#wave) {
      // sent anew with the send time (as corrected now), refused again: the host clock is ahead
      if (this.#correction >= MAX_CORRECTION_MS || steps >= STEPS_PER_RECORD) return undefined
      this.#correction += CORRECTION_STEP_MS
      steps++
    }
    this.#resends.set(id, { correction: this.#correction, wave: this.#wave, steps })
    if (this.#resends.size > REMEMBERED) this.#resends.delete(this.#resends.keys().next().value as string)
    this.resent++
    return now - this.#correction
  }
}
