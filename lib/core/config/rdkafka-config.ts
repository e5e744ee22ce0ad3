import type { RdkafkaValue, ResolvedOptions } from './options'
import { redactSecrets } from './secrets'

// Topic-level librdkafka properties (CONFIGURATION.md, "Topic configuration properties").
// node-rdkafka builds the default topic config from its *second* constructor argument
// and silently ignores these when they are given in the global one.
const TOPIC_LEVEL = new Set([
  'request.required.acks', 'acks', 'request.timeout.ms', 'message.timeout.ms', 'delivery.timeout.ms',
  'queuing.strategy', 'produce.offset.report', 'partitioner', 'partitioner_cb', 'msg_order_cmp', 'opaque',
  'compression.codec', 'compression.type', 'compression.level', 'auto.commit.enable', 'enable.auto.commit',
  'auto.commit.interval.ms', 'auto.offset.reset', 'offset.store.path', 'offset.store.sync.interval.ms',
  'offset.store.method', 'consume.callback.max.messages'
])

/**
 * librdkafka's `reconnect.backoff.max.ms` here. A record librdkafka gives up on is reported
 * up to 1.5 x this (its jitter) plus 1 s (its timeout scan) after `messageTimeoutMs`.
 */
export const RECONNECT_BACKOFF_MAX_MS = 1000

/**
 * librdkafka's `socket.timeout.ms` here (its default: 60 s). Records in flight to a leader
 * that stops answering without closing the connection (frozen JVM, VM pause, partition
 * without RST) wait for this, not for the failover: then they go to the new leader, with
 * idempotence neither lost nor doubled (RELIABILITY.md, "A frozen broker"; issue #33).
 */
export const SOCKET_TIMEOUT_MS = 10000

export interface RdkafkaConfig {
  global: Record<string, RdkafkaValue>
  topic: Record<string, RdkafkaValue>
}

/** Records librdkafka may hold: half the buffer's bytes at ~1 KiB each, within [1000, 100000]. */
function queueMessages (o: ResolvedOptions): number {
  return Math.min(100000, Math.max(1000, Math.min(o.maxBufferMessages, Math.floor(o.maxBufferBytes / 2048))))
}

/** Split our options plus the `rdkafka` pass-through into node-rdkafka's two config objects. */
export function buildRdkafkaConfig (o: ResolvedOptions): RdkafkaConfig {
  const global: Record<string, RdkafkaValue> = {
    'metadata.broker.list': o.brokers,
    'client.id': 'kafka-log-transport',
    'enable.idempotence': o.idempotence,
    'compression.codec': o.compression,
    'linger.ms': o.lingerMs,
    // librdkafka's queue is bounded from the buffer's bounds (it costs ~1 KiB per record of
    // ~300 bytes: value copy, headers, its own message), so memory follows maxBufferBytes
    'queue.buffering.max.messages': queueMessages(o),
    'batch.num.messages': Math.min(o.batchMessages, queueMessages(o)),
    dr_cb: true,
    // a failed record's value reaches JS only with dr_msg_cb: needed when it goes to a
    // fallback, or is sent again after Kafka refused its timestamp (issue #32; with a
    // report per record, the record itself comes back with its report)
    ...(o.fallback === undefined && o.deliveryReports === 'all' ? {} : { dr_msg_cb: true }),
    // failures only: a report per record costs ~3x throughput; successes settle at flush
    'delivery.report.only.error': o.deliveryReports === 'errors',
    'queue.buffering.max.kbytes': Math.max(1024, Math.floor(o.maxBufferBytes / 2048)),
    // room for a record's key and headers on top of its value
    'message.max.bytes': Math.max(o.maxMessageBytes + 64 * 1024, 1000000),
    // surface connection problems as events rather than only in librdkafka's log
    'socket.keepalive.enable': true,
    // While a broker is down, librdkafka times out the records queued for it only when that
    // broker's thread wakes, and in an outage it wakes once per reconnect attempt: with
    // librdkafka's 10 s (x1.5 jitter) a record's report came up to 15 s after
    // messageTimeoutMs (issue #31). The Java client's 1 s bounds that delay to 1.5 s.
    'reconnect.backoff.max.ms': RECONNECT_BACKOFF_MAX_MS,
    'socket.timeout.ms': SOCKET_TIMEOUT_MS
  }
  const topic: Record<string, RdkafkaValue> = {
    'request.required.acks': o.acks === 'all' ? -1 : o.acks,
    // Java-compatible: a key lands where a Java producer would put it
    partitioner: 'murmur2_random',
    'message.timeout.ms': o.messageTimeoutMs
  }
  if (o.oauthbearerToken !== undefined) {
    // the token comes from our option; managed Kafka speaks TLS unless rdkafka says otherwise
    global['sasl.mechanisms'] = 'OAUTHBEARER'
    global['security.protocol'] = 'sasl_ssl'
  }
  for (const [k, v] of Object.entries(o.rdkafka)) {
    if (TOPIC_LEVEL.has(k)) topic[k] = v
    else global[k] = v
  }
  return { global, topic }
}

/** Replace secret values in a librdkafka message (e.g. "Invalid value "x" for sasl.password"). */
export function redact (message: string, config: RdkafkaConfig): string {
  return redactSecrets(message, config.global, config.topic)
}
