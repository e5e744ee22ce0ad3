/**
 * pino adapters: the worker-thread target (`pino.transport({ target: 'kafka-log-transport/pino' })`),
 * `kafkaTransport()` (the same, plus flushing on SIGTERM/SIGINT) and a main-thread
 * destination stream (`kafkaDestination()`).
 */
export { default, pinoTransport } from './adapters/pino-transport'
export { kafkaTransport, type PinoTransportExtra } from './adapters/pino-kafka-transport'
export { kafkaDestination, KafkaDestination } from './adapters/pino-destination'
