/**
 * pino's config message (`{ code: 'PINO_CONFIG', config: { levels, messageKey, errorKey } }`),
 * which pino sends to a destination when a logger is made on it, and to a worker target
 * through its worker thread's port: the level names by number, custom levels included.
 */
export interface PinoConfigMessage {
  code?: unknown
  config?: { levels?: { labels?: unknown } }
}

/** The level names of a pino config message; undefined for any other message. */
export function pinoConfigLabels (m: PinoConfigMessage | null | undefined): Record<number, string> | undefined {
  if (m?.code !== 'PINO_CONFIG') return undefined
  const labels = m.config?.levels?.labels
  return labels !== null && typeof labels === 'object' ? labels as Record<number, string> : undefined
}
