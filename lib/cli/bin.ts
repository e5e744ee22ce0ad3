#!/usr/bin/env node
// The `kafka-log-transport` executable: wires the process (argv, stdio, signals, exit)
// to the commands, which know nothing of `process` themselves.
import { main } from './index'

// A second signal, or a shutdown that overruns this, ends the process at once.
const HARD_EXIT_MS = 30000

const controller = new AbortController()
let signals = 0
function onSignal (signal: NodeJS.Signals): void {
  signals++
  if (signals > 1) process.exit(130)
  controller.abort(signal)
  setTimeout(() => {
    process.stderr.write(`kafka-log-transport: still shutting down ${HARD_EXIT_MS} ms after ${signal}; exiting\n`)
    process.exit(1)
  }, HARD_EXIT_MS).unref()
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
// a closed stdout (e.g. `| head`) must not crash us with EPIPE
process.stdout.on('error', () => undefined)

main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal })
  .then((code) => code, (err: unknown) => {
    process.stderr.write(`kafka-log-transport: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    return 1
  })
  .then((code) => {
    // node-rdkafka's native handles can outlive a disconnect by a moment: exit once stdout is written
    process.exitCode = code
    process.stdout.write('', () => process.exit(code))
  }, () => process.exit(1))
