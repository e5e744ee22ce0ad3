import type { EngineError } from './engine/engine'
import type { ResolvedOptions } from './config/options'
import { redact, type RdkafkaConfig } from './config/rdkafka-config'
import { ConnectError } from './errors'

// what librdkafka logs when a broker refuses our credentials or we refuse its certificate
const REFUSED = /SASL authentication error|authentication failed|SSL handshake failed|certificate verify failed/i

/**
 * A failed connection attempt: the error to report now, or undefined to keep quiet and
 * retry. Refused credentials or certificates do not fix themselves: said at once; anything
 * else once `connectTimeoutMs` has passed. `brokerSaid`: librdkafka's last logged error.
 */
export function connectError (err: EngineError, waitedMs: number, brokerSaid: string | undefined,
  o: ResolvedOptions, config: RdkafkaConfig): ConnectError | undefined {
  const refused = brokerSaid !== undefined && REFUSED.test(brokerSaid)
  if (waitedMs < o.connectTimeoutMs && !refused) return undefined
  const why = redact(err.message, config) + (brokerSaid === undefined ? '' : `; librdkafka: ${brokerSaid}`)
  const oauth = config.global['sasl.mechanisms'] === 'OAUTHBEARER'
  const hint = brokerSaid === undefined ? '' : /SASL|authentic/i.test(brokerSaid)
    ? oauth ? ' Check the OAUTHBEARER token: expired, or not accepted by the broker (its subject, scope, audience).' : ' Check sasl.username, sasl.password and sasl.mechanisms.'
    : refused ? ' Check ssl.ca.location and the broker\'s certificate.' : ''
  return new ConnectError(`could not connect to Kafka at ${o.brokers}${refused ? '' : ` within ${o.connectTimeoutMs} ms`} ` +
    `(${why}).${hint} Still retrying, buffering up to ${o.maxBufferMessages} records.`, { cause: err, retriable: !refused })
}
