// A tiny Kafka Metadata (v4) request over a raw socket: the harness asks "which brokers
// does the cluster list?" without loading node-rdkafka (the library under test) or
// starting a JVM tool (0.6 s per call). Metadata v4 is the oldest version Kafka 4.x still
// answers (KIP-896) and it is not a "flexible" version, so the framing stays simple.
import net from 'node:net'

const API_METADATA = 3
const VERSION = 4
const CLIENT_ID = 'klt-harness'

/** @returns {Buffer} */
function encodeRequest (correlationId) {
  const clientId = Buffer.from(CLIENT_ID)
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4 + 1)
  let o = 0
  o = body.writeInt16BE(API_METADATA, o)
  o = body.writeInt16BE(VERSION, o)
  o = body.writeInt32BE(correlationId, o)
  o = body.writeInt16BE(clientId.length, o)
  o += clientId.copy(body, o)
  o = body.writeInt32BE(0, o) // topics: empty array (we only want brokers)
  body.writeInt8(0, o) // allow_auto_topic_creation: false
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length)
  return Buffer.concat([size, body])
}

/** @returns {{ host: string, port: number, nodeId: number }[]} */
function decodeBrokers (buf) {
  let o = 4 // correlation id
  o += 4 // throttle_time_ms
  const n = buf.readInt32BE(o); o += 4
  const brokers = []
  for (let i = 0; i < n; i++) {
    const nodeId = buf.readInt32BE(o); o += 4
    const hostLen = buf.readInt16BE(o); o += 2
    const host = buf.toString('utf8', o, o + hostLen); o += hostLen
    const port = buf.readInt32BE(o); o += 4
    const rackLen = buf.readInt16BE(o); o += 2
    if (rackLen > 0) o += rackLen
    brokers.push({ nodeId, host, port })
  }
  return brokers
}

/**
 * Ask one bootstrap address for the broker list.
 * Rejects on connection errors, a closed socket or after `timeoutMs`.
 * @param {string} address host:port
 * @param {number} timeoutMs
 */
export function fetchBrokers (address, timeoutMs = 2000) {
  const i = address.lastIndexOf(':')
  const host = address.slice(0, i)
  const port = Number(address.slice(i + 1))
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port })
    let chunks = Buffer.alloc(0)
    const timer = setTimeout(() => done(new Error(`no metadata answer from ${address} within ${timeoutMs} ms`)), timeoutMs)
    function done (err, value) {
      clearTimeout(timer)
      socket.destroy()
      if (err) reject(err)
      else resolve(value)
    }
    socket.on('connect', () => socket.write(encodeRequest(1)))
    socket.on('data', (d) => {
      chunks = Buffer.concat([chunks, d])
      if (chunks.length < 4) return
      const size = chunks.readInt32BE(0)
      if (chunks.length < 4 + size) return
      try {
        done(null, decodeBrokers(chunks.subarray(4, 4 + size)))
      } catch (err) {
        done(err)
      }
    })
    socket.on('error', (err) => done(err))
    socket.on('close', () => done(new Error(`${address} closed the connection before answering metadata`)))
  })
}
