/**
 * Messages on the IPC channel between the pino worker target and its producer process
 * (log lines themselves go through the process's stdin).
 */

/**
 * Worker → process: reply once the log lines in the first `bytes` bytes after the options
 * line are acknowledged (or at flushTimeoutMs).
 */
export interface FlushRequest {
  code: 'flush'
  id: number
  bytes: number
}

/** Process → worker. `pending`: records not acknowledged when the flush returned. */
export interface FlushReply {
  code: 'flushed'
  id: number
  pending: number
}

export type ProcessRequest = FlushRequest
export type ProcessReply = FlushReply
