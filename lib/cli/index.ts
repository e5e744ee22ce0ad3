import { EXIT, type CliIo } from './args'
import { run as pipe } from './pipe'
import { run as spool } from './spool'
import { run as tail } from './tail'
import { run as watch } from './watch'

export { EXIT, type CliIo } from './args'

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = { pipe, tail, watch, spool }

export const USAGE = `Usage: kafka-log-transport <command> [options]

Commands:
  pipe    send stdin lines (NDJSON or plain text) into Kafka:  node app.js | kafka-log-transport pipe -b HOST:PORT -t logs
  tail    read log records back and pretty-print them:        kafka-log-transport tail -b HOST:PORT -t logs --level warn
  watch   alert on drops and spikes of log traffic:           kafka-log-transport watch -b HOST:PORT -t logs --window 10s
  spool   what a spool directory holds, or send it to Kafka:  kafka-log-transport spool status DIR | spool replay DIR -b HOST:PORT

Run 'kafka-log-transport <command> --help' for a command's options.
Settings come from flags, the environment (KAFKA_BROKERS, KAFKA_TOPIC,
KAFKA_LOG_TRANSPORT_CONFIG) or a JSON config file (--config); librdkafka properties via -X key=value.
Exit codes: 0 ok, 1 runtime error, 2 bad usage, 3 records not delivered (pipe, spool replay).
`

/** Dispatch `argv` (without node and the script) to a command; resolves to an exit code. */
export async function main (argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? rest[0] : undefined
    if (topic !== undefined && COMMANDS[topic] !== undefined) return COMMANDS[topic](['--help'], io)
    ;(command === undefined ? io.stderr : io.stdout).write(USAGE)
    return command === undefined ? EXIT.usage : EXIT.ok
  }
  if (command === '--version' || command === '-V') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pkg = require('../../package.json') as { version: string }
    io.stdout.write(`${pkg.version}\n`)
    return EXIT.ok
  }
  const run = COMMANDS[command]
  if (run === undefined) {
    io.stderr.write(`kafka-log-transport: unknown command ${JSON.stringify(command)} (pipe, tail, watch or spool)\n${USAGE}`)
    return EXIT.usage
  }
  return run(rest, io)
}
