// RSS of a process and every process below it, from /proc (Linux): an app's whole tree, the
// pino worker target's producer process included.
import fs from 'node:fs'

/** Bytes of RSS of `pid` and its descendants. */
export function treeRss (pid = process.pid) {
  let kb = 0
  try {
    kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      for (const child of fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean)) kb += treeRss(Number(child)) / 1024
    }
  } catch {
    // the process ended while we looked
  }
  return kb * 1024
}
