// Issue #20: SASL/OAUTHBEARER end to end against a broker of the test's own (Kafka's
// unsecured validator: unsigned JWTs, `exp` and a required scope checked; every connection
// re-authenticated when its token's lifetime ends). A static token, a function renewing
// short-lived tokens, a token file through the pino worker target; an expired, a refused
// and a failing token each give one clear error, no storm, and never show the token.
import t from 'tap'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { KafkaLogProducer } from 'kafka-log-transport'
import { startOauth, unsecuredJwt } from '../kafka/oauth.mjs'
import { consumeAll, createTopic, uniqueTopic } from '../helpers/kafka.mjs'
import { endStream } from '../helpers/pino-stream.mjs'
import { ownPort } from '../kafka/ports.mjs'

const PORT = ownPort('oauthbearer') // a broker of this test's own (see test/kafka/ports.mjs)
// the broker ends each session when its token expires, or after this long
const REAUTH_MS = 3000
let kafka
t.before(async () => { kafka = await startOauth({ port: PORT, reauthMs: REAUTH_MS }) })
t.teardown(() => kafka?.stop())

const rdkafka = { 'security.protocol': 'sasl_plaintext' }

function collect (producer) {
  const errors = []
  producer.on('error', (e) => errors.push(e))
  return errors
}

const noToken = (errors, token) => errors.every((e) => !e.message.includes(token) && !String(e.cause?.message ?? '').includes(token))

t.test('a static token: records arrive', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-oauth-static'), { bootstrap: kafka.brokers })
  const producer = new KafkaLogProducer({ brokers: kafka.oauthBrokers, topic, rdkafka, oauthbearerToken: unsecuredJwt({ expiresAt: Date.now() + 600000 }) })
  const errors = collect(producer)
  for (let i = 0; i < 300; i++) producer.write({ level: 30, i, msg: 'with a token' })
  t.same(await producer.close(20000), { delivered: 300, failed: 0, pending: 0 })
  t.same(errors, [], 'no errors')
  t.equal((await consumeAll(topic, 300, { bootstrap: kafka.brokers, settleMs: 300 })).length, 300, '300 records in Kafka')
})

t.test('async () => ({ token, expiresAt }): 10-second tokens renewed ahead of expiry while the broker re-authenticates every session', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-oauth-refresh'), { bootstrap: kafka.brokers })
  const issued = []
  const oauthbearerToken = async () => {
    const expiresAt = Date.now() + 10000
    issued.push(expiresAt)
    return { token: unsecuredJwt({ expiresAt }), expiresAt }
  }
  const producer = new KafkaLogProducer({ brokers: kafka.oauthBrokers, topic, rdkafka, oauthbearerToken, connectTimeoutMs: 5000 })
  const errors = collect(producer)
  let n = 0
  const until = Date.now() + 22000 // over two token lifetimes, seven broker sessions
  while (Date.now() < until) {
    for (let i = 0; i < 20; i++) producer.write({ level: 30, n: n++, msg: 'renewed' })
    await sleep(100)
  }
  const result = await producer.close(20000)
  t.same(result, { delivered: n, failed: 0, pending: 0 }, `all ${n} records delivered`)
  t.same(errors.map((e) => e.message), [], 'no errors')
  t.ok(issued.length >= 3, `${issued.length} tokens issued in 22 s (one per ~8 s)`)
  t.equal((await consumeAll(topic, n, { bootstrap: kafka.brokers, settleMs: 300 })).length, n, `${n} records in Kafka`)
})

t.test('the pino worker target with { file }: the token file is read again as it is renewed', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-oauth-file'), { bootstrap: kafka.brokers })
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-token-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'token')
  // what a token agent (or the kubelet's projected token) does: a fresh token well before expiry
  const renew = () => fs.writeFileSync(path.join(dir, 'token.tmp'), unsecuredJwt({ expiresAt: Date.now() + 10000 })) || fs.renameSync(path.join(dir, 'token.tmp'), file)
  renew()
  const agent = setInterval(renew, 3000)
  t.teardown(() => clearInterval(agent))
  const transport = pino.transport({ target: 'kafka-log-transport/pino', options: { brokers: kafka.oauthBrokers, topic, rdkafka, oauthbearerToken: { file } } })
  const logger = pino(transport)
  let n = 0
  const until = Date.now() + 14000 // past the first token's expiry
  while (Date.now() < until) {
    for (let i = 0; i < 20; i++) logger.info({ n: n++ }, 'token from a file')
    await sleep(100)
  }
  await endStream(transport)
  t.equal((await consumeAll(topic, n, { bootstrap: kafka.brokers, settleMs: 300 })).length, n, `all ${n} lines in Kafka`)
})

t.test('an expired token: one KLT_AUTH error saying so, no connection attempts, the token never shown', async (t) => {
  const token = unsecuredJwt({ expiresAt: Date.now() - 60000 })
  const producer = new KafkaLogProducer({ brokers: kafka.oauthBrokers, topic: 'never', rdkafka, oauthbearerToken: token, connectTimeoutMs: 3000 })
  const errors = collect(producer)
  for (let i = 0; i < 10; i++) producer.write({ level: 30, i })
  await sleep(6000)
  t.equal(errors.length, 1, `one error in 6 s: ${errors.map((e) => `${e.code}: ${e.message}`).join(' | ')}`)
  t.match(errors[0], { code: 'KLT_AUTH', message: /expired at \d{4}-\d\d-\d\dT/ })
  t.ok(noToken(errors, token), 'without the token')
  const t0 = Date.now()
  await producer.close(2000)
  t.ok(Date.now() - t0 < 5000, `close returned in ${Date.now() - t0} ms`)
  t.equal(producer.metrics().dropped, 10, 'the unsent records are counted')
})

t.test('a token the broker refuses (no scope): one clear error about the token, no storm', async (t) => {
  const token = unsecuredJwt({ expiresAt: Date.now() + 600000, scope: null })
  const producer = new KafkaLogProducer({ brokers: kafka.oauthBrokers, topic: 'never', rdkafka, oauthbearerToken: token, connectTimeoutMs: 3000 })
  const errors = collect(producer)
  producer.write({ level: 30, msg: 'refused' })
  await sleep(8000)
  t.ok(errors.length >= 1 && errors.length <= 2, `${errors.length} error(s) in 8 s: ${errors.map((e) => `${e.code}: ${e.message}`).join(' | ')}`)
  t.ok(errors.some((e) => /SASL authentication error/.test(e.message) && /OAUTHBEARER token/.test(e.message)), 'it says the broker refused the token')
  t.ok(noToken(errors, token), 'without the token')
  await producer.close(2000)
})

t.test('a token function that fails: one error, asked again with a growing pause, records go once it works', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-oauth-failing'), { bootstrap: kafka.brokers })
  const calls = []
  let working = false
  const oauthbearerToken = async () => {
    calls.push(Date.now())
    if (!working) throw new Error('token endpoint unreachable')
    return unsecuredJwt({ expiresAt: Date.now() + 600000 }) // a bare token: the expiry is read from its exp claim
  }
  const producer = new KafkaLogProducer({ brokers: kafka.oauthBrokers, topic, rdkafka, oauthbearerToken })
  const errors = collect(producer)
  for (let i = 0; i < 50; i++) producer.write({ level: 30, i })
  await sleep(7000)
  t.equal(errors.length, 1, 'one error while it fails')
  t.match(errors[0], { code: 'KLT_AUTH', message: /oauthbearerToken\(\) failed: token endpoint unreachable/ })
  t.ok(calls.length >= 2 && calls.length <= 4, `asked ${calls.length} times in 7 s (2 s, 4 s, ... apart), not per connection attempt`)
  working = true
  t.same(await producer.flush(20000), { delivered: 50, failed: 0, pending: 0 }, 'delivered once a token came')
  await producer.close(5000)
  t.equal((await consumeAll(topic, 50, { bootstrap: kafka.brokers, settleMs: 300 })).length, 50)
})

t.test('options: a mechanism other than OAUTHBEARER, or librdkafka\'s own token, is a ConfigError', async (t) => {
  const base = { brokers: kafka.oauthBrokers, topic: 't', oauthbearerToken: 'abc' }
  t.throws(() => new KafkaLogProducer({ ...base, rdkafka: { 'sasl.mechanisms': 'PLAIN' } }), { code: 'KLT_INVALID_OPTIONS', message: /OAUTHBEARER/ })
  t.throws(() => new KafkaLogProducer({ ...base, rdkafka: { 'enable.sasl.oauthbearer.unsecure.jwt': true } }), { code: 'KLT_INVALID_OPTIONS' })
  t.throws(() => new KafkaLogProducer({ ...base, oauthbearerToken: { path: 'x' } }), { code: 'KLT_INVALID_OPTIONS', message: /file/ })
  const p = new KafkaLogProducer({ ...base, oauthbearerToken: 'secret-token-value', exitHook: false })
  t.notMatch(JSON.stringify(p.options), /secret-token-value/, 'the options print without the token')
  await p.close(100)
})

t.test('examples/oauthbearer-app.mjs runs against the OAUTHBEARER broker', async (t) => {
  const { execFile } = await import('node:child_process')
  const { promisify } = await import('node:util')
  const topic = await createTopic(uniqueTopic('klt-oauth-example'), { bootstrap: kafka.brokers })
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-token-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'token')
  fs.writeFileSync(file, unsecuredJwt({ expiresAt: Date.now() + 600000 }))
  const env = { ...process.env, KAFKA_BROKERS: kafka.oauthBrokers, KAFKA_TOKEN_FILE: file, KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext' }
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['examples/oauthbearer-app.mjs', topic, '500'], { env, timeout: 60000 })
  t.same(JSON.parse(stdout), { topic, written: 500 })
  t.equal(stderr, '', 'nothing said on stderr')
  t.equal((await consumeAll(topic, 500, { bootstrap: kafka.brokers, settleMs: 300 })).length, 500, '500 records in Kafka')
})
