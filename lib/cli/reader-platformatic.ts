import { randomUUID } from 'node:crypto'
import type { Consumer, Message, MessagesStream } from '@platformatic/kafka'
import { CliError, redactText } from './args'
import type { OpenOptions, PartitionRange, ReadMessage, TopicReader } from './consumer'
import { bounded, errorText, kafkaCode, platformaticSettings, retriable } from '../internal'

const BATCH = 1000
// as long as node-rdkafka's reader waits for more before it hands a batch over
const CONSUME_WAIT_MS = 25
const COORDINATOR_AGAIN_MS = 250

type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>

/**
 * `tail` and `watch` on the pure-JS engine (an install without node-rdkafka): a consumer of
 * a group of its own (a random id, no commits: nobody's group is disturbed), reading from
 * the offsets the watermarks gave, as the node-rdkafka reader does.
 */
export class PlatformaticReader implements TopicReader {
  readonly ranges: PartitionRange[]
  readonly #consumer: Consumer
  readonly #rdkafka: Record<string, string>
  #stream: Stream | undefined
  #failed: Error | undefined
  readonly #next = new Map<string, number>()

  private constructor (consumer: Consumer, rdkafka: Record<string, string>, ranges: PartitionRange[]) {
    this.#consumer = consumer
    this.#rdkafka = rdkafka
    this.ranges = ranges
  }

  static async open (o: OpenOptions): Promise<PlatformaticReader> {
    const s = platformaticSettings({ global: { 'metadata.broker.list': o.brokers, partitioner: 'murmur2_random', ...o.rdkafka }, topic: {} })
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Consumer } = require('@platformatic/kafka') as typeof import('@platformatic/kafka')
    const consumer = new Consumer({
      groupId: `kafka-log-transport-cli-${randomUUID()}`,
      clientId: 'kafka-log-transport-cli',
      bootstrapBrokers: s.brokers,
      autocommit: false,
      maxWaitTime: 100,
      timeout: o.timeoutMs,
      connectTimeout: o.timeoutMs,
      retries: 0,
      ...(s.tls === undefined ? {} : { tls: s.tls }),
      ...(s.sasl === undefined ? {} : { sasl: s.sasl })
    })
    const self = new PlatformaticReader(consumer, o.rdkafka, [])
    try {
      const offsets = await orTimeout(consumer.listOffsets({ topics: o.topics }), o.timeoutMs, `no answer from ${o.brokers}`)
      const lows = o.from === 'beginning' ? await orTimeout(consumer.listOffsets({ topics: o.topics, timestamp: -2n }), o.timeoutMs, `no answer from ${o.brokers}`) : offsets
      for (const topic of o.topics) {
        const highs = offsets.get(topic)
        if (highs === undefined || highs.length === 0) throw new CliError(`topic "${topic}" does not exist at ${o.brokers}`)
        highs.forEach((high, partition) => {
          const start = Number(lows.get(topic)?.[partition] ?? high)
          self.ranges.push({ topic, partition, start, end: Number(high) })
        })
      }
      const options = { topics: o.topics, mode: 'manual' as const, offsets: self.ranges.map((r) => ({ topic: r.topic, partition: r.partition, offset: BigInt(r.start) })), autocommit: false }
      // a fresh broker has no group coordinator yet (COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, and
      // other errors Kafka says a retry can mend): again, within the timeout
      for (const deadline = Date.now() + o.timeoutMs; ;) {
        try {
          self.#stream = await consumer.consume(options)
          break
        } catch (err) {
          if (kafkaCode(err) === 0 || !retriable(err) || Date.now() + COORDINATOR_AGAIN_MS > deadline) throw err
          await new Promise((resolve) => setTimeout(resolve, COORDINATOR_AGAIN_MS))
        }
      }
      self.#stream.on('error', (err: Error) => { self.#failed = err })
      // a stream that ended is said, never waited on
      self.#stream.on('close', () => { self.#failed ??= new Error('the consumer stream closed') })
    } catch (err) {
      await self.close(1000)
      if (err instanceof CliError) throw err
      // the engine's own words for it, or UNKNOWN_TOPIC_OR_PARTITION in an aggregate or a cause
      if (kafkaCode(err) === 3 || /^Unknown topic/.test(errorText(err))) throw new CliError(`topic "${o.topics.join(',')}" does not exist at ${o.brokers}`)
      throw new CliError(`could not connect to Kafka at ${o.brokers} within ${o.timeoutMs} ms (${self.#describe(err)})`)
    }
    return self
  }

  #describe (err: unknown): string {
    return redactText(err instanceof Error ? err.message : String(err), this.#rdkafka)
  }

  /** Up to a batch of messages: what has been fetched, or what arrives within ~25 ms. */
  async consume (): Promise<ReadMessage[]> {
    const stream = this.#stream
    if (stream === undefined) return []
    let out = this.#take(stream)
    if (out.length === 0) {
      await bounded(CONSUME_WAIT_MS, (done) => {
        stream.once('readable', done)
        return () => { stream.off('readable', done) }
      })
      out = this.#take(stream)
    }
    if (out.length === 0 && this.#failed !== undefined) throw new CliError(`consuming failed: ${this.#describe(this.#failed)}`)
    return out
  }

  #take (stream: Stream): ReadMessage[] {
    const out: ReadMessage[] = []
    for (let m = stream.read() as Message | null; m !== null; m = out.length < BATCH ? stream.read() as Message | null : null) {
      const offset = Number(m.offset)
      this.#next.set(`${m.topic}\u0000${m.partition}`, offset + 1)
      const headers: Array<Record<string, Buffer>> = []
      for (const [k, v] of m.headers) headers.push({ [k.toString()]: v })
      out.push({ topic: m.topic, partition: m.partition, offset, value: m.value ?? null, key: m.key ?? null, timestamp: Number(m.timestamp), headers })
    }
    return out
  }

  /** Next offset to read per partition a message came from. */
  positions (): Map<string, number> {
    return new Map(this.#next)
  }

  /** Leave, bounded: a consumer stuck on an unreachable broker must not hold the exit. */
  async close (timeoutMs = 3000): Promise<void> {
    const closing = (async () => {
      await this.#stream?.close().catch(() => undefined)
      await this.#consumer.close(true).catch(() => undefined)
    })()
    await bounded(timeoutMs, (done) => { void closing.then(done); return () => {} })
  }
}

/** `p`'s value, or a rejection saying `what` did not come after `ms` (the core's `bounded` waits without failing). */
function orTimeout<T> (p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`${what} within ${ms} ms`)) }, ms)
    timer.unref()
    p.then((v) => { clearTimeout(timer); resolve(v) }, (err: unknown) => { clearTimeout(timer); reject(err instanceof Error ? err : new Error(String(err))) })
  })
}
