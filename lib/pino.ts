/**
 * pino adapters: the worker-thread target (`pino.transport({ target: 'kafka-log-transport/pino' })`)
 * and a main-thread destination stream (`kafkaDestination()`).
 */
export { default, pinoTransport } from './adapters/pino-transport'
export { kafkaDestination, KafkaDestination } from './adapters/pino-destination'
