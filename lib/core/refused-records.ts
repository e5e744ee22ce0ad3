import type { EngineError, EngineReport } from './engine/engine'
import { isRefusedRecord, isRefusedWithBatch } from './delivery'
import { ClockAheadError, type KafkaLogError } from './errors'
import type { KafkaClock } from './record/kafka-time'
import type { EncodedRecord } from './record/record'

/**
 * Kafka refuses a whole batch for one invalid record (issue #32); nothing of it was
 * written. A record refused only for being in that batch goes again as it was. A record
 * refused itself goes again with the send time, when the clock says there is one to try (a
 * timestamp outside the broker's window is the refusal a send time can mend; a send time
 * refused again steps it back). The reports read until the event loop turns are one wave
 * (a batch's come at once).
 */
export class RefusedRecords {
  readonly #clock: KafkaClock
  /** The own time and per-record headers the encoder gives a record with this value. */
  readonly #reread: (value: Buffer) => Pick<EncodedRecord, 'timestamp' | 'headers'>
  readonly #report: (err: KafkaLogError) => void
  #waveSoon = false

  constructor (clock: KafkaClock, reread: (value: Buffer) => Pick<EncodedRecord, 'timestamp' | 'headers'>, report: (err: KafkaLogError) => void) {
    this.#clock = clock
    this.#reread = reread
    this.#report = report
  }

  /**
   * The record to send again, and its Kafka timestamp; undefined when it cannot go again (a
   * failure-only report without its value, another error, no time left to try).
   */
  again (err: EngineError, report: EngineReport, kept: unknown): { record: EncodedRecord, stamp: number } | undefined {
    const innocent = isRefusedWithBatch(err)
    if (!innocent && !isRefusedRecord(err)) return undefined
    const r = kept !== undefined
      ? kept as EncodedRecord
      : Buffer.isBuffer(report.value)
        ? { topic: report.topic, value: report.value, key: report.key ?? null, ...this.#reread(report.value) }
        : undefined
    if (r === undefined) return undefined
    if (!this.#waveSoon) {
      this.#waveSoon = true
      setImmediate(() => {
        this.#waveSoon = false
        this.#clock.nextWave()
      })
    }
    const clock = this.#clock
    const corrected = clock.correctionMs
    const stamp = innocent ? clock.again(clock.stamp(r.timestamp)) : clock.refused(`${r.topic}\n${r.value.toString('latin1')}`)
    if (stamp === undefined) return undefined
    if (corrected === 0 && clock.correctionMs > 0) {
      this.#report(new ClockAheadError('Kafka refused records stamped with this host\'s time, and again when sent anew: ' +
        'this host\'s clock seems to run ahead of the brokers\'. Records are sent with timestamps set back (metrics().timestamps.correctionMs); ' +
        'their values keep their own times. Check the host\'s clock (NTP); if it is right, the records are refused for another reason (a record without a key on a compacted topic?)'))
    }
    // a copy: a record read back from the spool has had its report (the replayer counted it)
    return { record: { topic: r.topic, value: r.value, key: r.key, timestamp: null, headers: r.headers }, stamp }
  }
}
