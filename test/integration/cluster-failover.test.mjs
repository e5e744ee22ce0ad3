// Issue #3: a 3-node cluster (RF 3, min.insync.replicas 2); SIGKILL one node while
// producing with acks=all, restart it, and read everything back. This test always
// starts its own cluster from the Kafka jars (it must own the processes it kills).
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { KafkaLogProducer } from 'kafka-log-transport'
import { startCluster } from '../kafka/harness.mjs'
import { consumeAll, createTopic, topicPartitions, uniqueTopic } from '../helpers/kafka.mjs'

const PER_PHASE = 3000

t.test('acks=all survives SIGKILL of a partition leader; everything reads back after restart', async (t) => {
  const cluster = await startCluster()
  t.teardown(() => cluster.stop())
  const bootstrap = cluster.brokers
  const topic = await createTopic(uniqueTopic('klt-rf3'), { partitions: 6, replicationFactor: 3, config: { 'min.insync.replicas': '2' }, bootstrap })
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
