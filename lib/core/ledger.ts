import type { EventEmitter } from 'node:events'
import type { Writable } from 'node:stream'
import type { EngineError, EngineReport } from './engine/engine'
import { redact, type RdkafkaConfig } from './config/rdkafka-config'
import { isUnknownTopic, unknownTopicError } from './delivery'
import { DeliveryError, KafkaLogError } from './errors'
import type { KafkaLogProducerEvents } from './events'
import { Fallback } from './fallback'
import { reportUnheard } from './lifecycle/unheard'
import { Counters, LatencyHistogram, type DropReason } from './metrics/metrics'
import type { EncodedRecord } from './record/record'

/**
 * Delivery accounting: every record written ends in exactly one of delivered, failed,
 * dropped or pending, and what is lost reaches the fallback. The ledger counts, says what
 * happened (events, or stderr when nobody listens) and never throws.
 */
export class Ledger {
  readonly counters = new Counters()
  readonly latency = new LatencyHistogram()
  readonly fallback: Fallback | undefined
  readonly #events: EventEmitter<KafkaLogProducerEvents>
  readonly #config: RdkafkaConfig
  readonly #unknownTopics = new Set<string>()

  constructor (events: EventEmitter<KafkaLogProducerEvents>, config: RdkafkaConfig, fallback: Writable | string | undefined) {
    this.#events = events
    this.#config = config
    if (fallback !== undefined) {
      this.fallback = new Fallback(fallback, (e) => {
        this.report(new KafkaLogError(`fallback write failed: ${e.message}`, { cause: e }))
      })
    }
  }

  /** A record handed to librdkafka. */
  produced (r: EncodedRecord): void {
    this.producedMany(1, r.value.length)
  }

  /** Records handed to librdkafka (the native line path: many in one call), with their value bytes. */
  producedMany (records: number, bytes: number): void {
    this.counters.produced += records
    this.counters.bytesProduced += bytes
  }

  /** Acknowledged by Kafka; `writtenAt` (performance.now()) gives the latency. */
  delivered (writtenAt: number | undefined): void {
    this.counters.delivered++
    if (writtenAt !== undefined) this.latency.record(performance.now() - writtenAt)
  }

  /** librdkafka refused a record at produce() (it was never in flight). */
  refused (err: unknown, r: EncodedRecord): void {
    this.counters.failed++
    this.fallback?.write(r.value)
    this.#deliveryError(err)
  }

  /** A failed delivery report: Kafka refused the record, or librdkafka gave up on it. */
  failed (err: EngineError, report: EngineReport): void {
    this.counters.fail()
    if (Buffer.isBuffer(report.value)) this.fallback?.write(report.value)
    this.#deliveryError(err)
    if (isUnknownTopic(err) && !this.#unknownTopics.has(report.topic)) {
      this.#unknownTopics.add(report.topic)
      this.report(unknownTopicError(report.topic, err))
    }
  }

  drop (reason: DropReason, r: EncodedRecord | undefined, err?: KafkaLogError): void {
    this.counters.dropped[reason]++
    if (r !== undefined) this.fallback?.write(r.value)
    if (this.#events.listenerCount('drop') > 0) this.#events.emit('drop', reason, err)
  }

  /** Emit 'error' only when someone listens: an unheard 'error' would throw into the app. */
  report (err: KafkaLogError): void {
    this.counters.errors++
    if (this.#events.listenerCount('error') > 0) this.#events.emit('error', err)
    else reportUnheard(this.#events, err)
  }

  #deliveryError (err: unknown): void {
    if (this.#events.listenerCount('delivery-error') === 0) return
    const message = redact(err instanceof Error ? err.message : String(err), this.#config)
    this.#events.emit('delivery-error', new DeliveryError(`Kafka did not take a record: ${message}`, { cause: err }))
  }
}
