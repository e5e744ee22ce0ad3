// Kafka broker + tool jars, fetched by Maven from pom.xml (Maven knows where its
// repository is: no repository address lives in this code) and checked against the
// pinned sha256 list in jars.sha256, so a changed or tampered jar never runs.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const HARNESS_DIR = path.dirname(fileURLToPath(import.meta.url))
export const JARS_DIR = process.env.KAFKA_JARS_DIR ?? path.join(HARNESS_DIR, '.jars')
const SUMS_FILE = path.join(HARNESS_DIR, 'jars.sha256')

function readPinned () {
  const pinned = new Map()
  for (const line of fs.readFileSync(SUMS_FILE, 'utf8').split('\n')) {
    const m = /^([0-9a-f]{64})\s+(\S+)$/.exec(line.trim())
    if (m) pinned.set(m[2], m[1])
  }
  return pinned
}

function sha256 (file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex')
}

/** @returns {string[]} problems; empty when every pinned jar is present and matches */
export function verifyJars (dir = JARS_DIR) {
  const problems = []
  const pinned = readPinned()
  for (const [name, sum] of pinned) {
    const file = path.join(dir, name)
    if (!fs.existsSync(file)) problems.push(`missing ${name}`)
    else if (sha256(file) !== sum) problems.push(`checksum mismatch for ${name}`)
  }
  return problems
}

export function requireCommand (cmd, why) {
  const r = spawnSync(cmd, ['-version'], { stdio: 'ignore' })
  if (r.error) {
    throw new Error(`${cmd} was not found on PATH; it is needed ${why}.\n` +
      'Install a JDK 17+ and Maven (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless maven; ' +
      'macOS: brew install openjdk@17 maven), or point KAFKA_BROKERS at a Kafka you already run.')
  }
}

/**
 * Make sure the pinned jars are in JARS_DIR; fetch them with Maven when they are not.
 * @returns {string} the jar directory
 */
export function ensureJars ({ log = (/** @type {string} */ _m) => {} } = {}) {
  if (fs.existsSync(JARS_DIR) && verifyJars().length === 0) return JARS_DIR
  requireCommand('mvn', 'to fetch the Kafka jars for the local test broker')
  log(`fetching Kafka jars with Maven into ${path.relative(process.cwd(), JARS_DIR) || JARS_DIR} ...`)
  fs.rmSync(JARS_DIR, { recursive: true, force: true })
  const r = spawnSync('mvn', ['-q', '-B', '-f', path.join(HARNESS_DIR, 'pom.xml'),
    'dependency:copy-dependencies', `-DoutputDirectory=${JARS_DIR}`], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  if (r.status !== 0) {
    throw new Error(`Maven could not fetch the Kafka jars (exit ${r.status ?? r.signal}):\n${(r.stdout + r.stderr).trim().split('\n').slice(-20).join('\n')}`)
  }
  const problems = verifyJars()
  if (problems.length > 0) {
    throw new Error(`the fetched Kafka jars do not match test/kafka/jars.sha256:\n  ${problems.join('\n  ')}\n` +
      'If pom.xml was changed on purpose, run `node test/kafka/cli.mjs pin` to write new checksums.')
  }
  return JARS_DIR
}

/** Rewrite jars.sha256 from what is in JARS_DIR (after a deliberate pom.xml change). */
export function pinJars () {
  const names = fs.readdirSync(JARS_DIR).filter((n) => n.endsWith('.jar')).sort()
  const lines = names.map((n) => `${sha256(path.join(JARS_DIR, n))}  ${n}`)
  fs.writeFileSync(SUMS_FILE, lines.join('\n') + '\n')
  return names.length
}
