import { setTimeout as sleep } from 'node:timers/promises'
import type { KafkaLogError } from '../errors'
import type { KafkaLogOptions } from '../config/options'
import { KafkaLogProducer } from '../producer'

const POLL_MS = 50

/** What sending a spool came to. */
export interface SpoolDrainResult {
  /** Records the spool held when it was opened. */
  found: number
  delivered: number
  failed: number
  /** Records still in the spool (not sent, or not acknowledged). */
  left: number
  /** Torn or corrupt records skipped. */
  corrupt: number
  /** Set when Kafka could not be reached within the options' `connectTimeoutMs`. */
  unreachable: KafkaLogError | undefined
}

export interface SpoolDrainOptions {
  /** Stop early (the CLI's Ctrl-C). */
  signal?: AbortSignal
  /** Called about once a second while records are on their way. */
  onProgress?: (delivered: number, pending: number) => void
  /** Any other error of the producer (the unreachable-broker one is in the result). */
  onError?: (err: KafkaLogError) => void
}

/**
 * Send everything a spool directory holds to the topics its records were written for,
 * then close (deleting what was acknowledged). `options`: the connection settings
 * (brokers, rdkafka, connectTimeoutMs, ...); `spool.dir` names the directory. Used by
 * `kafka-log-transport spool replay` and by the rescue process.
 */
export async function drainSpool (options: KafkaLogOptions & { spool: { dir: string } }, o: SpoolDrainOptions = {}): Promise<SpoolDrainResult> {
  const producer = new KafkaLogProducer({ ...options, exitHook: false })
  let unreachable: KafkaLogError | undefined
  producer.on('error', (err: KafkaLogError) => {
    if (err.code === 'KLT_CONNECT_TIMEOUT' && !producer.metrics().connected) unreachable = err
    else o.onError?.(err)
  })
  const found = producer.metrics().spool?.recovered ?? 0
  let last = Date.now()
  while (producer.metrics().pending > 0 && unreachable === undefined && o.signal?.aborted !== true) {
    await sleep(POLL_MS)
    if (o.onProgress !== undefined && Date.now() - last >= 1000) {
      last = Date.now()
      const m = producer.metrics()
      o.onProgress(m.delivered, m.pending)
    }
  }
  await producer.close(unreachable === undefined ? Math.max(producer.options.flushTimeoutMs, 30000) : 1000)
  const m = producer.metrics()
  return { found, delivered: m.delivered, failed: m.failed, left: m.spool?.records ?? 0, corrupt: m.spool?.corrupt ?? 0, unreachable }
}
