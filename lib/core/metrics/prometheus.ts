import type { MetricsSnapshot } from './metrics'

/** Format options of {@link toPrometheus}. */
export interface PrometheusOptions {
  /** Metric name prefix. Default `kafka_log_transport`. */
  prefix?: string
  /** Labels added to every sample, e.g. `{ service: 'checkout' }`. */
  labels?: Record<string, string>
}

function escapeLabel (v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function labelText (labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`)
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

/**
 * A metrics snapshot in the Prometheus text exposition format (version 0.0.4), for a
 * `/metrics` endpoint; no prom-client needed (its registry can serve this text too).
 */
export function toPrometheus (m: MetricsSnapshot, options: PrometheusOptions = {}): string {
  const prefix = options.prefix ?? 'kafka_log_transport'
  const base = options.labels ?? {}
  const lines: string[] = []
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[Record<string, string>, number]>): void => {
    lines.push(`# HELP ${prefix}_${name} ${help}`, `# TYPE ${prefix}_${name} ${type}`)
    for (const [labels, value] of samples) lines.push(`${prefix}_${name}${labelText({ ...base, ...labels })} ${value}`)
  }
  metric('records_written_total', 'counter', 'Log records passed to write().', [[{}, m.written]])
  metric('records_delivered_total', 'counter', 'Records acknowledged by Kafka.', [[{}, m.delivered]])
  metric('records_failed_total', 'counter', 'Records Kafka refused or librdkafka timed out.', [[{}, m.failed]])
  metric('records_dropped_total', 'counter', 'Records dropped, by reason.',
    Object.entries(m.droppedByReason).map(([reason, n]) => [{ reason }, n]))
  metric('records_truncated_total', 'counter', 'Records cut to maxMessageBytes.', [[{}, m.truncated]])
  metric('timestamps_replaced_total', 'counter', 'Records sent with the send time as Kafka timestamp: their own time could not be a log time.', [[{}, m.timestamps.replaced]])
  metric('timestamps_resent_total', 'counter', 'Records Kafka refused for their timestamp, sent again with the send time.', [[{}, m.timestamps.resent]])
  metric('clock_correction_ms', 'gauge', 'How far the send time is set back from this host clock (it runs ahead of the brokers).', [[{}, m.timestamps.correctionMs]])
  metric('bytes_produced_total', 'counter', 'Bytes of record values handed to librdkafka.', [[{}, m.bytesProduced]])
  metric('errors_total', 'counter', 'Errors the producer reported (to listeners, or on stderr once per code).', [[{}, m.errors]])
  metric('records_buffered', 'gauge', 'Records waiting in the in-process buffer.', [[{}, m.buffered]])
  metric('bytes_buffered', 'gauge', 'Bytes waiting in the in-process buffer.', [[{}, m.bufferedBytes]])
  metric('records_inflight', 'gauge', 'Records handed to librdkafka, outcome not known yet.', [[{}, m.inflight]])
  metric('connected', 'gauge', '1 when connected to Kafka.', [[{}, m.connected ? 1 : 0]])
  metric('engine', 'gauge', 'The Kafka client underneath: 1 for the engine in use.', [[{ engine: m.engine }, 1]])
  metric('native_path', 'gauge', '1 when records go to librdkafka through the native path; 0 with the problem when not.',
    [[m.nativePath.problem === '' ? {} : { problem: m.nativePath.problem }, m.nativePath.inUse ? 1 : 0]])
  if (m.spool !== undefined) {
    const sp = m.spool
    metric('spool_records', 'gauge', 'Records waiting in the durable spool.', [[{}, sp.records]])
    metric('spool_bytes', 'gauge', 'Bytes of the durable spool on disk.', [[{}, sp.bytes]])
    metric('spool_segments', 'gauge', 'Segment files of the durable spool.', [[{}, sp.segments]])
    metric('spool_oldest_age_seconds', 'gauge', 'Age of the oldest record waiting in the spool.', [[{}, sp.oldestAgeMs / 1000]])
    metric('spool_records_spooled_total', 'counter', 'Records written to the spool.', [[{}, sp.spooled]])
    metric('spool_records_replayed_total', 'counter', 'Records read back from the spool and sent.', [[{}, sp.replayed]])
    metric('spool_replay_records_per_second', 'gauge', 'Replay rate of the last batch.', [[{}, sp.replayPerSecond]])
    metric('spool_records_recovered_total', 'counter', 'Records found in the spool at start, left by an earlier run.', [[{}, sp.recovered]])
    metric('spool_records_corrupt_total', 'counter', 'Torn or corrupt spool records skipped.', [[{}, sp.corrupt]])
  }
  if (m.latencyMs.count > 0) {
    metric('delivery_latency_ms', 'gauge', 'Write-to-acknowledgement latency percentiles (deliveryReports: all).',
      [[{ quantile: '0.5' }, m.latencyMs.p50], [{ quantile: '0.99' }, m.latencyMs.p99], [{ quantile: '0.999' }, m.latencyMs.p999]])
  }
  return lines.join('\n') + '\n'
}
