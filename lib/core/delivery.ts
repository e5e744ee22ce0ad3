import type { EngineError } from './engine/engine'
import { DeliveryError } from './errors'

/** librdkafka's produce() refusals that the producer handles itself. */
export const ERR_QUEUE_FULL = -184
export const ERR_MSG_SIZE_TOO_LARGE = 10
// librdkafka gave up on the record in time (an outage longer than messageTimeoutMs)
const ERR_MSG_TIMED_OUT = -192
const MSG_TIMED_OUT_MESSAGE = /message timed out/i
// librdkafka's "unknown topic" (local, after topic.metadata.propagation.max.ms) and the
// broker's. node-rdkafka's delivery-report errors arrive with code -1: match the message too.
const UNKNOWN_TOPIC_CODES = new Set([-188, 3])
const UNKNOWN_TOPIC_MESSAGE = /unknown topic/i

/** librdkafka gave up on a record in time (with a spool, it is kept on disk instead of failing). */
export function isTimeout (err: EngineError): boolean {
  return err.code === ERR_MSG_TIMED_OUT || MSG_TIMED_OUT_MESSAGE.test(err.message) || (err as { isRetriable?: boolean }).isRetriable === true
}

// The broker refused records of a batch (issue #32). Kafka refuses the whole batch when one
// record is invalid; with its per-record errors (KIP-467), librdkafka reports each record
// that was invalid with the broker's code (INVALID_TIMESTAMP when the batch had one, else
// INVALID_RECORD) and the others as refused only for being in that batch.
const ERR_INVALID_TIMESTAMP = 32
const ERR_INVALID_RECORD = 87
const ERR_INVALID_DIFFERENT_RECORD = -138
const REFUSED_MESSAGE = /invalid timestamp|failed to validate record/i
const INNOCENT_MESSAGE = /invalid record in the same batch/i

/** Kafka refused this record itself: its timestamp, or (several in a batch) some validation. */
export function isRefusedRecord (err: EngineError): boolean {
  return err.code === ERR_INVALID_TIMESTAMP || err.code === ERR_INVALID_RECORD || REFUSED_MESSAGE.test(err.message)
}

/** Kafka refused this record only because another record in its batch was invalid: it can go again as it was. */
export function isRefusedWithBatch (err: EngineError): boolean {
  return err.code === ERR_INVALID_DIFFERENT_RECORD || INNOCENT_MESSAGE.test(err.message)
}

export function isUnknownTopic (err: EngineError): boolean {
  return UNKNOWN_TOPIC_CODES.has(err.code) || UNKNOWN_TOPIC_MESSAGE.test(err.message)
}

/** One clear error per missing topic (its records are counted as failed, one by one). */
export function unknownTopicError (topic: string, cause: unknown): DeliveryError {
  return new DeliveryError(`topic "${topic}" does not exist and the broker does not create topics on first use: ` +
    'create it (kafka-topics.sh --create) or set auto.create.topics.enable=true on the broker; its records are counted as failed', { cause })
}
