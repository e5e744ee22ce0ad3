// Issue #20: the OTLP encodings, as the OpenTelemetry Collector's Kafka receiver reads
// them. Records go into a real broker and are decoded with OpenTelemetry's official .proto
// definitions (test/helpers/otlp-proto.mjs), field by field; the Collector itself is not
// needed: the decode stands in for it.
import t from 'tap'
import os from 'node:os'
import pino from 'pino'
import { KafkaLogProducer } from 'kafka-log-transport'
import { kafkaDestination } from 'kafka-log-transport/pino'
import { brokers, consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { exportLogsServiceRequest } from '../helpers/otlp-proto.mjs'

const Request = exportLogsServiceRequest()
const TRACE = '5b8efff798038103d269b633813fc60c'
const SPAN = 'eee19b7ec3c1b174'

/** The one log record of a decoded request, with its resource and scope. */
function only (t, request) {
  t.equal(request.resourceLogs.length, 1, 'one resource')
  const [rl] = request.resourceLogs
  t.equal(rl.scopeLogs.length, 1, 'one scope')
  t.equal(rl.scopeLogs[0].logRecords.length, 1, 'one log record per Kafka record')
  const attrs = (list) => Object.fromEntries((list ?? []).map((kv) => [kv.key, kv.value]))
  const record = rl.scopeLogs[0].logRecords[0]
  return { resource: attrs(rl.resource.attributes), scope: rl.scopeLogs[0].scope, record, attributes: attrs(record.attributes) }
}

t.test('otlp_proto: pino records decode with the official definitions, field by field', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-otlp-proto'))
  const stream = kafkaDestination({ brokers: brokers(), topic, encoding: 'otlp_proto', key: 'reqId' })
  const logger = pino({ customLevels: { audit: 35 } }, stream).child({ service: 'checkout' })
  logger.warn({ trace_id: TRACE, span_id: SPAN, reqId: 'r1', n: 7, ratio: 0.5, ok: true, http: { status: 503 } }, 'payment slow')
  logger.audit({ reqId: 'r2' }, 'permission changed')
  logger.error(new Error('boom'), 'failed')
  await new Promise((resolve) => stream.end(resolve))
  const got = await consumeAll(topic, 3, { settleMs: 300 })
  t.equal(got.length, 3, '3 records in Kafka')
  const byKey = new Map(got.map((m) => [m.key?.toString() ?? 'none', m]))

  const warn = byKey.get('r1')
  t.equal(warn.headers['content-type'], 'application/x-protobuf')
  t.equal(warn.headers.level, 'warn')
  const w = only(t, Request.toObject(Request.decode(warn.value), { longs: String, bytes: String, enums: Number }))
  t.same(w.resource, { 'service.name': { stringValue: 'checkout' }, 'host.name': { stringValue: os.hostname() } }, 'resource: service.name, host.name')
  t.equal(w.scope.name, 'kafka-log-transport')
  t.equal(w.record.timeUnixNano, String(BigInt(warn.timestamp) * 1000000n), 'time: pino\'s time, in ns')
  t.ok(BigInt(w.record.observedTimeUnixNano) >= BigInt(w.record.timeUnixNano), 'observed time set')
  t.equal(w.record.severityNumber, 13, 'severity WARN')
  t.equal(w.record.severityText, 'warn')
  t.same(w.record.body, { stringValue: 'payment slow' }, 'body: msg')
  t.equal(Buffer.from(w.record.traceId, 'base64').toString('hex'), TRACE, 'trace id')
  t.equal(Buffer.from(w.record.spanId, 'base64').toString('hex'), SPAN, 'span id')
  t.equal(w.record.flags, 1, 'trace flags')
  t.same(w.attributes.reqId, { stringValue: 'r1' })
  t.same(w.attributes.n, { intValue: '7' })
  t.same(w.attributes.ratio, { doubleValue: 0.5 })
  t.same(w.attributes.ok, { boolValue: true })
  t.same(w.attributes.http, { kvlistValue: { values: [{ key: 'status', value: { intValue: '503' } }] } }, 'nested objects as kvlists')
  t.same(w.attributes.pid, { intValue: String(process.pid) }, 'other fields as attributes')
  for (const k of ['level', 'time', 'msg', 'trace_id', 'span_id', 'service', 'hostname']) t.notOk(k in w.attributes, `${k} is not repeated as an attribute`)

  const audit = only(t, Request.toObject(Request.decode(byKey.get('r2').value), { longs: String, enums: Number }))
  t.equal(audit.record.severityNumber, 11, "a custom level (35) on pino's scale: INFO3")
  t.equal(audit.record.severityText, 'audit', "with the app's name")
  t.notOk(audit.record.traceId?.length, 'no trace context without trace ids')

  const error = only(t, Request.toObject(Request.decode(byKey.get('none').value), { longs: String, enums: Number }))
  t.equal(error.record.severityNumber, 17)
  t.match(error.attributes.err.kvlistValue.values.find((kv) => kv.key === 'message').value, { stringValue: 'boom' }, 'the error object as a kvlist')
})

t.test('otlp_json through the core: plain text and OTel-shaped records', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-otlp-json'))
  const producer = new KafkaLogProducer({ brokers: brokers(), topic, encoding: 'otlp_json' })
  producer.write('error: unable to connect to database\n')
  producer.write({ timestamp: 1764757230456000000, severity_text: 'WARN', severity_number: 14, body: 'disk 81%', service: 'storage', trace_id: TRACE, span_id: SPAN, trace_flags: '00' })
  t.same(await producer.close(10000), { delivered: 2, failed: 0, pending: 0 })
  const got = await consumeAll(topic, 2, { settleMs: 300 })
  t.ok(got.every((m) => m.headers['content-type'] === 'application/json'))
  const [text, otel] = got.map((m) => only(t, JSON.parse(m.value.toString())))
  t.same(text.record.body, { stringValue: 'error: unable to connect to database' }, 'a text line is the body')
  t.equal(text.record.severityNumber, 17, 'its stated level as the severity')
  t.same(text.resource['service.name'], { stringValue: 'unknown_service:node' }, "OTel's default service name")
  t.equal(otel.record.timeUnixNano, '1764757230456000000')
  t.equal(otel.record.severityNumber, 14, 'the record\'s own severity number')
  t.equal(otel.record.severityText, 'WARN', 'and text')
  t.same(otel.record.body, { stringValue: 'disk 81%' })
  t.equal(otel.record.traceId, TRACE, 'OTLP/JSON: hex trace id')
  t.equal(otel.record.flags, 0)
  t.same(otel.resource['service.name'], { stringValue: 'storage' })
})

t.test('examples/otel-collector-app.mjs runs: records a Collector can decode', async (t) => {
  const { execFile } = await import('node:child_process')
  const { promisify } = await import('node:util')
  const topic = await createTopic(uniqueTopic('klt-otlp-example'))
  const { stdout } = await promisify(execFile)(process.execPath, ['examples/otel-collector-app.mjs', topic, '200'], { env: { ...process.env, KAFKA_BROKERS: brokers() }, timeout: 60000 })
  t.same(JSON.parse(stdout), { topic, encoding: 'otlp_proto', written: 200, delivered: 200 })
  const got = await consumeAll(topic, 200, { settleMs: 300 })
  t.equal(got.length, 200)
  const decoded = got.map((m) => only({ equal () {}, same () {} }, Request.toObject(Request.decode(m.value), { longs: String, enums: Number })))
  t.same([13, 9].map((s) => decoded.filter((d) => d.record.severityNumber === s).length), [50, 150], '50 WARN, 150 INFO')
  t.ok(decoded.every((d) => d.resource['service.name'].stringValue === 'checkout' && typeof d.attributes.i.intValue === 'string'))
})

t.test('without OpenTelemetry\'s serializers installed: a ConfigError that says what to install', async (t) => {
  const { execFile } = await import('node:child_process')
  const { promisify } = await import('node:util')
  // a loader that hides the package, as on an install without it
  const script = `
    const Module = require('node:module'); const orig = Module._resolveFilename
    Module._resolveFilename = function (req, ...rest) { if (req === '@opentelemetry/otlp-transformer') { const e = new Error('not found'); e.code = 'MODULE_NOT_FOUND'; throw e } return orig.call(this, req, ...rest) }
    const { KafkaLogProducer } = require('kafka-log-transport')
    try { new KafkaLogProducer({ brokers: '127.0.0.1:9', topic: 't', encoding: 'otlp_proto' }) } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }`
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script])
  const err = JSON.parse(stdout)
  t.equal(err.code, 'KLT_INVALID_OPTIONS')
  t.match(err.message, /encoding: .*npm install @opentelemetry\/otlp-transformer/)
})

t.test('kafka-log-transport pipe --encoding otlp_proto: any program\'s lines for the Collector', async (t) => {
  const { runCli } = await import('../fixtures/cli-run.mjs')
  const topic = await createTopic(uniqueTopic('klt-otlp-pipe'))
  const input = ['WARN disk usage above 80%', '{"level":50,"time":1764757230456,"msg":"payment failed","service":"billing"}']
  const piped = await runCli(['pipe', '--topic', topic, '--encoding', 'otlp_proto'], { input: input.join('\n') + '\n', env: { KAFKA_BROKERS: brokers() } })
  t.equal(piped.code, 0, piped.stderr)
  const got = (await consumeAll(topic, 2, { settleMs: 300 })).map((m) => only(t, Request.toObject(Request.decode(m.value), { longs: String, enums: Number })))
  const bodies = got.map((d) => d.record.body.stringValue).sort()
  t.same(bodies, ['WARN disk usage above 80%', 'payment failed'])
  const billing = got.find((d) => d.record.body.stringValue === 'payment failed')
  t.same([billing.record.severityNumber, billing.record.timeUnixNano, billing.resource['service.name'].stringValue], [17, '1764757230456000000', 'billing'])
  t.equal(got.find((d) => d !== billing).record.severityNumber, 13, 'the text line\'s WARN')
})

t.test("otlp_proto with OpenTelemetry's pino instrumentation: the span's trace context on the log record", async (t) => {
  const { execFile } = await import('node:child_process')
  const { promisify } = await import('node:util')
  const topic = await createTopic(uniqueTopic('klt-otlp-otel-pino'))
  await promisify(execFile)(process.execPath, ['test/fixtures/otel-pino-app.cjs', topic, 'otlp_proto'], { env: { ...process.env, KAFKA_BROKERS: brokers() }, timeout: 60000 })
  const got = (await consumeAll(topic, 2, { settleMs: 300 })).map((m) => only(t, Request.toObject(Request.decode(m.value), { longs: String, bytes: String, enums: Number })))
  const inSpan = got.find((d) => d.attributes.reqId.stringValue === 'in-span')
  t.equal(Buffer.from(inSpan.record.traceId, 'base64').toString('hex'), '4bf92f3577b34da6a3ce929d0e0e4736')
  t.equal(Buffer.from(inSpan.record.spanId, 'base64').toString('hex'), '00f067aa0ba902b7')
  t.equal(inSpan.record.flags, 1, 'sampled')
  t.notOk(got.find((d) => d !== inSpan).record.traceId?.length, 'no trace context outside the span')
})
