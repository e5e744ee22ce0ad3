// Issue #16, defect 2: on SIGTERM our exit hook closed every producer before looking at
// whether the application had a handler of its own; what the app logged during its own
// shutdown was then dropped ('closed'). The app owns its signals: nothing closes on them.
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { brokers, countRecords, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'log-after-signal.mjs')

t.test('records logged in the app\'s own SIGTERM handler are delivered', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-reg-sigterm'))
  const child = spawn(process.execPath, [fixture, brokers(), topic, '500', '500'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
    if (stdout.includes('ready\n') && !child.signalCode && child.exitCode === null && !stdout.includes('sent')) {
      stdout += 'sent'
      child.kill('SIGTERM')
    }
  })
  child.stderr.on('data', (d) => { stderr += d })
  const killer = setTimeout(() => child.kill('SIGKILL'), 30000)
  const [code] = await once(child, 'exit')
  clearTimeout(killer)
  t.equal(code, 0, `the app exits as it chose (${stderr})`)
  t.match(stdout, /closed \{"delivered":1000,"failed":0,"pending":0\}/, 'the producer was open for the app\'s shutdown')
  t.equal(await countRecords(topic), 1000, 'before and after the signal: all in Kafka')
})
