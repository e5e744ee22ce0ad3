/** winston adapter: `new KafkaTransport({ brokers, topic })`. */
export { KafkaTransport, type KafkaTransportOptions } from './adapters/winston'
