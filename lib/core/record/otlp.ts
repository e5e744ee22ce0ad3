/**
 * The `encoding: 'otlp_json' | 'otlp_proto'` record values: each Kafka record is one OTLP
 * `ExportLogsServiceRequest`, as the OpenTelemetry Collector's Kafka receiver reads with
 * those encodings. The OTLP shapes and wire formats are OpenTelemetry's own
 * (@opentelemetry/otlp-transformer, an optional peer dependency loaded only here); this
 * file maps a log record onto OpenTelemetry's log data model.
 */
import { createRequire } from 'node:module'
import { hostname } from 'node:os'
import { ConfigError } from '../errors'
import type { Encoding, LogFields } from '../config/types'
import { rankOf } from './level-time'

interface Serializer { serializeRequest: (records: unknown[]) => Uint8Array | undefined }
interface Transformer { JsonLogsSerializer: Serializer, ProtobufLogsSerializer: Serializer }

const PACKAGES = '@opentelemetry/otlp-transformer@0.301 @opentelemetry/api@1.10'
let transformer: Transformer | undefined

/** OpenTelemetry's serializers, or a ConfigError that says what to install. */
function loadTransformer (): Transformer {
  if (transformer !== undefined) return transformer
  try {
    // resolved from the application, where the user installs it (an optional peer dependency)
    transformer = createRequire(__filename)('@opentelemetry/otlp-transformer') as Transformer
  } catch (err) {
    throw new ConfigError('encoding', `the OTLP encodings need OpenTelemetry's serializers: npm install ${PACKAGES} ` +
      `(${(err as { code?: string }).code ?? String(err)})`, { cause: err })
  }
  return transformer
}

/**
 * OpenTelemetry SeverityNumber: the record's own (OTel-shaped records), else from pino's
 * scale (a custom level's number too: 35 → 11), else from the level's name; 0 when unknown.
 */
export function severityNumber (label: string | undefined, fields: LogFields): number {
  const given = fields['severity_number'] ?? fields['severityNumber']
  if (typeof given === 'number' && Number.isInteger(given) && given >= 1 && given <= 24) return given
  const raw = fields['level']
  const rank = typeof raw === 'number' ? raw : label === undefined ? undefined : rankOf(label.toLowerCase())
  if (rank === undefined) return 0
  // pino 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal → 1, 5, 9, 13, 17, 21
  return Math.max(1, Math.min(24, Math.round(1 + (rank - 10) * 0.4)))
}

// fields that become parts of the OTLP record rather than attributes
const MAPPED = new Set([
  'level', 'time', 'msg', 'message', 'timestamp', '@timestamp', 'log.level', 'severity_text', 'severityText',
  'severity_number', 'severityNumber', 'trace_id', 'traceId', 'span_id', 'spanId', 'trace_flags', 'traceFlags',
  'service', 'service.name', 'hostname', 'host.hostname', 'host.name', 'body', 'v'
])
const HEX = /^[0-9a-f]+$/
const HOST = hostname()
const SCOPE = Object.freeze({ name: 'kafka-log-transport' })

function text (v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

/** The resource a record comes from: `service.name` and `host.name` (the OTel resource conventions). */
function resourceOf (fields: LogFields, cache: Map<string, object>): object {
  const service = text(fields['service.name']) ?? text(fields['service']) ?? text(fields['name']) ?? 'unknown_service:node'
  const host = text(fields['host.name']) ?? text(fields['host.hostname']) ?? text(fields['hostname']) ?? HOST
  const key = `${service}\n${host}`
  let resource = cache.get(key)
  if (resource === undefined) {
    // the same object for records of one resource (the serializer groups by identity)
    resource = Object.freeze({ attributes: Object.freeze({ 'service.name': service, 'host.name': host }) })
    if (cache.size < 1000) cache.set(key, resource)
  }
  return resource
}

/**
 * Encodes records as OTLP log export requests. `encode` takes the record's fields (a
 * plain-text line: undefined, with the line as `text`), its level label and time (ms).
 */
export class OtlpEncoder {
  readonly #serializer: Serializer
  readonly #resources = new Map<string, object>()
  readonly contentType: string

  constructor (encoding: Exclude<Encoding, 'raw'>) {
    const t = loadTransformer()
    this.#serializer = encoding === 'otlp_proto' ? t.ProtobufLogsSerializer : t.JsonLogsSerializer
    this.contentType = encoding === 'otlp_proto' ? 'application/x-protobuf' : 'application/json'
  }

  encode (fields: LogFields | undefined, line: string | undefined, level: string | undefined, timeMs: number | null): Buffer {
    const f = fields ?? {}
    const now = Date.now()
    const time = timeMs ?? now
    const attributes: Record<string, unknown> = {}
    if (fields !== undefined) {
      for (const [k, v] of Object.entries(fields)) if (!MAPPED.has(k) && v !== undefined && v !== null) attributes[k] = v
    }
    const body = fields === undefined ? line : f['msg'] ?? f['message'] ?? f['body']
    const record = {
      hrTime: hrTime(time),
      hrTimeObserved: hrTime(now),
      severityNumber: severityNumber(level, f),
      severityText: text(f['severity_text']) ?? text(f['severityText']) ?? level,
      body,
      attributes,
      droppedAttributesCount: 0,
      spanContext: spanContextOf(f),
      resource: resourceOf(f, this.#resources),
      instrumentationScope: SCOPE
    }
    const bytes = this.#serializer.serializeRequest([record])
    if (bytes === undefined) throw new Error('the OTLP serializer gave nothing')
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }
}

function hrTime (ms: number): [number, number] {
  const seconds = Math.floor(ms / 1000)
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)]
}

function spanContextOf (f: LogFields): { traceId: string, spanId: string, traceFlags: number } | undefined {
  const traceId = f['trace_id'] ?? f['traceId']
  const spanId = f['span_id'] ?? f['spanId']
  if (typeof traceId !== 'string' || typeof spanId !== 'string' || traceId.length !== 32 || spanId.length !== 16 ||
    !HEX.test(traceId) || !HEX.test(spanId)) return undefined
  const rawFlags = f['trace_flags'] ?? f['traceFlags']
  const traceFlags = typeof rawFlags === 'number' ? rawFlags : typeof rawFlags === 'string' ? parseInt(rawFlags, 16) || 0 : 1
  return { traceId, spanId, traceFlags }
}
