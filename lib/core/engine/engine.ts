import { AuthError } from '../errors'

/**
 * What the core needs from a Kafka client library (an engine): node-rdkafka, or a second one
 * for installs without a C toolchain (issue #29). The words are librdkafka's: an engine that
 * is not librdkafka speaks them too (its error codes, its queue, its delivery reports), so
 * the rest of the core does not know which engine runs.
 */

/** The engines; `'auto'` takes node-rdkafka when it loads. */
export const ENGINES = ['auto', 'rdkafka', 'platformatic'] as const
export type EngineChoice = typeof ENGINES[number]
export type EngineName = Exclude<EngineChoice, 'auto'>

/** An error in librdkafka's terms: its code (negative: raised in the client, positive: the broker's), its words. */
export interface EngineError {
  code: number
  message: string
  /** The producer cannot go on (the idempotent producer lost its state). */
  isFatal?: boolean
  /** A retry may succeed (a record given up on in time). */
  isRetriable?: boolean
}

/** One record's delivery report, in node-rdkafka's shape. */
export interface EngineReport {
  topic: string
  partition: number
  offset: number
  key?: Buffer | string | null
  /** The record's value, when reports carry it (`dr_msg_cb`). */
  value?: Buffer | null
  size?: number
  timestamp?: number
  /** What was given to produce() with the record. */
  opaque?: unknown
}

/** What a connection hears from its engine's producer. */
export interface EngineHandlers {
  delivery: (err: EngineError | null | undefined, report: EngineReport) => void
  error: (err: EngineError) => void
  /** The last error-level line of the engine's log (why a broker refused us: authentication, TLS). */
  loggedError: (message: string) => void
  stats: (stats: Record<string, unknown>) => void
}

export type EngineHeaders = Array<Record<string, string | Buffer>>

/** A producer, as node-rdkafka's Producer is one: the calls a connection makes. */
export interface EngineProducer {
  /** The client's name (librdkafka's handle name), known once connected. */
  readonly name: string
  /** Queue one record; throws an EngineError when it cannot (ERR__QUEUE_FULL, ERR_MSG_SIZE_TOO_LARGE). */
  produce: (topic: string, partition: null, value: Buffer, key: string | Buffer | null, timestamp: number | null,
    opaque: unknown, headers: EngineHeaders) => unknown
  /** Delivery reports and events to JS now (they come only when polled). */
  poll: () => unknown
  connect: (options: { timeout: number }, cb: (err: EngineError | null | undefined) => void) => unknown
  isConnected: () => boolean
  /** Wait until everything queued is acknowledged (or given up), at most `timeoutMs`; `err` set at the deadline. */
  flush: (timeoutMs: number, cb: (err: unknown) => void) => unknown
  disconnect: (timeoutMs: number, cb: () => void) => unknown
  /** A SASL/OAUTHBEARER token for the next (re)authentication; throws when refused. */
  setOauthBearerToken: (token: string) => unknown
  /**
   * An engine whose records live in JS (no threads of its own to send them once the event
   * loop has stopped): take out everything not acknowledged, queued or in flight, at
   * process exit. node-rdkafka has none: librdkafka's threads send on while the exit waits.
   */
  takeHeld?: () => HeldRecord[]
  /** The resources it keeps the event loop alive with while connected, as process.getActiveResourcesInfo() names them (node-rdkafka's are not listed there). */
  ownResources?: () => string[]
}

/** A record an engine gives back at exit, as produce() took it. */
export interface HeldRecord {
  topic: string
  value: Buffer
  key: Buffer | undefined
  timestamp: number | null
  headers: EngineHeaders
  opaque: unknown
}

/**
 * A fatal producer error, reported once: the idempotent producer lost its state, or
 * authentication failed. The engine retries anything else by itself.
 */
export function isFatal (err: EngineError): boolean {
  return err.isFatal === true || /authentication|SASL|not authorized/i.test(err.message)
}

/** An OAUTHBEARER token to the engine's producer; the error when it refuses it (its words never include the token). */
export function giveToken (native: EngineProducer, token: string): AuthError | undefined {
  try {
    native.setOauthBearerToken(token)
    return undefined
  } catch (err) {
    return new AuthError(`the Kafka client refused the OAUTHBEARER token: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}
