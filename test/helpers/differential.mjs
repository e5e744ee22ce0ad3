// The differential run of issue #28, shared by native-differential.test.mjs and
// native-sanitizers.test.mjs: each path turns the same lines into records in its own process
// (fixtures/differential/produce.mjs) against librdkafka's mock cluster; the records are read
// back and compared byte for byte (value, key, partitions, timestamp, headers) with those of
// node-rdkafka's produce() path, and the counts (written, dropped, delivered) with its counts.
import fc from 'fast-check'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CORPUS } from '../fixtures/differential/corpus.mjs'
import { javaPartition, readTopics } from './mock-kafka.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const PRODUCE = path.join(here, '..', 'fixtures', 'differential', 'produce.mjs')
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** The paths: the JS encoder with produce() per record (the reference), with native batches, and native lines (chunks, each line alone, and write() per line). */
export const PATHS = {
  produce: { env: { KLT_NATIVE_LINES: '0', KLT_NATIVE_BATCH: '0' }, how: 'lines', expect: /^produce\(\) per record/ },
  batches: { env: { KLT_NATIVE_LINES: '0' }, how: 'lines', expect: /^native batches/ },
  lines: { env: {}, how: 'lines', expect: /^native lines/ },
  writes: { env: {}, how: 'write', expect: /^native lines/ },
  each: { env: {}, how: 'each', expect: /^native lines/ }
}

// ---- the generated lines: pino-like and not, with every kind of value a request can carry
const T = 1765000000000
const quoted = (s) => JSON.stringify(s)
const rawBytes = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.concat([Buffer.from('"'), Buffer.from(a.map((x) => (x === 0x22 || x === 0x5c || x === 0x0a ? 0x41 : x))), Buffer.from('"')]))
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }).map(quoted),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(quoted),
  rawBytes,
  fc.integer().map(String),
  fc.constantFrom('0', '-0', '1.50', '1e3', '1E+2', '-1.5e-7', '9007199254740993', '123456789012345678901234567890', 'true', 'false', 'null', '[]', '{}'),
  fc.double().filter(Number.isFinite).map(String),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null')
)
const name = fc.oneof(
  fc.constantFrom('reqId', 'reqId', 'msg', 'time', 'level', '@timestamp', 'timestamp', 'log.level', 'severity_text', 'trace_id', 'span_id',
    'traceId', 'spanId', 'trace_flags', 'constructor', '__proto__', 're\\u0071Id', 'reqI'),
  fc.string({ unit: 'grapheme-ascii', maxLength: 8 }).map((s) => JSON.stringify(s).slice(1, -1))
)
const space = fc.constantFrom('', '', '', ' ', '\t', '\r')
const field = fc.tuple(name, value, space, space).map(([n, v, s1, s2]) => Buffer.concat([Buffer.from(`"${n}"${s1}:${s2}`), Buffer.isBuffer(v) ? v : Buffer.from(v)]))
// few distinct levels: each label is a topic of its own under {level}
// most lines have a head the native path reads (else they all go to the JS encoder there too)
const level = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('10', '20', '30', '40', '50', '60') }, fc.constantFrom('10', '20', '30', '35', '40', '50', '60', '77', '99', '030', '-30', '30.5', '99999999999999999999', '123456789012345'),
  fc.constantFrom('info', 'warn', 'x', 'constructor', 'toString', '__proto__', 'hasownproperty', 'a'.repeat(40), '').map(quoted))
const time = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: T - 1e11, max: T + 1e11 }).map(String) }, fc.constantFrom(String(T), String(T / 1000), String(T * 1000), String(T * 1e6), '0', '-5', '1.7e12', '1e300', '1765000000.123', `"${new Date(T).toISOString()}"`, 'null'),
  fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String), fc.integer({ min: T - 1e11, max: T + 1e11 }).map(String))
const pinoLine = fc.tuple(level, time, fc.array(field, { maxLength: 6 }), fc.constantFrom('}', '}', '}', '', ',}', '} ')).map(([l, tm, fields, end]) =>
  Buffer.concat([Buffer.from(`{"level":${l},"time":${tm}`), ...fields.flatMap((f) => [Buffer.from(','), f]), Buffer.from(end)]))
const otherLine = fc.oneof(
  fc.array(field, { maxLength: 6 }).map((fields) => Buffer.concat([Buffer.from('{'), ...fields.flatMap((f, i) => i === 0 ? [f] : [Buffer.from(','), f]), Buffer.from('}')])),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a))
)
export const line = fc.tuple(fc.oneof({ weight: 4, arbitrary: pinoLine }, { weight: 1, arbitrary: otherLine }), fc.boolean(), fc.nat(20))
  .map(([l, crlf, cut]) => {
    const bytes = Buffer.from(l)
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) bytes[i] = 0x20
    // now and then a line cut short, anywhere
    const shown = cut === 0 && bytes.length > 1 ? bytes.subarray(0, bytes.length >> 1) : bytes
    return crlf ? Buffer.concat([shown, Buffer.from('\r')]) : shown
  })

// ---- a run: each path in its own process, to the mock cluster; the records read back
function run (bootstrap, topic, config, file, pathName, childEnv) {
  const p = PATHS[pathName]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PRODUCE, bootstrap, topic, config, file, p.how],
      { env: { ...process.env, KLT_NATIVE_LINES: '', KLT_NATIVE_BATCH: '', ...p.env, ...childEnv }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => { out += d })
    child.stderr.on('data', (d) => { err += d })
    child.on('close', (code) => {
      // a sanitizer's report fails the run even if the process ended well
      if (code !== 0 || /Sanitizer|runtime error:/.test(err)) return reject(new Error(`${pathName} ended with ${code}: ${err}`))
      resolve(JSON.parse(out))
    })
  })
}

/** A record as a comparable text: its topic after the run's prefix, key, partitions, time, headers, value. */
function signature (m, prefix, from, to) {
  const key = m.key === null || m.key === undefined ? null : Buffer.from(m.key)
  const headers = (m.headers ?? []).map((h) => {
    const [n, v] = Object.entries(h)[0]
    const text = Buffer.from(v).toString('hex')
    return [n, n === 'log-id' && UUID_V7.test(Buffer.from(v).toString()) ? 'uuid-v7' : text]
  })
  return JSON.stringify({
    topic: m.topic.slice(prefix.length),
    key: key === null ? null : key.toString('hex'),
    partitions: key === null ? null : [m.partition, javaPartition(key, 1), javaPartition(key, 3), javaPartition(key, 12)],
    timestamp: m.timestamp >= from - 1 && m.timestamp <= to + 1 ? 'send time' : m.timestamp,
    headers,
    value: m.value === null ? null : Buffer.from(m.value).toString('hex')
  })
}

function counts (sigs) {
  const c = new Map()
  for (const s of sigs) c.set(s, (c.get(s) ?? 0) + 1)
  return c
}

/** Records one side has more of than the other, readable. */
function surplus (a, b, limit = 8) {
  const out = []
  for (const [s, n] of a) {
    if ((b.get(s) ?? 0) < n && out.length < limit) {
      const r = JSON.parse(s)
      out.push({ ...r, value: r.value === null ? null : Buffer.from(r.value, 'hex').toString().slice(0, 200), key: r.key === null ? null : `${r.key} (${Buffer.from(r.key, 'hex').toString()})` })
    }
  }
  return out
}


/** The corpus and `generated` generated lines (fixed seed), each as one chunk of newline-ended lines. */
export function lineSets (generated, seed) {
  const chunk = (lines) => Buffer.concat(lines.map((l) => Buffer.concat([l, Buffer.from('\n')])))
  return { corpus: chunk(CORPUS), generated: chunk(fc.sample(line, { numRuns: generated, seed })) }
}

/**
 * Each of `runs` ({ config, set, paths? }) on every path (or those named, produce first), compared
 * with the produce() path.
 * `childEnv`: more environment for the producing processes (the sanitizer build).
 */
export async function compareRuns (t, { bootstrap, topics, dir, sets, runs, childEnv = {} }) {
  for (const { config, set, paths } of runs) {
    const file = path.join(dir, `${set}.lines`)
    writeFileSync(file, sets[set])
    const names = paths ?? (set === 'corpus' ? Object.keys(PATHS) : ['produce', 'batches', 'lines'])
    const results = {}
    await Promise.all(names.map(async (p) => {
      const topic = `d-${config}-${set}-${p}-${process.pid}`
      const r = await run(bootstrap, topic, config, file, p, childEnv)
      t.match(r.path, PATHS[p].expect, `${config}/${set}/${p}: ${r.path}`)
      const found = await topics(topic)
      const messages = found.length === 0 ? [] : await readTopics(bootstrap, found, r.flushed.delivered)
      results[p] = { ...r, sigs: counts(messages.map((m) => signature(m, topic, r.from, r.to))), read: messages.length }
    }))
    const base = results.produce
    t.equal(base.read, base.flushed.delivered, `${config}/${set}: every record of node-rdkafka's produce() read back`)
    for (const p of names.slice(1)) {
      const other = results[p]
      t.same({ written: other.written, dropped: other.dropped, delivered: other.flushed.delivered, read: other.read },
        { written: base.written, dropped: base.dropped, delivered: base.flushed.delivered, read: base.read }, `${config}/${set}: ${p} counts as produce() does`)
      const onlyBase = surplus(base.sigs, other.sigs)
      const onlyOther = surplus(other.sigs, base.sigs)
      t.same({ onlyProduce: onlyBase, [`only-${p}`]: onlyOther }, { onlyProduce: [], [`only-${p}`]: [] }, `${config}/${set}: ${p} made the records produce() made, byte for byte`)
    }
  }
}
