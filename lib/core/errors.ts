/** Every error code this library uses, one per class below: public API (match on codes, not on messages). */
export const ERROR_CODES = [
  'KLT_ERROR', 'KLT_INVALID_OPTIONS', 'KLT_CONNECT_TIMEOUT', 'KLT_DELIVERY_FAILED', 'KLT_CLOSED', 'KLT_BAD_RECORD',
  'KLT_NATIVE_LOAD', 'KLT_SPOOL_LOCKED', 'KLT_SPOOL', 'KLT_AUTH', 'KLT_CLOCK_AHEAD'
] as const

export type ErrorCode = typeof ERROR_CODES[number]

/**
 * Every error this library raises or emits is a {@link KafkaLogError} with a stable
 * `code` (one of {@link ERROR_CODES}), `retriable`, and an optional `cause`.
 */
export class KafkaLogError extends Error {
  static readonly code: ErrorCode = 'KLT_ERROR'
  readonly code: ErrorCode
  readonly retriable: boolean

  constructor (message: string, options: { cause?: unknown, retriable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = new.target.code
    this.retriable = options.retriable ?? false
  }
}

/** An option has a wrong value; thrown by the constructor, never later. */
export class ConfigError extends KafkaLogError {
  static override readonly code = 'KLT_INVALID_OPTIONS'
  /** Path of the bad option, e.g. `rdkafka.linger.ms`. */
  readonly option: string

  constructor (option: string, message: string, options: { cause?: unknown } = {}) {
    super(`invalid option ${option}: ${message}`, options)
    this.option = option
  }
}

/** The broker could not be reached within `connectTimeoutMs`. */
export class ConnectError extends KafkaLogError {
  static override readonly code = 'KLT_CONNECT_TIMEOUT'
}

/** Kafka refused or timed out a record; `cause` holds the librdkafka error. */
export class DeliveryError extends KafkaLogError {
  static override readonly code = 'KLT_DELIVERY_FAILED'
}

/** The producer was closed. */
export class ClosedError extends KafkaLogError {
  static override readonly code = 'KLT_CLOSED'
}

/** A record could not be encoded (e.g. a throwing getter), or is not a loggable value. */
export class BadRecordError extends KafkaLogError {
  static override readonly code = 'KLT_BAD_RECORD'
}

/** node-rdkafka could not be loaded in this thread (it is not context-aware). */
export class NativeLoadError extends KafkaLogError {
  static override readonly code = 'KLT_NATIVE_LOAD'
}

/** Another live process (or producer) holds the spool directory. */
export class SpoolLockedError extends KafkaLogError {
  static override readonly code = 'KLT_SPOOL_LOCKED'
}

/** The spool directory cannot be used (not writable, a file where a directory should be, disk full). */
export class SpoolError extends KafkaLogError {
  static override readonly code = 'KLT_SPOOL'
}

/**
 * No usable OAUTHBEARER token: the `oauthbearerToken` function failed or gave an expired or
 * malformed token, or its file could not be read. Reported once until a token comes again;
 * the token itself is never in the message.
 */
export class AuthError extends KafkaLogError {
  static override readonly code = 'KLT_AUTH'
}

/**
 * Kafka refused records stamped with this host's now: its clock runs ahead of the brokers'
 * (or the records are refused for another reason, such as a record without a key on a
 * compacted topic). Records are sent with the send time set back; reported once.
 */
export class ClockAheadError extends KafkaLogError {
  static override readonly code = 'KLT_CLOCK_AHEAD'
}
