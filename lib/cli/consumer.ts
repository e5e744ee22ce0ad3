import { randomUUID } from 'node:crypto'
import type { KafkaConsumer, LibrdKafkaError, Message } from 'node-rdkafka'
import { CliError, redactText } from './args'
import { ConfigError } from '../index'
import { chooseEngine, loadRdkafka } from '../internal'

/** One assigned partition and where reading starts and (for `--no-follow`) ends. */
export interface PartitionRange {
  topic: string
  partition: number
  /** First offset read. */
  start: number
  /** High watermark when reading began: the end for `--no-follow`. */
  end: number
}

export interface OpenOptions {
  brokers: string
  topics: string[]
  rdkafka: Record<string, string>
  timeoutMs: number
  from: 'beginning' | 'end'
}

/** A message as `tail` and `watch` read it, from either engine's reader. */
export interface ReadMessage {
  topic: string
  partition: number
  offset: number
  value: Buffer | null
  key?: Buffer | string | null
  timestamp?: number
  headers?: Array<Record<string, unknown>>
}

/** How `tail` and `watch` read partitions (node-rdkafka's consumer, or the pure-JS engine's). */
export interface TopicReader {
  readonly ranges: PartitionRange[]
  /** Up to a batch of messages: what has been fetched, or what arrives within ~25 ms. */
  consume: () => Promise<ReadMessage[]>
  /** Next offset to read per partition (`topic\0partition`). */
  positions: () => Map<string, number>
  /** Disconnect, bounded. */
  close: (timeoutMs?: number) => Promise<void>
}

/** A reader on the engine this install runs (`KLT_ENGINE` decides in tests): node-rdkafka when it loads, else the pure-JS one. */
export async function openReader (o: OpenOptions): Promise<TopicReader> {
  if (chooseEngine('auto') === 'rdkafka') return await LogConsumer.open(o)
  // loaded when chosen, as the producer loads the second engine
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PlatformaticReader } = require('./reader-platformatic') as typeof import('./reader-platformatic')
  return await PlatformaticReader.open(o)
}

const BATCH = 1000

/** node-rdkafka's errors are Errors in practice; make sure of it for rejections. */
function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String((err as { message?: unknown } | null)?.message ?? err))
}
// node-rdkafka's consume(n) returns early only when one wait for the next message times
// out: with a long wait, a steady trickle (say 200/s) would be held until n had arrived.
// A short wait returns each fetched batch at once; idle, it costs ~40 wake-ups a second.
const CONSUME_WAIT_MS = 25

/**
 * A consumer that reads partitions directly (assign, no group join, no commits): `tail`
 * and `watch` observe a topic without disturbing anyone's consumer group. Every broker
 * call has a timeout, so an unreachable broker is an error, never a hang.
 */
export class LogConsumer implements TopicReader {
  readonly #consumer: KafkaConsumer
  readonly #rdkafka: Record<string, string>
  readonly ranges: PartitionRange[]

  private constructor (consumer: KafkaConsumer, rdkafka: Record<string, string>, ranges: PartitionRange[]) {
    this.#consumer = consumer
    this.#rdkafka = rdkafka
    this.ranges = ranges
  }

  static async open (o: OpenOptions): Promise<LogConsumer> {
    const Kafka = loadRdkafka()
    let consumer: KafkaConsumer
    const global = {
      'metadata.broker.list': o.brokers,
      'group.id': `kafka-log-transport-cli-${randomUUID()}`,
      'client.id': 'kafka-log-transport-cli',
      'enable.auto.commit': false,
      'enable.partition.eof': false,
      'allow.auto.create.topics': false,
      'fetch.wait.max.ms': 100,
      ...o.rdkafka
    }
    try {
      consumer = new Kafka.KafkaConsumer(global, {})
    } catch (err) {
      const message = redactText(err instanceof Error ? err.message : String(err), o.rdkafka)
      const property = /property:? "([^"]+)"/.exec(message)?.[1]
      throw new ConfigError(property === undefined ? 'rdkafka' : `rdkafka.${property}`, `librdkafka rejected it: ${message}`)
    }
    const self = new LogConsumer(consumer, o.rdkafka, [])
    try {
      await new Promise<void>((resolve, reject) => {
        consumer.connect({ timeout: o.timeoutMs }, (err) => { if (err) reject(asError(err)); else resolve() })
      })
    } catch (err) {
      await self.close(1000)
      throw new CliError(`could not connect to Kafka at ${o.brokers} within ${o.timeoutMs} ms (${self.#describe(err)})`)
    }
    try {
      for (const topic of o.topics) {
        const partitions = await self.#partitions(topic, o.timeoutMs)
        if (partitions.length === 0) throw new CliError(`topic "${topic}" does not exist at ${o.brokers}`)
        for (const partition of partitions) {
          const w = await new Promise<{ lowOffset: number, highOffset: number }>((resolve, reject) => {
            consumer.queryWatermarkOffsets(topic, partition, o.timeoutMs, (err, offsets) => { if (err) reject(asError(err)); else resolve(offsets) })
          })
          self.ranges.push({ topic, partition, start: o.from === 'beginning' ? w.lowOffset : w.highOffset, end: w.highOffset })
        }
      }
      // explicit offsets: reading starts exactly where the watermarks said
      consumer.assign(self.ranges.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.start })))
      consumer.setDefaultConsumeTimeout(CONSUME_WAIT_MS)
    } catch (err) {
      await self.close(1000)
      if (err instanceof CliError) throw err
      throw new CliError(`reading topic metadata from ${o.brokers} failed: ${self.#describe(err)}`)
    }
    return self
  }

  #describe (err: unknown): string {
    return redactText(err instanceof Error ? err.message : String(err), this.#rdkafka)
  }

  async #partitions (topic: string, timeoutMs: number): Promise<number[]> {
    const md = await new Promise<{ topics: Array<{ name: string, partitions: Array<{ id: number }> }> }>((resolve, reject) => {
      this.#consumer.getMetadata({ topic, timeout: timeoutMs }, (err: LibrdKafkaError | undefined, data: unknown) => {
        if (err) reject(asError(err))
        else resolve(data as { topics: Array<{ name: string, partitions: Array<{ id: number }> }> })
      })
    })
    return (md.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => p.id).sort((a, b) => a - b)
  }

  /** Up to a batch of messages: what has been fetched, or what arrives within ~25 ms. */
  consume (): Promise<Message[]> {
    return new Promise((resolve, reject) => {
      this.#consumer.consume(BATCH, (err, messages) => {
        if (err) reject(new CliError(`consuming failed: ${this.#describe(err)}`))
        else resolve(messages)
      })
    })
  }

  /** Next offset to read per assigned partition (librdkafka's position). */
  positions (): Map<string, number> {
    const out = new Map<string, number>()
    try {
      for (const p of this.#consumer.position()) {
        if (typeof p.offset === 'number' && p.offset >= 0) out.set(`${p.topic}\u0000${p.partition}`, p.offset)
      }
    } catch {
      // not assigned yet or closing: no positions
    }
    return out
  }

  /** Disconnect, bounded: a consumer stuck on an unreachable broker must not hold the exit. */
  close (timeoutMs = 3000): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs)
      timer.unref()
      try {
        this.#consumer.disconnect(() => {
          clearTimeout(timer)
          resolve()
        })
      } catch {
        clearTimeout(timer)
        resolve()
      }
    })
  }
}
