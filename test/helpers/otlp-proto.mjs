// The official OTLP definitions for decoding what the OTLP encodings put into Kafka, as
// a Collector would: the .proto files that OpenTelemetry publishes inside its Java artifact
// io.opentelemetry.proto:opentelemetry-proto, fetched by Maven (Maven knows where its
// repository is), pinned by sha256, read with protobufjs. Nothing of ours decodes them.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import protobuf from 'protobufjs'
import { HARNESS_DIR, requireCommand } from '../kafka/jars.mjs'

const ARTIFACT = 'io.opentelemetry.proto:opentelemetry-proto:1.11.0-alpha:jar'
const JAR = 'opentelemetry-proto-1.11.0-alpha.jar'
const SHA256 = 'a5f47de1368ca82aec597e74d0be6969763707483da6672471d703d454d65b5b'
const DIR = path.join(HARNESS_DIR, '.otlp')

function sha256 (file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex')
}

function ensureJar () {
  const jar = path.join(DIR, JAR)
  if (fs.existsSync(jar) && sha256(jar) === SHA256) return jar
  requireCommand('mvn', "to fetch OpenTelemetry's OTLP definitions for the OTLP decode test")
  const r = spawnSync('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${DIR}`], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`Maven could not fetch ${ARTIFACT} (exit ${r.status ?? r.signal}):\n${(r.stdout + r.stderr).trim().split('\n').slice(-20).join('\n')}`)
  if (sha256(jar) !== SHA256) throw new Error(`checksum mismatch for ${JAR}: not the pinned artifact`)
  return jar
}

/** `ExportLogsServiceRequest` from the official .proto files: `.decode(bytes)`, `.toObject(msg, opts)`. */
export function exportLogsServiceRequest () {
  const jar = ensureJar()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-otlp-'))
  try {
    requireCommand('jar', 'to read the .proto files out of the OTLP artifact')
    const r = spawnSync('jar', ['xf', jar, 'opentelemetry/proto'], { cwd: dir, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`jar xf ${JAR} failed: ${r.stderr}`)
    const root = new protobuf.Root()
    root.resolvePath = (_origin, target) => path.join(dir, target)
    root.loadSync('opentelemetry/proto/collector/logs/v1/logs_service.proto')
    return root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
