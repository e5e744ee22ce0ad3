/**
 * What counts as a secret, once for the whole package: librdkafka properties (and headers)
 * whose values must never appear in an error, a log line, a metric or a CLI's output.
 */
export const SECRET_PROPERTY = /password|secret|private|credentials|sasl\.oauthbearer\.config|ssl\.key\.pem|ssl_key|token|api[-_.]?key|authorization/i

/** True when a setting of this name holds a secret. */
export function isSecret (name: string): boolean {
  return SECRET_PROPERTY.test(name)
}

/** The value as it may be shown: secrets masked. */
export function shown (name: string, value: unknown): unknown {
  return isSecret(name) ? '[redacted]' : value
}

/** Replace, in any text shown to a user, the values of every secret setting of `settings`. */
export function redactSecrets (text: string, ...settings: ReadonlyArray<Readonly<Record<string, unknown>>>): string {
  let out = text
  for (const conf of settings) {
    for (const [k, v] of Object.entries(conf)) {
      if (isSecret(k) && typeof v === 'string' && v.length > 0) out = out.split(v).join('[redacted]')
    }
  }
  return out
}
