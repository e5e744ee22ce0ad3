import type { DeliveryError, KafkaLogError } from './errors'
import type { DropReason } from './metrics/metrics'

/** The producer's events and what each carries (TypeScript checks `on`, `once` and `emit` against it). */
export interface KafkaLogProducerEvents {
  /** Connected (again): buffered records are on their way. */
  ready: []
  /** The buffer is below half of its bounds again after `write()` returned false. */
  drain: []
  /** A record was dropped; counted under `reason` in `metrics().droppedByReason`. */
  drop: [reason: DropReason, error: KafkaLogError | undefined]
  /** Kafka refused a record or librdkafka gave up on it (emitted only while someone listens). */
  'delivery-error': [error: DeliveryError]
  /** Connection, configuration or spool trouble (only while someone listens; otherwise said on stderr once per code). */
  error: [error: KafkaLogError]
  /** `close()` finished. */
  close: []
}

/** What `flush()` and `close()` resolve with. */
export interface FlushResult {
  delivered: number
  failed: number
  /** Records not yet acknowledged when the call returned (0 when everything settled), including any waiting in the spool. */
  pending: number
}
