// Drives test/fixtures/service.mjs: a real HTTP service logging into Kafka, with requests
// in flight when it is told to stop, and counts what came back (HTTP answers, exit) and
// what reached Kafka (the lines themselves, read from the topic).
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { consumeAll } from './kafka.mjs'

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'service.mjs')

function get (port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/slow', agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
      res.on('error', () => resolve('error'))
    })
    req.on('error', () => resolve('error'))
  })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Start the service, put `inflight` slow requests in flight, send `signals` (`gapMs` apart),
 * SIGKILL it `graceMs` after the first signal if it is still alive (Kubernetes' grace period).
 * `beforeSignal`: called (and awaited) once the requests are in flight, just before the first signal.
 * `startDelayMs`: how long the service runs before the requests start.
 * Resolves with the exit, the HTTP statuses, stderr, and how long the ending took.
 */
export async function runService ({ app, wiring, ending, brokers, topic, inflight = 20, signals = ['SIGTERM'], gapMs = 0, graceMs = 5000, waitExitMs = 30000, beforeSignal, startDelayMs = 0 }) {
  const child = spawn(process.execPath, [fixture, app, wiring, ending, brokers, topic], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const seen = new Set()
  let wake
  child.stdout.on('data', (d) => {
    stdout += d
    for (const line of stdout.split('\n')) seen.add(line)
    wake?.()
  })
  child.stderr.on('data', (d) => { stderr += d })
  const exited = once(child, 'exit')
  const until = async (line, ms) => {
    for (const end = Date.now() + ms; !seen.has(line) && Date.now() < end && child.exitCode === null && child.signalCode === null;) {
      await Promise.race([new Promise((resolve) => { wake = resolve }), sleep(100)])
    }
    return seen.has(line)
  }
  const hang = setTimeout(() => child.kill('SIGKILL'), waitExitMs)
  for (const end = Date.now() + 15000; Date.now() < end && !/listening \d+/.test(stdout) && child.exitCode === null;) await sleep(50)
  const listening = /listening \d+/.test(stdout)
  let statuses = []
  let ms = 0
  let killed = false
  if (listening && signals.length > 0) {
    const port = Number(/listening (\d+)/.exec(stdout)[1])
    await sleep(startDelayMs)
    const answers = Array.from({ length: inflight }, () => get(port))
    if (inflight > 0) await until(`request ${inflight}`, 10000)
    await beforeSignal?.()
    const t0 = Date.now()
    const grace = setTimeout(() => {
      killed = true
      child.kill('SIGKILL')
    }, graceMs)
    for (const [i, s] of signals.entries()) {
      if (i > 0) await sleep(gapMs)
      if (child.exitCode === null && child.signalCode === null) child.kill(s)
    }
    statuses = await Promise.all(answers)
    await exited
    clearTimeout(grace)
    ms = Date.now() - t0
  }
  const [code, signal] = await exited
  clearTimeout(hang)
  return { code, signal, killedAtGrace: killed, statuses, answered: statuses.filter((s) => s === 200).length, stdout, stderr, ms }
}

/** The records of `topic` as parsed JSON (with their `log-id` header), waiting for at least `expected`. */
export async function linesInKafka (topic, expected, opts = {}) {
  const messages = await consumeAll(topic, expected, { timeoutMs: 20000, settleMs: 1500, ...opts })
  return messages.map((m) => {
    let value
    try {
      value = JSON.parse(m.value.toString())
    } catch {
      value = { raw: m.value.toString() }
    }
    return { ...value, logId: m.headers['log-id'] }
  })
}

/** How many lines of `run` carry each mark (and how many distinct log ids there are). */
export function tally (lines, run) {
  const marks = {}
  for (const l of lines) if (l.run === run) marks[l.mark] = (marks[l.mark] ?? 0) + 1
  return { marks, ids: new Set(lines.map((l) => l.logId)).size, total: lines.length }
}
