import { readFileSync } from 'node:fs'
import type { Readable, Writable } from 'node:stream'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { redactSecrets, shown } from '../internal'

/** The streams and context a command runs with (the bin passes the process's own). */
export interface CliIo {
  stdin: Readable
  stdout: Writable & { isTTY?: boolean }
  stderr: Writable & { isTTY?: boolean }
  /** Environment for KAFKA_BROKERS and friends. Default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Aborted on SIGINT/SIGTERM: the command stops, flushes and resolves its exit code. */
  signal?: AbortSignal
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, runtime: 1, usage: 2, undelivered: 3 } as const

/** A bad flag, value or config file: reported with the command's usage hint, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** A runtime failure with a message meant for the user (no stack trace), exit 1. */
export class CliError extends Error {
  override name = 'CliError'
}

type OptionSpec = NonNullable<ParseArgsConfig['options']>

/** Options every command takes. */
export const COMMON_OPTIONS = {
  brokers: { type: 'string', short: 'b' },
  topic: { type: 'string', short: 't' },
  config: { type: 'string', short: 'c' },
  property: { type: 'string', short: 'X', multiple: true },
  timeout: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' }
} as const satisfies OptionSpec

/** Environment variables read when the flag is not given (the config file comes last). */
const ENV: Record<string, string> = {
  brokers: 'KAFKA_BROKERS',
  topic: 'KAFKA_TOPIC',
  config: 'KAFKA_LOG_TRANSPORT_CONFIG'
}

export type Settings = Record<string, string | boolean | undefined>

/** Parsed settings: flags over environment over config file, plus librdkafka properties. */
export interface Parsed {
  settings: Settings
  rdkafka: Record<string, string>
  help: boolean
}

/**
 * Parse `argv` against `options` (which must include {@link COMMON_OPTIONS}), then fill
 * what the flags left unset from the environment and the JSON config file. Throws UsageError.
 */
export function parseCommand (argv: string[], options: OptionSpec, env: NodeJS.ProcessEnv): Parsed {
  let values: Record<string, string | boolean | Array<string | boolean> | undefined>
  try {
    const parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false })
    values = parsed.values
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err))
  }
  if (values['help'] === true) return { settings: {}, rdkafka: {}, help: true }
  const settings: Settings = {}
  const configPath = stringValue(values['config']) ?? env[ENV['config'] ?? '']
  const file = configPath === undefined || configPath === '' ? undefined : readConfigFile(configPath, options)
  const rdkafka: Record<string, string> = { ...file?.rdkafka }
  for (const name of Object.keys(options)) {
    if (name === 'property' || name === 'help' || name === 'config') continue
    const flag = values[name]
    const fromEnv = ENV[name] === undefined ? undefined : env[ENV[name]]
    if (flag !== undefined && !Array.isArray(flag)) settings[name] = flag
    else if (fromEnv !== undefined && fromEnv !== '') settings[name] = fromEnv
    else settings[name] = file?.settings[name]
  }
  for (const p of (values['property'] as string[] | undefined) ?? []) {
    const eq = p.indexOf('=')
    if (eq <= 0) throw new UsageError(`-X takes key=value (a librdkafka property), got ${JSON.stringify(p.length > 40 ? p.slice(0, 37) + '...' : p)}`)
    rdkafka[p.slice(0, eq).trim()] = p.slice(eq + 1)
  }
  return { settings, rdkafka, help: false }
}

function stringValue (v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}

/**
 * A JSON object whose keys are the command's long flag names (`"brokers"`, `"from-beginning"`)
 * plus `"rdkafka"`: an object of librdkafka properties (the place for secrets: not on the
 * command line, where `ps` shows them). Keys for other commands are ignored, unknown ones rejected.
 */
function readConfigFile (path: string, options: OptionSpec): { settings: Settings, rdkafka: Record<string, string> } {
  let doc: unknown
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    const why = (err as { code?: string }).code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err)
    throw new UsageError(`config file ${path}: ${why}`)
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`config file ${path}: expected a JSON object`)
  const settings: Settings = {}
  const rdkafka: Record<string, string> = {}
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'rdkafka') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UsageError(`config file ${path}: "rdkafka" must be an object of librdkafka properties`)
      for (const [pk, pv] of Object.entries(v as Record<string, unknown>)) {
        if (!['string', 'number', 'boolean'].includes(typeof pv)) throw new UsageError(`config file ${path}: rdkafka.${pk} must be a string, number or boolean`)
        rdkafka[pk] = String(pv)
      }
    } else if (!KNOWN_CONFIG_KEYS.has(k)) {
      throw new UsageError(`config file ${path}: unknown key "${k}" (keys are long flag names, e.g. "brokers", "topic", plus "rdkafka")`)
    } else if (k in options) {
      const spec = options[k]
      if (spec?.type === 'boolean') {
        if (typeof v !== 'boolean') throw new UsageError(`config file ${path}: "${k}" must be true or false`)
        settings[k] = v
      } else {
        if (typeof v !== 'string' && typeof v !== 'number') throw new UsageError(`config file ${path}: "${k}" must be a string or a number`)
        settings[k] = String(v)
      }
    }
  }
  return { settings, rdkafka }
}

/** Every long flag of every command: a shared config file may hold keys for all three. */
const KNOWN_CONFIG_KEYS = new Set(['brokers', 'topic', 'timeout', 'verbose', 'key', 'topic-template', 'compression', 'encoding', 'oauthbearer-token-file', 'max-buffer',
  'flush-timeout', 'overflow', 'quiet', 'tee', 'from-beginning', 'no-follow', 'level', 'grep', 'json', 'color', 'no-color', 'window', 'tick',
  'baseline', 'warmup', 'drop', 'spike', 'min-rate', 'exec', 'metrics-port', 'metrics-host', 'duration'])

/** `500ms`, `10s`, `2m`, `1h`; a bare number is seconds. Returns milliseconds. Throws UsageError. */
export function parseDuration (name: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text)
  if (m === null) throw new UsageError(`--${name} takes a duration such as 500ms, 10s or 2m, got ${JSON.stringify(text)}`)
  const n = Number(m[1])
  const unit = m[2] ?? 's'
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60000 : n * 3600000
  return Math.round(ms)
}

/** A positive finite number. Throws UsageError. */
export function parseNumber (name: string, text: string, { min = 0, integer = false } = {}): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} takes ${integer ? 'an integer' : 'a number'} >= ${min}, got ${JSON.stringify(text)}`)
  }
  return n
}

/** Require a setting, naming the flag, the environment variable and the config key. */
export function required (settings: Settings, name: string): string {
  const v = settings[name]
  if (typeof v === 'string' && v !== '') return v
  const env = ENV[name]
  throw new UsageError(`--${name} is required${env === undefined ? '' : ` (or set ${env}, or "${name}" in the --config file)`}`)
}

/** The consumer commands' shared settings: brokers, topics (`a,b`), the broker timeout. */
export function consumerSettings (settings: Settings): { brokers: string, topics: string[], timeoutMs: number } {
  return {
    brokers: required(settings, 'brokers'),
    topics: required(settings, 'topic').split(',').map((t) => t.trim()).filter((t) => t !== ''),
    timeoutMs: parseDuration('timeout', str(settings, 'timeout') ?? '10s')
  }
}

export function str (settings: Settings, name: string): string | undefined {
  const v = settings[name]
  return typeof v === 'string' && v !== '' ? v : undefined
}

export function flag (settings: Settings, name: string): boolean {
  return settings[name] === true
}

/** librdkafka properties for display: secret values masked. */
export function showProperties (rdkafka: Record<string, string>): string {
  return Object.entries(rdkafka).map(([k, v]) => `${k}=${String(shown(k, v))}`).join(' ')
}

/** Remove secret property values from any text shown to the user. */
export function redactText (text: string, rdkafka: Record<string, string>): string {
  return redactSecrets(text, rdkafka)
}

/** Run a command body, turning UsageError/CliError into a message and an exit code. */
export async function guard (command: string, io: CliIo, body: () => Promise<number>, rdkafka: () => Record<string, string> = () => ({})): Promise<number> {
  try {
    return await body()
  } catch (err) {
    const message = redactText(err instanceof Error ? err.message : String(err), rdkafka())
    if (err instanceof UsageError || (err as { code?: string }).code === 'KLT_INVALID_OPTIONS') {
      io.stderr.write(`kafka-log-transport ${command}: ${message}\nRun 'kafka-log-transport ${command} --help' for usage.\n`)
      return EXIT.usage
    }
    io.stderr.write(`kafka-log-transport ${command}: ${message}\n`)
    return EXIT.runtime
  }
}

/**
 * One command's frame: parse `argv` (settings, `-X` properties, a config file), answer
 * `--help` with `usage`, run `body`; a thrown error becomes an exit code and one line on
 * stderr with every secret property redacted.
 */
export function runCommand (command: string, argv: string[], io: CliIo, options: OptionSpec, usage: string,
  body: (settings: Settings, rdkafka: Record<string, string>) => Promise<number>): Promise<number> {
  let rdkafka: Record<string, string> = {}
  return guard(command, io, async () => {
    const parsed = parseCommand(argv, options, io.env ?? process.env)
    if (parsed.help) {
      io.stdout.write(usage)
      return EXIT.ok
    }
    rdkafka = parsed.rdkafka
    return await body(parsed.settings, rdkafka)
  }, () => rdkafka)
}

/** Resolve after `ms`, or at once when `signal` aborts. */
export function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve()
      return
    }
    const done = (): void => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}
