// Issue #3: a 3-node cluster (RF 3, min.insync.replicas 2); SIGKILL one node while
// producing with acks=all, restart it, and read everything back. Issue #33: the same
// cluster with a partition leader frozen (SIGSTOP: a long GC pause, a VM freeze, a network
// partition without RST). This file always starts its own cluster from the Kafka jars (it
// must own the processes it kills); both tests share it, one after the other.
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { KafkaLogProducer } from 'kafka-log-transport'
import { startCluster } from '../kafka/harness.mjs'
import { consumeAll, createTopic, topicPartitions, uniqueTopic } from '../helpers/kafka.mjs'

const PER_PHASE = 3000

const cluster = await startCluster()
t.teardown(() => cluster.stop())
const bootstrap = cluster.brokers
const rf3 = { partitions: 6, replicationFactor: 3, config: { 'min.insync.replicas': '2' }, bootstrap }

t.test('acks=all survives SIGKILL of a partition leader; everything reads back after restart', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-rf3'), rf3)
  const producer = new KafkaLogProducer({ brokers: bootstrap, topic, key: 'k', acks: 'all' })
  t.teardown(() => producer.close())
  let seq = 0
  const writePhase = (phase) => {
    for (let i = 0; i < PER_PHASE; i++, seq++) producer.write({ level: 30, time: Date.now(), k: `key-${seq % 20}`, seq, phase })
  }

  writePhase('before')
  t.same(await producer.flush(30000), { delivered: PER_PHASE, failed: 0, pending: 0 }, 'phase 1 acknowledged')

  const leaderId = (await topicPartitions(topic, { bootstrap }))[0]?.leader
  const victim = cluster.nodes.find((n) => n.nodeId === leaderId)
  t.ok(victim, `partition 0 has a leader among our nodes (node ${leaderId})`)
  victim.signal('SIGKILL')
  t.ok(await victim.waitExit(5000), 'the leader is gone')

  writePhase('during')
  const during = await producer.flush(60000)
  t.equal(during.pending, 0, 'records written while a node is down are acknowledged by the other two')
  t.equal(during.failed, 0, 'nothing failed')

  victim.start()
  await victim.waitReady({ expectBrokers: 3, timeoutMs: 60000 })
  await sleep(500)
  writePhase('after')
  t.same(await producer.flush(30000), { delivered: 3 * PER_PHASE, failed: 0, pending: 0 }, 'all phases acknowledged')

  const got = await consumeAll(topic, 3 * PER_PHASE, { bootstrap })
  const seqs = new Set(got.map((m) => JSON.parse(m.value.toString()).seq))
  t.equal(got.length, 3 * PER_PHASE, 'exactly the records written are in the topic (no loss, no duplicates)')
  t.equal(seqs.size, 3 * PER_PHASE, 'every sequence number present once')
})

// RELIABILITY.md, "A frozen broker": records in flight to a leader that stops answering
// wait for librdkafka's socket timeout (socketTimeoutMs), then go to the new leader.
const FROZEN_MS = 25000
const SOCKET_TIMEOUT_MS = 10000 // our default for librdkafka's socket.timeout.ms
const RATE = 3000 // lines a second

t.test('a frozen partition leader (SIGSTOP) under 3k lines/s: nothing lost or doubled, its records move to the new leader after the socket timeout', async (t) => {
  // LogAppendTime: each record's timestamp is when a leader appended it
  const topic = await createTopic(uniqueTopic('klt-frozen-leader'), { ...rf3, config: { ...rf3.config, 'message.timestamp.type': 'LogAppendTime' } })
  const rdkafka = process.env.KLT_SOCKET_TIMEOUT_MS === undefined ? {} : { 'socket.timeout.ms': Number(process.env.KLT_SOCKET_TIMEOUT_MS) }
  const producer = new KafkaLogProducer({ brokers: bootstrap, topic, key: 'k', acks: 'all', logHeaders: ['log-id'], rdkafka })
  t.teardown(() => producer.close())
  let seq = 0
  const writer = setInterval(() => {
    for (let i = 0; i < RATE / 100; i++, seq++) producer.write({ level: 30, k: `key-${seq % 60}`, seq, wt: Date.now() })
  }, 10)
  t.teardown(() => clearInterval(writer))
  await sleep(2000)

  const before = await topicPartitions(topic, { bootstrap })
  const victimId = before[0]?.leader
  const victim = cluster.nodes.find((n) => n.nodeId === victimId)
  t.ok(victim, `partition 0 has a leader among our nodes (node ${victimId})`)
  const frozenPartitions = new Set(before.filter((p) => p.leader === victimId).map((p) => p.id))
  const others = cluster.nodes.filter((n) => n !== victim).map((n) => `127.0.0.1:${n.port}`).join(',')
  const frozenAt = Date.now()
  victim.signal('SIGSTOP')
  t.teardown(() => victim.signal('SIGCONT'))

  // failover: when the other two name a new leader for every frozen partition
  let failoverMs
  while (failoverMs === undefined && Date.now() - frozenAt < FROZEN_MS) {
    const now = await topicPartitions(topic, { bootstrap: others }).catch(() => [])
    if (now.length > 0 && now.filter((p) => frozenPartitions.has(p.id)).every((p) => p.leader !== victimId && p.leader >= 0)) failoverMs = Date.now() - frozenAt
    else await sleep(200)
  }
  t.ok(failoverMs !== undefined, `the other two took over the frozen node's ${frozenPartitions.size} partition(s) in ${failoverMs} ms`)
  await sleep(Math.max(0, frozenAt + FROZEN_MS - Date.now()))
  clearInterval(writer)
  victim.signal('SIGCONT')
  const written = seq
  const settled = await producer.flush(60000)
  t.same(settled, { delivered: written, failed: 0, pending: 0 }, `all ${written} records acknowledged`)

  const got = await consumeAll(topic, written, { bootstrap, timeoutMs: 90000 })
  const records = got.map((m) => ({ ...JSON.parse(m.value.toString()), partition: m.partition, appended: m.timestamp, id: m.headers['log-id'] }))
  t.equal(records.length, written, 'as many records in Kafka as written (0 lost, 0 doubled)')
  t.equal(new Set(records.map((r) => r.seq)).size, written, 'every sequence number once')
  t.equal(new Set(records.map((r) => r.id)).size, written, 'every log id once')

  // how long the records written just before and during the freeze waited, on the frozen partitions
  const around = records.filter((r) => frozenPartitions.has(r.partition) && r.wt >= frozenAt - 1000 && r.wt < frozenAt + 1000)
  const worst = Math.max(...around.map((r) => r.appended - r.wt))
  const later = records.filter((r) => frozenPartitions.has(r.partition) && r.wt >= frozenAt + (failoverMs ?? FROZEN_MS) + 1000)
  const laterWorst = Math.max(0, ...later.map((r) => r.appended - r.wt))
  t.comment(`frozen ${FROZEN_MS} ms; failover ${failoverMs} ms; records for the frozen partitions written around the freeze waited up to ${worst} ms (${around.length} records), ` +
    `written a second after the failover up to ${laterWorst} ms (${later.length} records)`)
  const bound = (rdkafka['socket.timeout.ms'] ?? SOCKET_TIMEOUT_MS) + (failoverMs ?? 0) + 5000
  t.ok(worst < bound, `they reached the new leader within the socket timeout and the failover (${worst} ms < ${bound} ms), not at the broker's resumption`)
})
