import type { EngineError } from './engine'

/** librdkafka's local error codes the pure-JS engine speaks (rdkafka.h, rd_kafka_resp_err_t). */
export const LOCAL = {
  TRANSPORT: -195,
  MSG_TIMED_OUT: -192,
  TIMED_OUT: -185,
  QUEUE_FULL: -184,
  AUTHENTICATION: -169,
  INVALID_ARG: -186
} as const

/** An error in librdkafka's terms. */
export function engineError (code: number, message: string, more: { isFatal?: boolean, isRetriable?: boolean } = {}): Error & EngineError {
  return Object.assign(new Error(message), { code }, more)
}

/**
 * Every error in an error of @platformatic/kafka, itself first: it nests them in an
 * aggregate's `errors` and in `cause` chains (bounded: a cycle or a deep chain stops).
 */
function * errorTree (err: unknown, depth = 0): Generator<Record<string, unknown>> {
  if (typeof err !== 'object' || err === null || depth > 8) return
  const e = err as Record<string, unknown>
  yield e
  if (Array.isArray(e['errors'])) for (const inner of e['errors']) yield * errorTree(inner, depth + 1)
  yield * errorTree(e['cause'], depth + 1)
}

/**
 * The Kafka protocol error code in an error of @platformatic/kafka (its ProtocolError's
 * `apiCode`, found in an aggregate's errors or a cause): librdkafka reports the broker's
 * errors with the same codes. A partition's own code wins over -1, which the engine gives
 * each record error of that partition (KIP-467). 0 when there is none.
 */
export function kafkaCode (err: unknown): number {
  let found = 0
  for (const e of errorTree(err)) {
    const code = e['apiCode']
    if (typeof code !== 'number' || code === 0) continue
    if (code !== -1) return code
    found = -1
  }
  return found
}

/** False when the engine says a retry cannot succeed (a ProtocolError with canRetry false, in an aggregate or a cause). */
export function retriable (err: unknown): boolean {
  for (const e of errorTree(err)) if (typeof e['apiCode'] === 'number' && e['canRetry'] === false) return false
  return true
}

/** The words of an error of the engine: the innermost that says what went wrong (the broker's own message when it sent one). */
export function errorText (err: unknown, depth = 0): string {
  if (typeof err !== 'object' || err === null) return String(err)
  const e = err as { message?: unknown, serverErrorMessage?: unknown, errors?: unknown, cause?: unknown }
  const inner: unknown = Array.isArray(e.errors) && e.errors.length > 0 ? e.errors[0] : e.cause
  if (inner !== undefined && inner !== null && depth < 8) return errorText(inner, depth + 1)
  const said = typeof e.serverErrorMessage === 'string' && e.serverErrorMessage !== '' ? `: ${e.serverErrorMessage}` : ''
  return `${typeof e.message === 'string' ? e.message : 'unknown error'}${said}`
}

/**
 * The topic-partitions a failed send wrote all the same (`topic:partition`): Kafka answers
 * a produce request partition by partition, and refuses only some of them (a record too
 * large for one topic, a leader that moved). Their records must not go again.
 */
export function writtenPartitions (err: unknown): Set<string> {
  const written = new Set<string>()
  for (const e of errorTree(err)) {
    const responses = (e['response'] as { responses?: unknown } | undefined)?.responses
    if (Array.isArray(responses)) {
      for (const t of responses as Array<{ name: string, partitionResponses: Array<{ index: number, errorCode: number }> }>) {
        for (const p of t.partitionResponses) if (p.errorCode === 0) written.add(`${t.name}:${p.index}`)
      }
    }
    const offsets = (e['produced'] as { offsets?: unknown } | undefined)?.offsets
    if (Array.isArray(offsets)) for (const p of offsets as Array<{ topic: string, partition: number }>) written.add(`${p.topic}:${p.partition}`)
  }
  return written
}

/**
 * A broker that refused our credentials, or a certificate we refused, in the words librdkafka
 * logs for it ("SASL authentication error: ...", "SSL handshake failed: ..."); undefined
 * for anything else (no broker, a timeout), which may mend by itself.
 */
export function refusalText (err: unknown): string | undefined {
  const text = errorText(err)
  const codes = codesOf(err).join(' ')
  if (/PLT_KFK_AUTHENTICATION|SASL_AUTHENTICATION_FAILED|ILLEGAL_SASL_STATE/.test(codes) || /authenticat|SASL/i.test(text)) return `SASL authentication error: ${text}`
  if (/certificate|self.signed|unable to verify|handshake|CERT_|ERR_TLS/i.test(`${text} ${codes}`)) return `SSL handshake failed: ${text}`
  return undefined
}

/** The `code` and `apiId` strings in an error of the engine, its aggregate's errors and causes. */
function codesOf (err: unknown): string[] {
  return [...errorTree(err)].flatMap((e) => [e['code'], e['apiId']].filter((c): c is string => typeof c === 'string'))
}

/** ": <its cause's message>" when an error has a cause ('' else). */
export function causeText (err: Error): string {
  const cause = (err as { cause?: unknown }).cause
  return cause instanceof Error ? `: ${cause.message}` : ''
}
