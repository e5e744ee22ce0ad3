import type { RdkafkaConfig } from '../config/rdkafka-config'
import { NativeLoadError } from '../errors'
import { loadRdkafka } from '../native'
import { describeNativePath } from '../native-batch'
import type { NativeRoute } from '../native-route'
import type { EngineChoice, EngineHandlers, EngineName, EngineProducer } from './engine'
import { createRdkafkaProducer } from './rdkafka'

/** Why `'auto'` did not take node-rdkafka in this process (undefined: it did, or was not asked). */
let rdkafkaRefusal: string | undefined
let noticeGiven = false

/**
 * The engine a producer runs on. `'auto'`: node-rdkafka when it loads here (it needs a C
 * toolchain at install, and the main thread), else @platformatic/kafka. The environment's
 * `KLT_ENGINE` (`rdkafka` or `platformatic`) decides for `'auto'` when set.
 */
export function chooseEngine (choice: EngineChoice): EngineName {
  if (choice !== 'auto') return choice
  // the test suite runs once more on the second engine this way, as an install without a toolchain would
  const forced = process.env['KLT_ENGINE']
  if (forced === 'rdkafka' || forced === 'platformatic') return forced
  try {
    loadRdkafka()
    return 'rdkafka'
  } catch (err) {
    if (!(err instanceof NativeLoadError)) throw err
    rdkafkaRefusal = err.message
    return 'platformatic'
  }
}

/** A producer of `engine` for `config` (no I/O yet). Throws ConfigError for a property the engine rejects or cannot honour. */
export function createEngineProducer (engine: EngineName, config: RdkafkaConfig, route: NativeRoute, on: EngineHandlers): EngineProducer {
  if (engine === 'rdkafka') return createRdkafkaProducer(config, route, on)
  // loaded only when chosen: an app on node-rdkafka never loads the second engine
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createPlatformaticProducer } = require('./platformatic') as typeof import('./platformatic')
  return createPlatformaticProducer(config, on)
}

/** Said once per process at connect, when `'auto'` fell back to the pure-JS engine: why, and what node-rdkafka would gain. */
export function engineNotice (engine: EngineName): void {
  if (engine !== 'platformatic' || rdkafkaRefusal === undefined || noticeGiven) return
  noticeGiven = true
  process.stderr.write('kafka-log-transport: records go through @platformatic/kafka (pure JS), because node-rdkafka did not load: ' +
    `${rdkafkaRefusal} With node-rdkafka (a C toolchain at install) a producer sends about 4x the records per ` +
    'second (1M lines: 5.3 s against 21.4 s, benchmarks/RESULTS-core.md); set engine: \'platformatic\' to choose ' +
    'this engine and silence this notice.\n')
}

/** How records go to Kafka, in words, for a producer on `engine`. */
export function describeEngine (engine: EngineName): string {
  return engine === 'platformatic' ? '@platformatic/kafka (pure JS), one record at a time' : describeNativePath()
}

/**
 * How a producer with the default options sends records in this install, in words: node-rdkafka's
 * native batches, its produce() per record (and why), or the pure-JS engine (and why node-rdkafka did not load).
 */
export function describeProducePath (): string {
  const engine = chooseEngine('auto')
  const why = engine === 'platformatic' && rdkafkaRefusal !== undefined ? `: ${rdkafkaRefusal}` : ''
  return `${describeEngine(engine)}${why}`
}
