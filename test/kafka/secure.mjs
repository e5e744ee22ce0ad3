// A single Kafka node with a TLS + SASL/SCRAM-SHA-512 listener, for the security tests:
// a CA and a server certificate made with openssl in a temp dir, a SCRAM user created when
// the node's storage is formatted. The PLAINTEXT listener stays for the harness's own
// readiness check and for reading records back.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startSingle } from './harness.mjs'

function openssl (args, cwd) {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (is openssl installed?):\n${r.stderr}`)
}

/** A CA and a server certificate for 127.0.0.1, as PEM files in a new temp dir. */
export function makeCertificates () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'klt-tls-'))
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=klt-test-ca'], dir)
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'], dir)
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext'], dir)
  // Kafka reads a PEM "keystore": the unencrypted PKCS#8 key, then the certificate chain
  openssl(['pkcs8', '-topk8', '-nocrypt', '-in', 'server.key', '-out', 'server.p8'], dir)
  fs.writeFileSync(path.join(dir, 'keystore.pem'), fs.readFileSync(path.join(dir, 'server.p8'), 'utf8') + fs.readFileSync(path.join(dir, 'server.pem'), 'utf8'))
  return { dir, ca: path.join(dir, 'ca.pem'), keystore: path.join(dir, 'keystore.pem') }
}

/**
 * Start a node on `port` (PLAINTEXT), `port + 1` (controller) and `port + 2` (SASL_SSL with
 * SCRAM-SHA-512). Resolves with the harness handle plus `secureBrokers`, `ca`, `user`,
 * `password`; `stop()` also removes the certificates.
 */
export async function startSecure ({ port, user = 'klt-user', password = 'klt-secret-pw' }) {
  const certs = makeCertificates()
  const p = `127.0.0.1:${port}`
  const c = `127.0.0.1:${port + 1}`
  const s = `127.0.0.1:${port + 2}`
  const kafka = await startSingle({
    port,
    extraPorts: [port + 2],
    formatArgs: ['--add-scram', `SCRAM-SHA-512=[name=${user},password=${password}]`],
    properties: {
      listeners: `PLAINTEXT://${p},CONTROLLER://${c},SASL_SSL://${s}`,
      'advertised.listeners': `PLAINTEXT://${p},CONTROLLER://${c},SASL_SSL://${s}`,
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'ssl.keystore.type': 'PEM',
      'ssl.keystore.location': certs.keystore
    }
  })
  const stop = kafka.stop.bind(kafka)
  kafka.stop = async () => {
    await stop()
    fs.rmSync(certs.dir, { recursive: true, force: true })
  }
  return Object.assign(kafka, { secureBrokers: s, ca: certs.ca, user, password })
}
