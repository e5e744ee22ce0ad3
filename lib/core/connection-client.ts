import type { EngineError, EngineName, EngineReport } from './engine/engine'
import type { KafkaLogError } from './errors'

/** What a connection needs from each producer that shares it. */
export interface ConnectionClient {
  readonly id: number
  /** The connection is up: hand buffered records over. */
  onReady: () => void
  /** A delivery report for one of this client's records (errors only, unless reports are 'all'). */
  onDelivery: (err: EngineError | null | undefined, report: EngineReport, writtenAt: number | undefined, kept: unknown) => void
  /**
   * A connection attempt failed (librdkafka keeps no handle between attempts). `brokerSaid`:
   * the last error librdkafka logged meanwhile (e.g. "SASL authentication error: ...").
   */
  onConnectFailed: (err: EngineError, waitedMs: number, brokerSaid: string | undefined) => void
  /** An error for the app: a fatal producer error (once per connection), or no usable OAUTHBEARER token (once until one comes). */
  report: (err: KafkaLogError) => void
  /** Flush before the connection is suspended because the process is otherwise idle. */
  idleFlush: () => Promise<unknown>
  /** Records still waiting in this client's JS buffer. */
  buffered: () => number
}

export interface ConnectionOptions {
  /** Which client library (resolved: never 'auto'). */
  engine: EngineName
  connectTimeoutMs: number
  flushTimeoutMs: number
  /** Per-record reports: the opaque then carries the write time for the latency histogram. */
  allReports: boolean
  /** Suspend (flush + disconnect) when nothing else keeps the process alive. */
  idleSuspend: boolean
}
