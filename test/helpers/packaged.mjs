// The package as a new user gets it: `npm pack` this repository into a temp dir outside it
// (with the addon's prebuild; dist/ as `npm run build` left it), then
// `npm install <tarball> ...deps` into a fresh app directory, as `npm init` leaves one for an
// ESM app, with npm's defaults and this process's environment. node-rdkafka is built from
// source by that install: minutes on 2 busy cores.
// Used by test/integration/packaged-install.test.mjs and benchmarks/app.bench.mjs.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const MINUTE = 60000

export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`
export const tail = (text, lines = 30) => text.trim().split('\n').slice(-lines).join('\n')
/** How a runCommand() result ended, in words. */
export const ended = (r) => r.timedOut ? `killed after ${seconds(r.ms)}` : r.signal ? `signal ${r.signal}` : `exit ${r.code}`

/**
 * Run a command to its end; never rejects. Resolves { code, signal, stdout, stderr, ms, timedOut }.
 * Killed, with its children, after `timeoutMs`.
 */
export function runCommand (command, args, { cwd, input, timeoutMs = 2 * MINUTE, env = process.env } = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now()
    // a process group of its own: a timeout kills npm's compilers too
    const child = spawn(command, args, { cwd, env, detached: true, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    if (input !== undefined) {
      child.stdin.on('error', () => {}) // it may exit before reading everything
      child.stdin.end(input)
    }
    const killer = setTimeout(() => {
      timedOut = true
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }, timeoutMs)
    const done = (code, signal, error) => {
      clearTimeout(killer)
      resolve({ code, signal, stdout, stderr: error ? `${stderr}${error.message}\n` : stderr, ms: Date.now() - t0, timedOut })
    }
    child.on('error', (err) => done(null, null, err))
    child.on('close', (code, signal) => done(code, signal))
  })
}

/**
 * `npm pack` the repository into `dest` (a directory outside it). Never rejects: resolves
 * with the run's result (see runCommand) and `tarball`, the .tgz's path (undefined when none
 * was written). `run`: how commands are started (default runCommand, same signature).
 */
export async function packRepo ({ dest, run = runCommand, timeoutMs = 5 * MINUTE }) {
  // the scripts `npm pack` would run: prepare (tsc) is left out, as it would rewrite dist/
  // under tests running beside this one (`npm test` built it just before); prepack (the
  // addon's prebuild) runs first, through npm, which gives it its node-gyp
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) {
    return { code: 1, signal: null, stdout: '', stderr: 'dist/ is not built: run `npm run build` first\n', ms: 0, timedOut: false, tarball: undefined }
  }
  const prebuilt = await run('npm', ['run', 'prepack'], { cwd: ROOT, timeoutMs })
  if (prebuilt.code !== 0) return { ...prebuilt, tarball: undefined }
  const r = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dest], { cwd: ROOT, timeoutMs })
  const tarball = fs.readdirSync(dest).filter((f) => f.endsWith('.tgz')).map((f) => path.join(dest, f))[0]
  return { ...r, tarball }
}

/** A fresh app directory under the system's temp dir, as `npm init` would leave it for an ESM app. */
export function newApp (prefix = 'klt-app-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2) + '\n')
  return dir
}

/**
 * Pack the repository (unless `tarball` is given: that one is installed) and
 * `npm install <tarball> ...deps` in a fresh app directory outside it.
 *   deps: more packages for the same install, e.g. ['pino@10']
 *   run: how commands are started (default runCommand; the tap tests strip tap's env with it)
 *   timeoutMs: for the install (it compiles node-rdkafka); packTimeoutMs: for the pack
 *   log: progress lines, e.g. (m) => process.stderr.write(m + '\n')
 * Resolves { app, tarball, packMs, installMs, pack, install, cleanup() }: `pack` and
 * `install` are the runs' results (see runCommand; `pack` undefined when a tarball was
 * given), cleanup() removes the app directory and the pack directory made here. Rejects with
 * an Error saying which step failed and how (its `step` is 'pack' or 'install', its `result`
 * the failed run's), after removing what it made.
 */
export async function installPackaged ({ deps = [], tarball, run = runCommand, timeoutMs = 15 * MINUTE, packTimeoutMs = 5 * MINUTE, log = () => {}, prefix = 'klt-app-' } = {}) {
  const made = []
  const cleanup = () => {
    for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
  }
  const fail = (step, result, what) => {
    cleanup()
    const err = new Error(`${what} failed (${ended(result)}):\n${tail(result.stderr)}`)
    return Object.assign(err, { step, result })
  }
  let pack
  if (tarball === undefined) {
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-pack-'))
    made.push(dest)
    log(`npm pack ${ROOT} --pack-destination ${dest}`)
    pack = await packRepo({ dest, run, timeoutMs: packTimeoutMs })
    if (pack.code !== 0 || pack.tarball === undefined) throw fail('pack', pack, 'npm pack')
    tarball = pack.tarball
    log(`npm pack: ${seconds(pack.ms)} -> ${tarball}`)
  }
  const app = newApp(prefix)
  made.push(app)
  // node-gyp cannot download headers here: it builds node-rdkafka against the headers of the
  // Node that runs this (as .ci/run sets it), never those an .npmrc `nodedir` names
  const nodeDir = path.dirname(path.dirname(process.execPath))
  if (fs.existsSync(path.join(nodeDir, 'include', 'node', 'node_version.h'))) process.env.npm_config_nodedir = nodeDir
  log(`npm install ${path.basename(tarball)} ${deps.join(' ')} in ${app} (node-rdkafka is built from source: minutes)`)
  const install = await run('npm', ['install', tarball, ...deps], { cwd: app, timeoutMs })
  if (install.code !== 0) throw fail('install', install, `npm install ${path.basename(tarball)} ${deps.join(' ')}`)
  log(`npm install: ${seconds(install.ms)}`)
  return { app, tarball, packMs: pack?.ms, installMs: install.ms, pack, install, cleanup }
}
