/**
 * The one internal entry: what this package's own adapters and CLI need from the core
 * beyond its public API (lib/index.ts). Not exported from package.json and not under
 * semver: applications use `kafka-log-transport`, `/pino` and `/winston`.
 */
export { resolveOptions, resolveLevelLabels, describeValue } from './core/config/options'
export { isSecret, redactSecrets, shown } from './core/config/secrets'
export { registerExit, unregisterExit, type ExitParticipant } from './core/lifecycle/exit'
export { reportUnheard } from './core/lifecycle/unheard'
export { bounded } from './core/bounded'
export { drainedOrGone } from './core/drained'
export { loadRdkafka } from './core/native'
export { Spool, spoolOwner } from './core/spool/store'
// loaded when called: it brings the whole producer, which a pino worker thread (that loads
// the adapters, and so this file) never uses
export const drainSpool: typeof import('./core/spool/drain').drainSpool = async (options, o) =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require('./core/spool/drain') as typeof import('./core/spool/drain')).drainSpool(options, o)
export { checkFeatures, featuresNeeded } from './core/features'
export { chooseEngine } from './core/engine/choose'
// loaded when called, as the connection loads the second engine only when it is chosen
export const createPlatformaticProducer: typeof import('./core/engine/platformatic').createPlatformaticProducer = (config, on) =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./core/engine/platformatic') as typeof import('./core/engine/platformatic')).createPlatformaticProducer(config, on)
export { platformaticSettings } from './core/engine/platformatic-config'
export { keyHash, murmur2 } from './core/engine/murmur2'
export { errorText, kafkaCode, retriable } from './core/engine/platformatic-errors'
export { buildRdkafkaConfig } from './core/config/rdkafka-config'
