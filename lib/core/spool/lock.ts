import fs from 'node:fs'
import path from 'node:path'
import { SpoolError, SpoolLockedError } from '../errors'

// the lock file holds the owner's pid; one live process, and one producer in it, per spool
const LOCK_FILE = 'lock'
const held = new Set<string>()

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The pid of the live process that holds `dir`'s lock, if any (a lock left by a dead one does not count). */
export function spoolOwner (dir: string): number | undefined {
  let pid: number
  try {
    pid = Number.parseInt(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'), 10)
  } catch {
    return undefined
  }
  return Number.isInteger(pid) && isAlive(pid) ? pid : undefined
}

/** Take `dir`'s lock (a lock left by a process that is gone is taken over). Throws SpoolLockedError/SpoolError. */
export function lockSpool (dir: string): void {
  const taken = (by: string): SpoolLockedError => new SpoolLockedError(`the spool directory ${dir} is in use by ${by}: ` +
    'one live process (and one producer) per spool directory; give each its own, e.g. with the instance name or pid in the path')
  if (held.has(dir)) throw taken('another producer of this process')
  const file = path.join(dir, LOCK_FILE)
  try {
    fs.writeFileSync(file, String(process.pid), { flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new SpoolError(`cannot lock the spool directory ${dir}: ${(err as Error).message}`, { cause: err })
    const pid = spoolOwner(dir)
    if (pid !== undefined && pid !== process.pid) throw taken(`process ${pid}`)
    fs.writeFileSync(file, String(process.pid))
  }
  held.add(dir)
}

export function unlockSpool (dir: string): void {
  held.delete(dir)
  try {
    fs.unlinkSync(path.join(dir, LOCK_FILE))
  } catch {
    // already gone
  }
}
