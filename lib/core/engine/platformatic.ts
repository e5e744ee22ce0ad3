import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import type { Producer as PlatformaticClient } from '@platformatic/kafka'
import type { RdkafkaConfig } from '../config/rdkafka-config'
import { ConfigError } from '../errors'
import type { EngineError, EngineHandlers, EngineHeaders, EngineProducer, EngineReport, HeldRecord } from './engine'
import { causeText, engineError, errorText, kafkaCode, LOCAL, refusalText, retriable, writtenPartitions } from './platformatic-errors'
import { clientOptions, platformaticSettings, type PlatformaticSettings } from './platformatic-config'
import { keyHash } from './murmur2'
import { PendingQueue, reportOf, toMessage, type Pending } from './platformatic-queue'

let nextName = 1
const PROBE_AGAIN_MS = 250 // between two tries of a connect attempt while no broker answers

/**
 * A producer over @platformatic/kafka (pure JS) that behaves as node-rdkafka's does for the
 * core (issue #29): a bounded queue that refuses with ERR__QUEUE_FULL, batches of what
 * waits (linger, batch size), one request in flight at a time (a key's order kept, as
 * librdkafka's idempotent producer keeps it), retries until message.timeout.ms, librdkafka's
 * error codes, and delivery reports handed to JS by poll().
 */
export class PlatformaticProducer extends EventEmitter implements EngineProducer {
  readonly name = `kafka-log-transport#platformatic-${nextName++}`
  readonly #settings: PlatformaticSettings
  #client: PlatformaticClient | undefined
  #token: string | undefined
  readonly #queue = new PendingQueue()
  #inflight = 0
  #sending: readonly Pending[] = [] // the request in flight's records
  #connected = false
  #backingOff = false // a request failed: the next waits for the backoff
  #sendTimer: NodeJS.Timeout | undefined
  #reports: Array<[EngineError | null, EngineReport]> = []
  #statsTimer: NodeJS.Timeout | undefined
  #holdTimer: NodeJS.Timeout | undefined // keeps the process alive while records are held (#hold)
  #sent = 0 // records and bytes acknowledged, for the statistics
  #sentBytes = 0
  readonly #idle: Array<() => void> = []

  constructor (settings: PlatformaticSettings) {
    super()
    this.#settings = settings
  }

  get #waiting (): number { return this.#queue.length }

  produce (topic: string, _partition: null, value: Buffer, key: string | Buffer | null, timestamp: number | null, opaque: unknown, headers: EngineHeaders): void {
    if (value.length > this.#settings.maxMessageBytes) throw engineError(10, 'Broker: Message size too large')
    if (this.#waiting + this.#inflight >= this.#settings.queueMessages || this.#queue.bytes + value.length > this.#settings.queueBytes) {
      throw engineError(LOCAL.QUEUE_FULL, 'Local: Queue full')
    }
    this.#queue.push({ topic, value, key: typeof key === 'string' ? Buffer.from(key) : key ?? undefined, timestamp, opaque, headers, at: Date.now(), alone: false })
    this.#hold(true)
    this.#schedule()
  }

  /** Send what waits: at once when a batch is full, else after linger.ms. */
  #schedule (): void {
    if (!this.#connected || this.#backingOff || this.#inflight > 0 || this.#waiting === 0) return
    if (this.#waiting >= this.#settings.batchMessages) {
      clearTimeout(this.#sendTimer)
      this.#sendTimer = undefined
      setImmediate(() => { this.#send() })
    } else {
      this.#sendTimer ??= setTimeout(() => { this.#sendTimer = undefined; this.#send() }, this.#settings.lingerMs)
    }
  }

  #send (): void {
    const client = this.#client
    if (client === undefined || !this.#connected || this.#backingOff || this.#inflight > 0 || this.#waiting === 0) return
    const batch = this.#queue.take(this.#settings.batchMessages)
    this.#inflight = batch.length
    this.#sending = batch
    // keyless records of one request go to one partition (Java's sticky partitioner)
    const sticky = Math.floor(Math.random() * 0x7fffffff)
    const messages = batch.map((r) => toMessage(r, sticky))
    client.send({ messages }, (err) => {
      if (this.#sending !== batch) return // taken out at exit
      this.#inflight = 0
      this.#sending = []
      if (err === null || err === undefined) this.#delivered(batch)
      else this.#failed(batch, err, sticky)
      this.#settled()
    })
  }

  #delivered (batch: readonly Pending[]): void {
    this.#sent += batch.length
    for (const r of batch) {
      this.#sentBytes += r.value.length
      if (this.#settings.allReports) this.#reports.push([null, reportOf(r, this.#settings.reportValues)])
    }
  }

  #failed (sent: Pending[], err: unknown, sticky: number): void {
    // what Kafka wrote all the same is delivered: sent again, it would be there twice
    const written = writtenPartitions(err)
    let batch = sent
    if (written.size > 0) {
      const wrote: Pending[] = []
      batch = []
      for (const r of sent) (written.has(`${r.topic}:${this.#partitionOf(r, sticky)}`) ? wrote : batch).push(r)
      this.#delivered(wrote)
    }
    if (batch.length === 0) return
    const code = kafkaCode(err)
    const message = errorText(err)
    // the broker refused the request for its records (size, timestamp, validation, or any
    // error it says a retry cannot mend): when several went together, each goes again
    // alone (back at the head of the queue, in their order), and the broker names the one it refuses
    if (code === 10 || code === 32 || code === 87 || (code !== 0 && !retriable(err))) {
      if (batch.length > 1) {
        for (const r of batch) r.alone = true
        this.#queue.putBack(batch)
      } else {
        for (const r of batch) this.#reports.push([engineError(code, message), reportOf(r, this.#settings.reportValues)])
      }
      return
    }
    if (/^Unknown topic/.test(message)) {
      for (const r of batch) this.#reports.push([engineError(3, `Broker: Unknown topic or partition (${message})`), reportOf(r, this.#settings.reportValues)])
      return
    }
    // refused credentials end the producer, as librdkafka's fatal SASL errors do (a refused certificate is retried)
    if (refusalText(err)?.startsWith('SASL') === true) this.emit('event.error', engineError(LOCAL.AUTHENTICATION, message, { isFatal: true }))
    // anything else (no broker, a timeout): again after a backoff, until message.timeout.ms
    this.#queue.putBack(batch)
    this.#expire()
    this.#backingOff = true
    setTimeout(() => { this.#backingOff = false; this.#schedule() }, this.#settings.retryBackoffMs).unref()
  }

  /** Records older than message.timeout.ms fail, as librdkafka's do (ERR__MSG_TIMED_OUT). */
  #expire (): void {
    const deadline = Date.now() - this.#settings.messageTimeoutMs
    for (const r of this.#queue.takeWhile((r) => r.at <= deadline)) {
      this.#reports.push([engineError(LOCAL.MSG_TIMED_OUT, 'Local: Message timed out', { isRetriable: true }), reportOf(r, this.#settings.reportValues)])
    }
  }

  /** The partition the engine gave `r` (-1 when its topic's partitions are not known). */
  #partitionOf (r: Pending, sticky: number): number {
    const count = this.#client?.currentMetadata?.topics.get(r.topic)?.partitionsCount
    if (count === undefined || count === 0) return -1
    return (r.key === undefined ? sticky : keyHash(r.key)) % count
  }

  #settled (): void {
    if (this.#waiting > 0 || this.#inflight > 0) {
      this.#schedule()
      return
    }
    this.#hold(false)
    for (const done of this.#idle.splice(0)) done()
  }

  // records held keep the process alive, through an outage too (its sockets are gone then), as
  // librdkafka's do; connected and idle, the connection's idle suspension discounts its sockets
  #hold (holding: boolean): void {
    if (holding) {
      this.#holdTimer ??= setInterval(() => {}, 2 ** 30)
      return
    }
    clearInterval(this.#holdTimer)
    this.#holdTimer = undefined
  }

  /** Its open sockets, as process.getActiveResourcesInfo() names them (one TCPSocketWrap each, TLS too). */
  ownResources (): string[] {
    const own: string[] = []
    for (const [, connection] of this.#client?.connections ?? []) {
      const socket = connection.socket as Socket | undefined // none before it connects
      if (socket !== undefined && !socket.destroyed) own.push('TCPSocketWrap')
    }
    return own
  }

  poll (): void {
    if (this.#reports.length === 0) return
    const reports = this.#reports
    this.#reports = []
    for (const [err, report] of reports) this.emit('delivery-report', err, report)
  }

  connect (options: { timeout: number }, cb: (err: EngineError | null | undefined) => void): void {
    let client: PlatformaticClient
    try {
      client = this.#client ?? this.#createClient()
    } catch (err) {
      cb(engineError(LOCAL.INVALID_ARG, err instanceof Error ? err.message : String(err)))
      return
    }
    this.#client = client
    let last: EngineError | undefined
    const timer = setTimeout(() => { done(last ?? engineError(LOCAL.TIMED_OUT, `Local: Timed out (no broker answered within ${options.timeout} ms)`)) }, options.timeout)
    let ended = false
    const done = (err: EngineError | null): void => {
      if (ended) return
      ended = true
      clearTimeout(timer)
      if (err === null) {
        this.#connected = true
        this.#startStats()
        this.#hold(this.#waiting > 0)
        this.#schedule()
      }
      cb(err)
    }
    // as librdkafka's connect: no broker yet, it tries again until the attempt's time is up
    // (its timer keeps the process alive meanwhile); a refusal is said at once
    const probe = (): void => {
      client.metadata({ topics: [], retries: 0 }, (err) => {
        if (err === null || err === undefined) { done(null); return }
        // what librdkafka would have logged: the core tells refused credentials or certificates by it
        const refusal = refusalText(err)
        if (refusal !== undefined) this.emit('event.refusal', refusal)
        last = engineError(kafkaCode(err) || LOCAL.TRANSPORT, err instanceof Error ? `${err.message}${causeText(err)}` : String(err))
        if (refusal !== undefined) done(last); else if (!ended) setTimeout(probe, PROBE_AGAIN_MS).unref()
      })
    }
    probe()
  }

  #createClient (): PlatformaticClient {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Producer } = require('@platformatic/kafka') as typeof import('@platformatic/kafka')
    return new Producer(clientOptions(this.#settings, () => this.#token ?? ''))
  }

  isConnected (): boolean { return this.#connected }

  /** With statistics.interval.ms: the counters of librdkafka's statistics this engine has, under the same names. */
  #startStats (): void {
    const every = this.#settings.statsIntervalMs
    if (every <= 0 || this.#statsTimer !== undefined) return
    this.#statsTimer = setInterval(() => {
      this.emit('event.stats', {
        name: this.name, client_id: this.#settings.clientId, type: 'producer', engine: 'platformatic', ts: Math.round(performance.now() * 1000), time: Math.floor(Date.now() / 1000),
        msg_cnt: this.#waiting + this.#inflight, msg_size: this.#queue.bytes, msg_max: this.#settings.queueMessages, msg_size_max: this.#settings.queueBytes,
        txmsgs: this.#sent, txmsg_bytes: this.#sentBytes
      })
    }, every).unref()
  }

  flush (timeoutMs: number, cb: (err: unknown) => void): void {
    this.poll()
    if (this.#waiting === 0 && this.#inflight === 0) {
      setImmediate(() => { cb(null) })
      return
    }
    const timer = setTimeout(() => {
      const i = this.#idle.indexOf(done)
      if (i >= 0) this.#idle.splice(i, 1)
      cb(engineError(LOCAL.TIMED_OUT, 'Local: Timed out'))
    }, timeoutMs)
    const done = (): void => { clearTimeout(timer); this.poll(); cb(null) }
    this.#idle.push(done)
    this.#schedule()
  }

  disconnect (timeoutMs: number, cb: () => void): void {
    this.flush(timeoutMs, () => {
      const client = this.#client
      this.#connected = false
      this.#client = undefined
      clearTimeout(this.#sendTimer)
      clearInterval(this.#statsTimer)
      this.#statsTimer = undefined
      this.#hold(false)
      if (client === undefined) cb(); else client.close(() => { cb() })
    })
  }

  /** At exit, all not acknowledged: the request in flight first (it may have landed: twice, never missing), then the queue. */
  takeHeld (): HeldRecord[] {
    const held = [...this.#sending, ...this.#queue.takeWhile(() => true)]
    this.#sending = []
    this.#inflight = 0
    this.#hold(false)
    return held
  }

  setOauthBearerToken (token: string): void { this.#token = token }
}

/** A producer over @platformatic/kafka for `config` (no I/O yet), its events wired to `on`. */
export function createPlatformaticProducer (config: RdkafkaConfig, on: EngineHandlers): EngineProducer {
  const settings = platformaticSettings(config)
  if (settings.brokers.length === 0) throw new ConfigError('brokers', 'no broker given')
  const producer = new PlatformaticProducer(settings)
  producer.on('delivery-report', on.delivery)
  producer.on('event.error', on.error)
  producer.on('event.stats', on.stats)
  producer.on('event.refusal', on.loggedError)
  return producer
}
