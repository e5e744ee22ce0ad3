// A single Kafka node with a SASL_PLAINTEXT listener for OAUTHBEARER, validated by Kafka's
// own unsecured validator (unsigned JWTs: `sub` and `exp` checked, no signature), for the
// OAUTHBEARER tests. Tokens must carry REQUIRED_SCOPE. The broker re-authenticates each connection when its token's lifetime
// ends (connections.max.reauth.ms), so a client must keep its token fresh. The PLAINTEXT
// listener stays for the harness's readiness check and for reading records back.
import { startSingle } from './harness.mjs'

/** The scope every token must carry on this broker: a token without it is refused. */
export const REQUIRED_SCOPE = 'kafka-logs'

/** An unsigned JWT (alg none), as Kafka's unsecured validator accepts: `sub`, `iat`, `exp` (epoch ms in, seconds out), `scope`. */
export function unsecuredJwt ({ sub = 'klt-user', expiresAt, scope = REQUIRED_SCOPE }) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const claims = { sub, iat: Math.floor(Date.now() / 1000), exp: Math.floor(expiresAt / 1000), ...(scope == null ? {} : { scope }) }
  return `${part({ alg: 'none' })}.${part(claims)}.`
}

/**
 * Start a node on `port` (PLAINTEXT), `port + 1` (controller) and `port + 2` (SASL_PLAINTEXT
 * with OAUTHBEARER). Resolves with the harness handle plus `oauthBrokers`.
 */
export async function startOauth ({ port, reauthMs = 60000 }) {
  const p = `127.0.0.1:${port}`
  const c = `127.0.0.1:${port + 1}`
  const s = `127.0.0.1:${port + 2}`
  const kafka = await startSingle({
    port,
    extraPorts: [port + 2],
    properties: {
      listeners: `PLAINTEXT://${p},CONTROLLER://${c},SASL_PLAINTEXT://${s}`,
      'advertised.listeners': `PLAINTEXT://${p},CONTROLLER://${c},SASL_PLAINTEXT://${s}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'OAUTHBEARER',
      'listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config': `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker" unsecuredLoginListClaim_scope=",${REQUIRED_SCOPE}" unsecuredValidatorRequiredScope="${REQUIRED_SCOPE}";`,
      'listener.name.sasl_plaintext.connections.max.reauth.ms': reauthMs
    }
  })
  return Object.assign(kafka, { oauthBrokers: s })
}
