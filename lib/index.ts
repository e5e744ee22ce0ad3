/**
 * kafka-log-transport: publish structured logs straight into Apache Kafka.
 * The core knows nothing of pino or winston; see `kafka-log-transport/pino` and
 * `kafka-log-transport/winston` for the adapters.
 */
export { KafkaLogProducer, type FlushResult, type KafkaLogProducerEvents } from './core/producer'
export type {
  KafkaLogOptions, ResolvedOptions, LogInput, LogFields, TopicOption, KeyOption, Encoding, Compression, OverflowPolicy, LogHeaderName, SpoolOptions, SpoolFsync,
  OAuthBearerToken, OAuthBearerTokenOption
} from './core/config/options'
export type { MetricsSnapshot, DropReason, SpoolMetrics, TimestampMetrics, NativePathMetrics } from './core/metrics/metrics'
export {
  KafkaLogError, ConfigError, ConnectError, DeliveryError, ClosedError,
  BadRecordError, NativeLoadError, SpoolLockedError, SpoolError, AuthError, ClockAheadError, ERROR_CODES, type ErrorCode
} from './core/errors'
export { safeStringify } from './core/record/safe-json'
export { toPrometheus, type PrometheusOptions } from './core/metrics/prometheus'
export type { LatencySnapshot } from './core/metrics/metrics'
export { rdkafkaFeatures, describeFeatures, EXPECTED_FEATURES, type RdkafkaFeatures, type MissingFeature } from './core/features'
export { describeProducePath } from './core/engine/choose'
