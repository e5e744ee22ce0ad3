import path from 'node:path'
import type { Writable } from 'node:stream'
import { inspect } from 'node:util'
import { ConfigError } from '../errors'
import { LOG_HEADERS, OPTION_NAMES, OPTION_TABLE } from './option-table'
import { shown } from './secrets'
import { PINO_LEVELS } from '../record/level-time'
import { TOPIC_RE } from '../record/line-rules'

export type {
  LogInput, LogFields, TopicOption, KeyOption, Encoding, Compression, OverflowPolicy, LogHeaderName, ResolvedLogHeaders, OversizedPolicy, DeliveryReports, RdkafkaValue, KafkaLogOptions, SpoolFsync, SpoolOptions, ResolvedSpoolOptions, ResolvedOptions,
  OAuthBearerToken, OAuthBearerTokenOption, ResolvedTokenSource
} from './types'
import type { DeliveryReports, KeyOption, LogFields, LogHeaderName, RdkafkaValue, ResolvedLogHeaders, ResolvedOptions, ResolvedSpoolOptions, ResolvedTokenSource, TopicOption } from './types'

const SPOOL_KNOWN = new Set(['dir', 'maxBytes', 'fsync', 'fsyncIntervalMs'])
// Kafka topic names: 1-249 chars of [a-zA-Z0-9._-]. Template placeholders are checked per record.
const TEMPLATE_RE = /^(?:[a-zA-Z0-9._-]|\{[a-zA-Z0-9_.$-]+\})+$/

/** Show a value in an error without leaking anything long or secret-looking. */
export function describeValue (value: unknown): string {
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value)
  if (value === null || typeof value !== 'object') return String(value)
  return Array.isArray(value) ? 'an array' : 'an object'
}

function fail (option: string, value: unknown, expected: string): never {
  throw new ConfigError(option, `got ${describeValue(value)}, expected ${expected}`)
}

function positiveInt (opts: Record<string, unknown>, name: string, dflt: number, min = 1): number {
  const v = opts[name]
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(name, v, `an integer >= ${min}`)
  return v
}

/** An option whose rule and default are in OPTION_TABLE (an integer bound or a list of values). */
function fromTable<K extends keyof ResolvedOptions> (opts: Record<string, unknown>, name: K): ResolvedOptions[K] {
  const rule = OPTION_TABLE.find((o) => o.name === name)?.rule
  if (rule?.kind === 'int') return positiveInt(opts, name, rule.default, rule.min) as ResolvedOptions[K]
  if (rule?.kind === 'enum') return oneOf(opts, name, rule.values, rule.default) as ResolvedOptions[K]
  throw new Error(`option ${name} has no simple rule in OPTION_TABLE`) // a bug of ours, caught by the tests
}

function oneOf<T> (opts: Record<string, unknown>, name: string, allowed: readonly T[], dflt: T): T {
  const v = opts[name]
  if (v === undefined) return dflt
  if (!allowed.includes(v as T)) fail(name, v, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`)
  return v as T
}

/** These of LOG_HEADERS, in its order (whatever the given list's), frozen. */
const inOrder = (names: readonly unknown[]): readonly LogHeaderName[] => Object.freeze(LOG_HEADERS.filter((h) => names.includes(h)))
const everyRecord = (names: readonly unknown[]): ResolvedLogHeaders => Object.freeze({ json: inOrder(names), other: inOrder(names) })

/**
 * Left out, headers go only where a record's value cannot speak for itself: `content-type`
 * and `level` on text lines and OTLP records, none on a JSON line (its level is in it);
 * with a spool, whose replays can send a record twice, `log-id` on every record.
 */
function resolveLogHeaders (v: unknown, spool: boolean): ResolvedLogHeaders {
  if (v === undefined) {
    const id = spool ? ['log-id'] : []
    return Object.freeze({ json: inOrder(id), other: inOrder(['content-type', 'level', ...id]) })
  }
  if (v === true) return everyRecord(LOG_HEADERS)
  if (v === false) return everyRecord([])
  const known = (x: unknown): x is LogHeaderName => LOG_HEADERS.includes(x as LogHeaderName)
  if (!Array.isArray(v) || !v.every(known)) fail('logHeaders', v, `true, false or a list of ${LOG_HEADERS.map((h) => `'${h}'`).join(', ')}`)
  return everyRecord(v)
}

/** `levelLabels` (or pino's config relayed by an adapter): integer levels to names, over pino's own. */
export function resolveLevelLabels (v: unknown, option = 'levelLabels'): Readonly<Record<number, string>> {
  if (v === undefined) return PINO_LEVELS
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(option, v, "an object of numeric levels to names, such as { 35: 'audit' }")
  const out: Record<number, string> = { ...PINO_LEVELS }
  for (const [k, name] of Object.entries(v)) {
    if (!/^-?\d+$/.test(k)) throw new ConfigError(`${option}.${k}`, 'a level must be an integer')
    if (typeof name !== 'string' || name === '' || name.length > 64) fail(`${option}.${k}`, name, 'a name of 1 to 64 characters')
    out[Number(k)] = name
  }
  return Object.freeze(out)
}

function resolveBrokers (v: unknown): string {
  const list: unknown[] | undefined = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v as unknown[] : undefined
  const expected = "'host:port' or a list of them, e.g. '127.0.0.1:9092,10.0.0.2:9092'"
  if (list === undefined || list.length === 0) fail('brokers', v, expected)
  const parts = list.map((b) => (typeof b === 'string' ? b.trim() : b))
  for (const b of parts) {
    if (typeof b !== 'string' || !/^[^\s:,]+:\d{1,5}$/.test(b)) fail('brokers', v, expected)
  }
  return parts.join(',')
}

function resolveTopic (v: unknown): TopicOption {
  if (typeof v === 'function') return v as (fields: LogFields) => string
  if (typeof v === 'string' && (TOPIC_RE.test(v) || TEMPLATE_RE.test(v))) return v
  fail('topic', v, 'a topic name of [a-zA-Z0-9._-], a template such as "logs.{service}", or a function')
}

function resolveKey (v: unknown): KeyOption {
  if (v === undefined) return 'none'
  if (typeof v === 'function') return v as KeyOption
  if (typeof v === 'string' && /^[^.\s]+(\.[^.\s]+)*$/.test(v)) return v
  fail('key', v, "'none', 'hostname', a field path such as 'req.id', or a function")
}

function resolveRecord<T> (opts: Record<string, unknown>, name: string, check: (x: unknown) => boolean, expected: string): Record<string, T> {
  const v = opts[name]
  if (v === undefined) return {}
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(name, v, 'an object')
  const out: Record<string, T> = {}
  for (const [k, x] of Object.entries(v)) {
    if (!check(x)) throw new ConfigError(`${name}.${k}`, `got ${String(shown(k, describeValue(x)))}, expected ${expected}`)
    out[k] = x as T
  }
  return out
}

/** `headers`: names and values without a NUL (node-rdkafka's produce() cuts a header at its first NUL, a native batch does not). */
function resolveHeaders (opts: Record<string, unknown>): Record<string, string> {
  const headers = resolveRecord<string>(opts, 'headers', (x) => typeof x === 'string' && !x.includes('\0'), 'a string without a NUL character')
  for (const name of Object.keys(headers)) {
    if (name === '' || name.includes('\0')) throw new ConfigError(`headers.${JSON.stringify(name)}`, 'a header name must be a non-empty string without a NUL character')
  }
  return headers
}

/**
 * `oauthbearerToken`, and the librdkafka settings it must not contradict: another SASL
 * mechanism, or librdkafka's own token sources (its unsecured JWT builder, OIDC).
 */
function resolveToken (v: unknown, rdkafka: Readonly<Record<string, RdkafkaValue>>): ResolvedTokenSource | undefined {
  if (v === undefined) return undefined
  const expected = "a token string, { file: '/path/to/token' }, or a function returning { token, expiresAt }"
  let source: ResolvedTokenSource
  if (typeof v === 'string' && v.trim() !== '') source = { kind: 'static', token: v.trim() }
  else if (typeof v === 'function') source = { kind: 'function', get: v as () => unknown }
  else if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { file?: unknown }).file === 'string' && (v as { file: string }).file !== '') {
    source = { kind: 'file', file: path.resolve((v as { file: string }).file) }
  } else {
    throw new ConfigError('oauthbearerToken', `got ${v === null || typeof v !== 'object' ? describeValue(typeof v === 'string' ? '[redacted]' : v) : 'an object without a file'}, expected ${expected}`)
  }
  const mechanism = rdkafka['sasl.mechanisms'] ?? rdkafka['sasl.mechanism']
  if (mechanism !== undefined && String(mechanism).toUpperCase() !== 'OAUTHBEARER') {
    throw new ConfigError('oauthbearerToken', `it needs sasl.mechanisms OAUTHBEARER, but rdkafka sets ${String(mechanism)}: leave sasl.mechanisms out`)
  }
  if (rdkafka['enable.sasl.oauthbearer.unsecure.jwt'] === true || String(rdkafka['sasl.oauthbearer.method'] ?? '').toLowerCase() === 'oidc') {
    throw new ConfigError('oauthbearerToken', 'librdkafka gets its own token here (enable.sasl.oauthbearer.unsecure.jwt or sasl.oauthbearer.method oidc): use one or the other')
  }
  return Object.freeze(source)
}

function resolveFallback (v: unknown): Writable | string | undefined {
  if (v === undefined) return undefined
  if (typeof v === 'string' && v.length > 0) return v
  if (v !== null && typeof v === 'object' && typeof (v as Writable).write === 'function') return v as Writable
  fail('fallback', v, 'a writable stream or a file path')
}

/**
 * A spool needs a report per record: a record that fails comes back whole (to be spooled)
 * only through its report's opaque, and node-rdkafka frees an opaque only when a report
 * carries it, so with failure-only reports every successful record's opaque would leak.
 */
function resolveReports (opts: Record<string, unknown>): DeliveryReports {
  const spool = opts['spool'] !== undefined
  const reports = oneOf(opts, 'deliveryReports', ['errors', 'all'] as const, spool ? 'all' : 'errors')
  if (spool && reports === 'errors') {
    throw new ConfigError('deliveryReports', "a spool needs a delivery report per record ('all', its default with a spool): leave deliveryReports out or set 'all'")
  }
  return reports
}

function resolveSpool (v: unknown): ResolvedSpoolOptions | undefined {
  if (v === undefined) return undefined
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('spool', v, "an object such as { dir: '/var/spool/myapp-logs' }")
  const s = v as Record<string, unknown>
  for (const k of Object.keys(s)) {
    if (!SPOOL_KNOWN.has(k)) throw new ConfigError(`spool.${k}`, `unknown option (known: ${[...SPOOL_KNOWN].join(', ')})`)
  }
  if (typeof s['dir'] !== 'string' || s['dir'].length === 0) fail('spool.dir', s['dir'], 'a directory path')
  const int = (name: string, dflt: number, min: number): number => {
    const x = s[name]
    if (x === undefined) return dflt
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min) fail(`spool.${name}`, x, `an integer >= ${min}`)
    return x
  }
  const fsync = s['fsync'] ?? 'interval'
  if (fsync !== 'never' && fsync !== 'interval' && fsync !== 'always') fail('spool.fsync', fsync, "'never', 'interval' or 'always'")
  return Object.freeze({ dir: path.resolve(s['dir']), maxBytes: int('maxBytes', 1024 ** 3, 64 * 1024), fsync, fsyncIntervalMs: int('fsyncIntervalMs', 1000, 1) })
}

/** A copy of the options with secret librdkafka values replaced. */
function redacted (o: ResolvedOptions): Record<string, unknown> {
  const rdkafka = Object.fromEntries(Object.entries(o.rdkafka).map(([k, v]) => [k, shown(k, v)]))
  const token = o.oauthbearerToken?.kind === 'static' ? { kind: 'static', token: '[redacted]' } : o.oauthbearerToken
  return { ...o, rdkafka, oauthbearerToken: token }
}

/** Validate once, apply defaults, return a frozen copy. Throws {@link ConfigError}. */
export function resolveOptions (input: unknown): ResolvedOptions {
  if (input === null || typeof input !== 'object') fail('options', input, 'an object with at least brokers and topic')
  const opts = input as Record<string, unknown>
  for (const k of Object.keys(opts)) {
    if (!OPTION_NAMES.has(k)) throw new ConfigError(k, `unknown option (known: ${[...OPTION_NAMES].join(', ')}; librdkafka properties go in rdkafka: {})`)
  }
  const acks = opts['acks'] === undefined ? 'all' : opts['acks']
  if (acks !== 'all' && acks !== 0 && acks !== 1) fail('acks', acks, "'all', 1 or 0")
  const idempotence = opts['idempotence'] ?? acks === 'all'
  if (typeof idempotence !== 'boolean') fail('idempotence', idempotence, 'a boolean')
  if (idempotence && acks !== 'all') throw new ConfigError('idempotence', `idempotence needs acks 'all' (acks is ${acks}); set idempotence: false or acks: 'all'`)
  const rdkafka = Object.freeze(resolveRecord<RdkafkaValue>(opts, 'rdkafka',
    (x) => ['string', 'number', 'boolean'].includes(typeof x), 'a string, number or boolean'))
  const spool = resolveSpool(opts['spool'])
  const resolved: ResolvedOptions = {
    brokers: resolveBrokers(opts['brokers']),
    topic: resolveTopic(opts['topic']),
    key: resolveKey(opts['key']),
    encoding: fromTable(opts, 'encoding'),
    compression: fromTable(opts, 'compression'),
    acks,
    idempotence,
    lingerMs: fromTable(opts, 'lingerMs'),
    batchMessages: fromTable(opts, 'batchMessages'),
    maxMessageBytes: fromTable(opts, 'maxMessageBytes'),
    oversized: fromTable(opts, 'oversized'),
    deliveryReports: resolveReports(opts),
    exitHook: fromTable(opts, 'exitHook'),
    maxBufferBytes: fromTable(opts, 'maxBufferBytes'),
    maxBufferMessages: fromTable(opts, 'maxBufferMessages'),
    overflow: fromTable(opts, 'overflow'),
    fallback: resolveFallback(opts['fallback']),
    headers: Object.freeze(resolveHeaders(opts)),
    logHeaders: resolveLogHeaders(opts['logHeaders'], spool !== undefined),
    levelLabels: resolveLevelLabels(opts['levelLabels']),
    rdkafka,
    oauthbearerToken: resolveToken(opts['oauthbearerToken'], rdkafka),
    connectTimeoutMs: fromTable(opts, 'connectTimeoutMs'),
    flushTimeoutMs: fromTable(opts, 'flushTimeoutMs'),
    exitFlushMs: fromTable(opts, 'exitFlushMs'),
    rescue: fromTable(opts, 'rescue'),
    messageTimeoutMs: fromTable(opts, 'messageTimeoutMs'),
    engine: fromTable(opts, 'engine'),
    spool
  }
  // printing or serializing the options (logs, debug dumps) must not show secrets
  const shown = { value: () => redacted(resolved) }
  Object.defineProperties(resolved, { toJSON: shown, [inspect.custom]: shown })
  return Object.freeze(resolved)

}
