import type { Producer as NativeProducer } from 'node-rdkafka'
import { redact, type RdkafkaConfig } from '../config/rdkafka-config'
import { ConfigError } from '../errors'
import { loadRdkafka } from '../native'
import type { NativeRoute } from '../native-route'
import type { EngineHandlers, EngineProducer } from './engine'

/**
 * A node-rdkafka producer for `config` (with the addon as librdkafka plugin when `route` can
 * use it), its events wired to `on`. No I/O happens before connect, but librdkafka validates
 * every property now: a ConfigError names the one it rejected.
 */
export function createRdkafkaProducer (config: RdkafkaConfig, route: NativeRoute, on: EngineHandlers): EngineProducer {
  const Kafka = loadRdkafka()
  let native: NativeProducer
  try {
    const global = route.withPlugin(config.global)
    try {
      native = new Kafka.Producer(global, config.topic)
    } catch (err) {
      if (global === config.global) throw err
      // refused with the plugin named: without it (a config error throws again, for the user)
      native = new Kafka.Producer(config.global, config.topic)
      route.pluginRefused(err instanceof Error ? err.message : String(err))
    }
  } catch (err) {
    const message = redact(err instanceof Error ? err.message : String(err), config)
    // librdkafka names the property, except for a plugin it cannot load: "(plugin <path>)"
    const property = /property:? "([^"]+)"/.exec(message)?.[1] ?? (/\(plugin [^)]*\)$/.test(message) ? 'plugin.library.paths' : undefined)
    throw new ConfigError(property === undefined ? 'rdkafka' : `rdkafka.${property}`, `librdkafka rejected it: ${message}`)
  }
  native.on('delivery-report', on.delivery)
  native.on('event.error', on.error)
  // while connecting, librdkafka says why a broker refused us only in its log
  native.on('event.log', (log: { severity: number, message: string }) => {
    if (log.severity <= 3) on.loggedError(log.message.replace(/^\[thrd:[^\]]*\]: /, ''))
  })
  native.on('event.stats', (stats: { message: string }) => {
    try {
      on.stats(JSON.parse(stats.message) as Record<string, unknown>)
    } catch {
      // a malformed statistics document is not worth an error
    }
  })
  // node-rdkafka's Producer is the model of EngineProducer (its types leave out `name`)
  return native as unknown as EngineProducer
}
