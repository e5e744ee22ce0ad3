import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { OAuthBearerToken, ResolvedTokenSource } from './config/types'
import { AuthError } from './errors'

/** A token is renewed when this share of its lifetime has passed (librdkafka's own rule). */
const RENEW_AT = 0.8
/** Never sooner than this, whatever the lifetime. */
const MIN_RENEW_MS = 1000
/** A token of unknown lifetime from a function is asked for again after this long. */
const UNKNOWN_LIFETIME_RENEW_MS = 60 * 60 * 1000
/** A token file is read again at least this often (its writer renews it on its own schedule). */
const FILE_REREAD_MS = 60 * 1000
/** After a failure, the next try waits this long, doubling up to the maximum. */
const RETRY_MS = 2000
const MAX_RETRY_MS = 60 * 1000

/** The `exp` claim of a JWT, as epoch ms; undefined when the token is not a JWT with one. */
export function jwtExpiry (token: string): number | undefined {
  const payload = token.split('.')[1]
  if (payload === undefined || payload === '') return undefined
  try {
    const exp: unknown = (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp?: unknown }).exp
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined
  } catch {
    return undefined
  }
}

interface Current {
  token: string
  /** Epoch ms; undefined when unknown. */
  expiresAt: number | undefined
}

/**
 * Keeps an OAUTHBEARER token for a connection: gets it before the first connection attempt,
 * and renews it ahead of its expiry (from the option's function, or by reading its file
 * again), handing each new token to `apply`. Failures are reported once until a token
 * comes again, and retried with a growing pause: never a storm. The token itself is never
 * put into a message.
 */
export class TokenKeeper {
  readonly #source: ResolvedTokenSource
  readonly #apply: (token: string) => void
  readonly #report: (err: AuthError) => void
  #current: Current | undefined
  #timer: NodeJS.Timeout | undefined
  #retryMs = RETRY_MS
  #failing = false
  #fetching: Promise<Current | undefined> | undefined
  #stopped = false

  constructor (source: ResolvedTokenSource, apply: (token: string) => void, report: (err: AuthError) => void) {
    this.#source = source
    this.#apply = apply
    this.#report = report
  }

  /** The token to connect with: the current one while it is valid, else a new one; undefined when none could be had (reported). */
  async token (): Promise<string | undefined> {
    const c = this.#current
    if (c !== undefined && (c.expiresAt === undefined || c.expiresAt > Date.now())) return c.token
    // after a failure the keeper asks again on its own growing schedule, not per connection attempt
    if (this.#failing) return undefined
    return (await this.#renew())?.token
  }

  stop (): void {
    this.#stopped = true
    clearTimeout(this.#timer)
  }

  async #renew (): Promise<Current | undefined> {
    this.#fetching ??= this.#fetch().finally(() => { this.#fetching = undefined })
    return await this.#fetching
  }

  async #fetch (): Promise<Current | undefined> {
    let next: Current
    try {
      next = await this.#get()
    } catch (err) {
      this.#failed(err instanceof AuthError ? err : new AuthError(`could not get an OAUTHBEARER token: ${String(err)}`, { cause: err }))
      return undefined
    }
    if (this.#stopped) return next
    const changed = next.token !== this.#current?.token
    this.#current = next
    this.#failing = false
    this.#retryMs = RETRY_MS
    if (changed) this.#apply(next.token)
    this.#schedule(this.#renewIn(next))
    return next
  }

  async #get (): Promise<Current> {
    const s = this.#source
    if (s.kind === 'static') return checked({ token: s.token }, 'the oauthbearerToken option')
    if (s.kind === 'file') {
      let text: string
      try {
        text = await readFile(s.file, 'utf8')
      } catch (err) {
        throw new AuthError(`could not read the OAUTHBEARER token file ${s.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err })
      }
      return checked({ token: text.trim() }, `the token file ${s.file}`)
    }
    let got: unknown
    try {
      got = await s.get()
    } catch (err) {
      throw new AuthError(`oauthbearerToken() failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
    return checked(got, 'oauthbearerToken()')
  }

  #renewIn (c: Current): number {
    const s = this.#source
    if (s.kind === 'static') return -1 // nothing to renew it from
    const life = c.expiresAt === undefined ? undefined : Math.max(MIN_RENEW_MS, RENEW_AT * (c.expiresAt - Date.now()))
    if (s.kind === 'file') return Math.min(FILE_REREAD_MS, life ?? FILE_REREAD_MS)
    return life ?? UNKNOWN_LIFETIME_RENEW_MS
  }

  #failed (err: AuthError): void {
    if (!this.#failing) this.#report(err)
    this.#failing = true
    if (this.#source.kind !== 'static') this.#schedule(this.#retryMs)
    this.#retryMs = Math.min(MAX_RETRY_MS, this.#retryMs * 2)
  }

  #schedule (ms: number): void {
    clearTimeout(this.#timer)
    if (ms < 0 || this.#stopped) return
    this.#timer = setTimeout(() => { void this.#renew() }, ms).unref()
  }
}

/** A token as the option gave it, checked: a non-empty string, not expired. Throws AuthError. */
function checked (got: unknown, from: string): Current {
  const g = typeof got === 'string' ? { token: got } : got
  const token = g !== null && typeof g === 'object' ? (g as OAuthBearerToken).token : undefined
  if (typeof token !== 'string' || token === '' || /\s/.test(token)) {
    throw new AuthError(`${from} gave no usable OAUTHBEARER token (expected a non-empty string without spaces, or { token, expiresAt })`)
  }
  const rawExp = (g as OAuthBearerToken).expiresAt
  const given = rawExp instanceof Date ? rawExp.getTime() : rawExp
  if (given !== undefined && (typeof given !== 'number' || !Number.isFinite(given))) {
    throw new AuthError(`${from} gave an expiresAt that is not a time (expected epoch ms or a Date)`)
  }
  // a JWT's own exp (whole seconds) can come before the expiresAt given with it: the earlier counts
  const claimed = jwtExpiry(token)
  const expiresAt = given === undefined ? claimed : claimed === undefined ? given : Math.min(given, claimed)
  if (expiresAt !== undefined && expiresAt <= Date.now()) {
    throw new AuthError(`${from} gave an OAUTHBEARER token that expired at ${new Date(expiresAt).toISOString()}`)
  }
  return { token, expiresAt }
}

// producers share a connection only when they get their token from the same place
const tokenFunctionIds = new WeakMap<() => unknown, number>()
let nextTokenFunctionId = 1
/** Where a token comes from, as a key: producers share a connection only when it is the same. */
export function tokenIdentity (token: ResolvedTokenSource | undefined): string {
  if (token === undefined) return ''
  if (token.kind === 'file') return `file:${token.file}`
  if (token.kind === 'static') return `static:${createHash('sha256').update(token.token).digest('hex')}`
  let id = tokenFunctionIds.get(token.get)
  if (id === undefined) tokenFunctionIds.set(token.get, id = nextTokenFunctionId++)
  return `function:${id}`
}
