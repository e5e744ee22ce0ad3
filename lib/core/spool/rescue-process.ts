/**
 * The rescue process (see rescue.ts): started detached by an app that ended before it could
 * reach Kafka. It sends the spool directory it is given, then deletes it; when Kafka cannot
 * be reached within the app's `connectTimeoutMs`, it leaves the records there with a report
 * saying how to send them later (`kafka-log-transport spool replay DIR -b ...`).
 * Usage: node rescue-process.js DIR
 */
import fs from 'node:fs'
import path from 'node:path'
import type { KafkaLogOptions } from '../config/options'
import { RESCUE_OPTIONS_FILE, RESCUE_REPORT_FILE } from './rescue'
import { drainSpool } from './drain'

async function main (dir: string): Promise<number> {
  const file = path.join(dir, RESCUE_OPTIONS_FILE)
  const options = JSON.parse(fs.readFileSync(file, 'utf8')) as KafkaLogOptions
  fs.rmSync(file, { force: true }) // it may hold credentials: gone as soon as read
  const r = await drainSpool({ ...options, topic: 'unused', spool: { dir } })
  if (r.left === 0 && r.failed === 0) {
    fs.rmSync(dir, { recursive: true, force: true })
    return 0
  }
  const why = r.unreachable === undefined ? '' : `Kafka could not be reached (${r.unreachable.message}). `
  fs.writeFileSync(path.join(dir, RESCUE_REPORT_FILE), `${new Date().toISOString()} ${why}${r.delivered} of ${r.found} ` +
    `record(s) delivered, ${r.failed} failed, ${r.left} left here. Send them with: kafka-log-transport spool replay ${dir} -b ${String(options.brokers)}\n`)
  return 3
}

const dir = process.argv[2]
if (dir === undefined) {
  process.stderr.write('usage: rescue-process.js DIR\n')
  process.exit(2)
}
main(dir).then((code) => process.exit(code), (err: unknown) => {
  try {
    fs.writeFileSync(path.join(dir, RESCUE_REPORT_FILE), `${new Date().toISOString()} rescue failed: ${err instanceof Error ? err.message : String(err)}\n`)
  } catch {
    // the directory is gone: nothing to report into
  }
  process.exit(1)
})
