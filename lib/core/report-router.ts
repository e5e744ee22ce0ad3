import type { EngineError, EngineReport } from './engine/engine'
import type { ConnectionClient } from './connection-client'

/**
 * Which of a connection's clients a delivery report belongs to. A per-record report carries
 * its client's id in its opaque; a failure-only report carries none, and goes to the
 * topic's only writer (noted as records are handed over), else to the first client (two
 * producers of one connection writing the same topic share its failure counts).
 */
export class ReportRouter {
  readonly #owners = new Map<string, number | 'many'>()

  /** `clientId` writes to `topic`. */
  note (topic: string, clientId: number): void {
    const owner = this.#owners.get(topic)
    if (owner === undefined) this.#owners.set(topic, clientId)
    else if (owner !== clientId && owner !== 'many') this.#owners.set(topic, 'many')
  }

  deliver (clients: ReadonlyMap<number, ConnectionClient>, err: EngineError | null | undefined, report: EngineReport): void {
    const opaque: unknown = report.opaque
    let id: number | undefined
    let writtenAt: number | undefined
    if (Array.isArray(opaque)) [id, writtenAt] = opaque as [number, number | undefined]
    else if (typeof opaque === 'number') id = opaque
    const kept = keptWith(opaque)
    if (id === undefined) {
      const owner = this.#owners.get(report.topic)
      if (typeof owner === 'number' && clients.has(owner)) id = owner
    }
    const client = id === undefined ? clients.values().next().value : clients.get(id)
    client?.onDelivery(err, report, writtenAt, kept)
  }
}

/** What the connection's `produce()` was asked to keep with a record (its opaque: [client id, written at, kept]). */
export function keptWith (opaque: unknown): unknown {
  return Array.isArray(opaque) ? (opaque as unknown[])[2] : undefined
}
