// Issue #16, defect 5: the pino worker target waited for the pipe's 'drain' with
// events.once(), which rejects on the pipe's 'error': when the producer process had died,
// EPIPE became an error of pino's transport and reached the application. Now the app goes
// on, and the lost lines are counted and said on stderr.
import t from 'tap'
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { brokers, createTopic, uniqueTopic } from '../helpers/kafka.mjs'

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'producer-process-dies.mjs')

t.test('the producer process is killed; the app logs on and exits normally', async (t) => {
  const topic = await createTopic(uniqueTopic('klt-reg-epipe'))
  const child = spawn(process.execPath, [fixture, brokers(), topic], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (d) => { stderr += d })
  child.stdout.on('data', (d) => {
    stdout += d
    if (stdout === 'started\n') {
      // the app's only child process is the producer process: freeze it, let the pipe
      // fill up (the worker then waits for 'drain'), then kill it
      const pids = execFileSync('pgrep', ['-P', String(child.pid)]).toString().trim().split('\n').map(Number)
      for (const pid of pids) process.kill(pid, 'SIGSTOP')
      child.stdin.write('go\n')
      setTimeout(() => { for (const pid of pids) process.kill(pid, 'SIGKILL') }, 600)
    }
    if (stdout.includes('done\n')) child.stdin.end()
  })
  const killer = setTimeout(() => child.kill('SIGKILL'), 30000)
  const [code, signal] = await once(child, 'exit')
  clearTimeout(killer)
  t.equal(signal, null)
  t.equal(code, 0, `no error reached the app (${stderr.slice(-800)})`)
  t.notMatch(stderr, /EPIPE|Unhandled|uncaught/i)
  t.match(stderr, /log line\(s\) were lost/, 'the loss is said')
})
