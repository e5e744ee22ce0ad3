import fs from 'node:fs'

/** Minimal inits that containers run as PID 1, and that end (ending the container) with their one child. */
const CONTAINER_INITS = new Set(['tini', 'docker-init', 'dumb-init', 'catatonit'])

function comm (pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
  } catch {
    return undefined
  }
}

/**
 * Does this process's end take its child processes with it? True when it is PID 1 of its
 * PID namespace (a container's main process: the kernel kills every other process in the
 * namespace when it ends), or the one child of a container init (tini, dumb-init, ...),
 * which then ends and takes the container down. A detached child does not outlive either.
 */
export function endTakesChildren (): boolean {
  if (process.platform !== 'linux') return false
  if (process.pid === 1) return true
  return process.ppid === 1 && CONTAINER_INITS.has(comm(1) ?? '')
}
