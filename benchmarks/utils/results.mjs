// Writing a benchmark's results: RESULTS-<name>.md (tables from the run, plus a hand-written
// '## Reading' section that survives re-runs) and results-<name>.json (every figure).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const here = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

/** The machine and the versions a run used. */
export function machineInfo () {
  const version = (pkg) => {
    try {
      return require(`${pkg}/package.json`).version
    } catch {
      return undefined
    }
  }
  return {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    librdkafka: require('node-rdkafka').librdkafkaVersion,
    nodeRdkafka: version('node-rdkafka'),
    pino: version('pino'),
    winston: version('winston'),
    kafkajs: version('kafkajs')
  }
}

/** Write RESULTS-<name>.md from `lines`, keeping the old file's '## Reading' section, and results-<name>.json. */
export function writeResults (name, lines, json) {
  const file = path.join(here, `RESULTS-${name}.md`)
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
  const at = old.indexOf('\n## Reading')
  const reading = at >= 0 ? old.slice(at + 1) : ''
  fs.writeFileSync(file, [...lines, reading].join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n')
  fs.writeFileSync(path.join(here, `results-${name}.json`), JSON.stringify(json, null, 2) + '\n')
}
