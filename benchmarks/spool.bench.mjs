// The durable spool (issue #11): what a write that goes to the spool costs, per fsync
// setting, beside a write that stays in memory; and how fast a spool is replayed into Kafka
// beside live sending of the same lines to the same broker.
//   node benchmarks/spool.bench.mjs [--quick] [--lines N]
// Writes benchmarks/RESULTS-spool.md and benchmarks/results-spool.json (not in --quick mode).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { KafkaLogProducer } from 'kafka-log-transport'
import { benchBroker } from './utils/broker.mjs'
import { machineInfo, writeResults } from './utils/results.mjs'
import { countRecords, createTopic } from '../test/helpers/kafka.mjs'
import { ensureLines } from './utils/lines.mjs'

const { values: args } = parseArgs({ options: { quick: { type: 'boolean' }, lines: { type: 'string' } } })
const LINES = Number(args.lines ?? (args.quick ? 5000 : 200000))
// fsync per record is ~1,000x slower: fewer records, same per-record figure
const ALWAYS_LINES = Math.min(LINES, args.quick ? 200 : 5000)
const log = (m) => process.stderr.write(`[bench] ${m}\n`)
const UNREACHABLE = '127.0.0.1:9'

function readLines (n) {
  const text = fs.readFileSync(ensureLines(Math.max(n, 1000000)).plain)
  const out = []
  for (let start = 0; out.length < n;) {
    const end = text.indexOf(0x0a, start)
    out.push(text.subarray(start, end))
    start = end + 1
  }
  return out
}

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'klt-bench-spool-'))

/** ns per write() with Kafka unreachable: into memory (no spool), or into a spool with `fsync`. */
async function writeCost (lines, fsync) {
  const dir = tmpDir()
  try {
    const producer = new KafkaLogProducer({
      brokers: UNREACHABLE, topic: 'bench-spool', key: 'reqId', exitHook: false, connectTimeoutMs: 600000,
      ...(fsync === undefined ? { maxBufferMessages: lines.length + 1, maxBufferBytes: 2 ** 30 } : { maxBufferMessages: 1, spool: { dir, fsync } })
    })
    producer.on('error', () => {})
    const t0 = process.hrtime.bigint()
    for (const line of lines) producer.write(line)
    const ns = Number(process.hrtime.bigint() - t0) / lines.length
    const m = producer.metrics()
    const spooled = m.spool?.records ?? 0
    await producer.close(10)
    return { fsync: fsync ?? 'no spool (memory)', records: lines.length, nsPerWrite: ns, spooled, bytesOnDisk: m.spool?.bytes ?? 0 }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** Records/s sending `lines` live, and replaying the same lines from a spool, into fresh topics. */
async function throughput (lines, brokers) {
  const live = await createTopic(`bench-spool-live-${Date.now()}`, { partitions: 6, bootstrap: brokers })
  const p = new KafkaLogProducer({ brokers, topic: live, key: 'reqId', exitHook: false, maxBufferMessages: 200000 })
  await p.connect()
  let t0 = performance.now()
  for (const line of lines) if (!p.write(line)) await new Promise((resolve) => p.once('drain', resolve))
  const liveResult = await p.close(120000)
  const liveS = (performance.now() - t0) / 1000

  const replayTopic = await createTopic(`bench-spool-replay-${Date.now()}`, { partitions: 6, bootstrap: brokers })
  const dir = tmpDir()
  try {
    const filler = new KafkaLogProducer({ brokers: UNREACHABLE, topic: replayTopic, key: 'reqId', exitHook: false, maxBufferMessages: 1, spool: { dir, fsync: 'never' }, connectTimeoutMs: 600000 })
    filler.on('error', () => {})
    for (const line of lines) filler.write(line)
    await filler.close(10)
    t0 = performance.now()
    const replayer = new KafkaLogProducer({ brokers, topic: 'unused', exitHook: false, spool: { dir } })
    const recovered = replayer.metrics().spool.recovered
    // live was timed from a connected producer: replay is timed from its connection too
    let connectedAt = t0
    replayer.once('ready', () => { connectedAt = performance.now() })
    const replayResult = await replayer.close(300000)
    const replayS = (performance.now() - connectedAt) / 1000
    const connectS = (connectedAt - t0) / 1000
    const [inLive, inReplay] = [await countRecords(live, { bootstrap: brokers }), await countRecords(replayTopic, { bootstrap: brokers })]
    return { records: lines.length, liveS, replayS, connectS, liveResult, replayResult, recovered, inLive, inReplay }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

let broker
try {
  const lines = readLines(LINES)
  const cost = []
  cost.push(await writeCost(lines, undefined))
  for (const fsync of ['never', 'interval']) cost.push(await writeCost(lines, fsync))
  cost.push(await writeCost(lines.slice(0, ALWAYS_LINES), 'always'))
  for (const c of cost) log(`write ${c.fsync}: ${Math.round(c.nsPerWrite)} ns per record (${c.records} records)`)
  broker = await benchBroker(log)
  const tp = await throughput(lines, broker.brokers)
  log(`live ${tp.liveS.toFixed(2)} s, replay ${tp.replayS.toFixed(2)} s for ${tp.records} records; in topics ${tp.inLive} / ${tp.inReplay}`)
  const accountedFor = tp.inLive === LINES && tp.inReplay === LINES && tp.recovered === LINES &&
    cost.every((c) => c.fsync.startsWith('no spool') || c.spooled === c.records - 1)
  const results = { date: new Date().toISOString(), lines: LINES, cost, throughput: tp, accountedFor, machine: machineInfo() }
  process.stdout.write(JSON.stringify({ accountedFor, nsPerWrite: Object.fromEntries(cost.map((c) => [c.fsync, Math.round(c.nsPerWrite)])), liveS: tp.liveS, replayS: tp.replayS }) + '\n')
  if (!accountedFor) throw new Error(`counts do not add up: ${JSON.stringify({ cost, tp })}`)
  if (!args.quick) {
    const base = cost[0].nsPerWrite
    writeResults('spool', [
      '# The durable spool: write cost and replay speed', '',
      `${results.date}; pino-shaped lines of ~300 bytes; ${results.machine.cpus} cores (${results.machine.cpu}), Node ${results.machine.node}, this machine's local disk. Produced by \`node benchmarks/spool.bench.mjs\`.`, '',
      '## Cost of a write() that goes to the spool (Kafka unreachable)', '',
      '| where the record goes | records | ns per write() | × memory | MiB/s to disk |', '|---|---|---|---|---|',
      ...cost.map((c) => `| ${c.fsync === 'no spool (memory)' ? c.fsync : `spool, fsync: '${c.fsync}'`} | ${c.records.toLocaleString('en-US')} | ${Math.round(c.nsPerWrite).toLocaleString('en-US')} | ${(c.nsPerWrite / base).toFixed(1)} | ${c.bytesOnDisk > 0 ? ((c.bytesOnDisk / 2 ** 20) / (c.nsPerWrite * c.records / 1e9)).toFixed(1) : '-'} |`),
      '',
      '## Replay beside live sending (same lines, same broker, 6 partitions, acks=all, lz4)', '',
      '| path | records | seconds | records/s |', '|---|---|---|---|',
      `| live: write() with Kafka up | ${LINES.toLocaleString('en-US')} | ${tp.liveS.toFixed(2)} | ${Math.round(LINES / tp.liveS).toLocaleString('en-US')} |`,
      `| replay: a spool left by an earlier run, sent by a new producer | ${LINES.toLocaleString('en-US')} | ${tp.replayS.toFixed(2)} | ${Math.round(LINES / tp.replayS).toLocaleString('en-US')} |`,
      '', `Both timed from a connected producer to the last acknowledgement (the replaying producer took ${tp.connectS.toFixed(2)} s to connect first).`,
      'Replay reads 10,000-record batches, keeps up to 4 of them in flight, then waits for their acknowledgements before deleting the segments they cover.',
      '', `Both topics were counted afterwards: ${tp.inLive.toLocaleString('en-US')} and ${tp.inReplay.toLocaleString('en-US')} records.`, ''
    ], results)
  }
} finally {
  await broker?.stop()
}
