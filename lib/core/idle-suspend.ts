import { processIsIdle } from './lifecycle/exit'

const IDLE_CHECK_MS = 250

/** What an idle suspension does to its connection. */
export interface Suspendable {
  /** Connected? */
  readonly connected: () => boolean
  /** Flush every client's records. */
  readonly flushAll: () => Promise<unknown>
  /** Records left in any client's buffer? */
  readonly buffered: () => boolean
  /** Disconnect, so that the process can exit (a later write reconnects). */
  readonly disconnect: () => Promise<void>
  /** What the connection itself keeps the loop alive with, in process.getActiveResourcesInfo()'s names (the pure-JS engine's sockets). */
  readonly ownResources: () => string[]
}

/**
 * node-rdkafka's native handles (the pure-JS engine's sockets) keep the event loop alive
 * while connected. When nothing else does, the app is done: the connection flushes and disconnects so the process can
 * exit. A connect asked for meanwhile waits until the suspension is done (node-rdkafka would
 * take the handle being torn down for connected, and report no name).
 */
export class IdleSuspend {
  readonly #c: Suspendable
  #timer: NodeJS.Timeout | undefined
  #suspending: Promise<void> | undefined
  #connectAfter = false

  constructor (c: Suspendable) {
    this.#c = c
  }

  /** The suspension under way, if any. */
  get under (): Promise<void> | undefined {
    return this.#suspending
  }

  /** Look for an idle process every IDLE_CHECK_MS while connected. */
  start (): void {
    this.#timer ??= setInterval(() => { this.#check() }, IDLE_CHECK_MS).unref()
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  #check (): void {
    if (this.#suspending !== undefined || !this.#c.connected() || !processIsIdle(this.#c.ownResources())) return
    this.#suspending = this.#suspend().finally(() => { this.#suspending = undefined })
  }

  /** During a suspension: `connect` runs once it is done (true); else false, connect now. */
  deferConnect (connect: () => void): boolean {
    const suspending = this.#suspending
    if (suspending === undefined) return false
    if (!this.#connectAfter) {
      this.#connectAfter = true
      void suspending.then(() => {
        this.#connectAfter = false
        connect()
      })
    }
    return true
  }

  async #suspend (): Promise<void> {
    await this.#c.flushAll()
    if (this.#c.connected() && processIsIdle(this.#c.ownResources()) && !this.#c.buffered()) await this.#c.disconnect()
  }
}
