import { crc32 } from 'node:zlib'
import type { EncodedRecord } from '../record/record'

// One spooled record on disk: [u32 body length][u32 CRC-32 of the body][body], big-endian.
// Body, version 1:
//   u8 version, f64 spooledAt (ms), f64 timestamp (NaN: none), u16 topic length, topic,
//   u8 key kind (0 none, 1 string, 2 bytes), u32 key length, key, u16 header count,
//   per header: u16 name length, name, u32 value length, value; then the value (the rest).
// Everything needed to send the record later exactly as it would have been sent.

const VERSION = 1
export const FRAME_HEAD = 8
/** A length beyond this is not a record: the frame is corrupt (a record is at most ~1 MB + headers). */
const MAX_BODY = 256 * 1024 * 1024

/** A record read back from the spool. */
export interface SpooledRecord extends EncodedRecord {
  spooledAt: number
}

/** One record as a frame (head + body). */
export function encodeFrame (r: EncodedRecord, spooledAt: number): Buffer {
  const size = bodySize(r)
  const buf = Buffer.allocUnsafe(FRAME_HEAD + size)
  writeBody(r, spooledAt, buf, FRAME_HEAD)
  buf.writeUInt32BE(size, 0)
  buf.writeUInt32BE(crc32(buf.subarray(FRAME_HEAD)), 4)
  return buf
}

/** The bytes of `r`'s body (the same layout in the spool's files and in the memory buffer's chunks). */
export function bodySize (r: EncodedRecord): number {
  const key = r.key === null ? 0 : typeof r.key === 'string' ? Buffer.byteLength(r.key) : r.key.length
  let size = 1 + 8 + 8 + 2 + Buffer.byteLength(r.topic) + 1 + 4 + key + 2 + r.value.length
  for (const h of r.headers) {
    for (const k in h) size += 2 + Buffer.byteLength(k) + 4 + Buffer.byteLength(h[k] as string)
  }
  return size
}

/** Write `r`'s body (bodySize(r) bytes) into `buf` at `o`, with no object made on the way. */
export function writeBody (r: EncodedRecord, spooledAt: number, buf: Buffer, o: number): void {
  o = buf.writeUInt8(VERSION, o)
  o = buf.writeDoubleBE(spooledAt, o)
  o = buf.writeDoubleBE(r.timestamp ?? Number.NaN, o)
  o = writeText(buf, o, r.topic, 2)
  const key = r.key
  o = buf.writeUInt8(key === null ? 0 : typeof key === 'string' ? 1 : 2, o)
  if (key === null) o = buf.writeUInt32BE(0, o)
  else if (typeof key === 'string') o = writeText(buf, o, key, 4)
  else {
    o = buf.writeUInt32BE(key.length, o)
    o += key.copy(buf, o)
  }
  const countAt = o
  o += 2
  let n = 0
  for (const h of r.headers) {
    for (const k in h) {
      o = writeText(buf, o, k, 2)
      o = writeText(buf, o, h[k] as string, 4)
      n++
    }
  }
  buf.writeUInt16BE(n, countAt)
  r.value.copy(buf, o)
}

/** A text with its UTF-8 length before it (u16 or u32); the offset after it. */
function writeText (buf: Buffer, o: number, text: string, lengthBytes: 2 | 4): number {
  const n = buf.write(text, o + lengthBytes)
  if (lengthBytes === 2) buf.writeUInt16BE(n, o)
  else buf.writeUInt32BE(n, o)
  return o + lengthBytes + n
}

/** What is at `offset` of `buf`: a whole record, a frame that runs past the end, or garbage. */
export type FrameResult =
  | { kind: 'record', record: SpooledRecord, end: number }
  | { kind: 'partial', need: number }
  | { kind: 'corrupt' }

export function decodeFrame (buf: Buffer, offset: number): FrameResult {
  if (buf.length - offset < FRAME_HEAD) return { kind: 'partial', need: FRAME_HEAD }
  const size = buf.readUInt32BE(offset)
  if (size < 27 || size > MAX_BODY) return { kind: 'corrupt' } // an impossible length
  const end = offset + FRAME_HEAD + size
  if (end > buf.length) return { kind: 'partial', need: FRAME_HEAD + size }
  const body = buf.subarray(offset + FRAME_HEAD, end)
  if (crc32(body) !== buf.readUInt32BE(offset + 4)) return { kind: 'corrupt' } // checksum mismatch
  try {
    return { kind: 'record', record: decodeBody(body), end }
  } catch {
    return { kind: 'corrupt' } // a body that does not decode
  }
}

/** A body back as a record; without `spooledAt` when it was written as NaN (a memory buffer's record that never was in the spool). */
export function decodeBody (b: Buffer): SpooledRecord {
  let o = 0
  const version = b.readUInt8(o++)
  if (version !== VERSION) throw new Error(`unknown record version ${version}`)
  const spooledAt = b.readDoubleBE(o)
  const ts = b.readDoubleBE(o + 8)
  o += 16
  const topicLen = b.readUInt16BE(o)
  const topic = b.toString('utf8', o + 2, o + 2 + topicLen)
  o += 2 + topicLen
  const keyKind = b.readUInt8(o)
  const keyLen = b.readUInt32BE(o + 1)
  o += 5
  const keyBytes = Buffer.from(b.subarray(o, o + keyLen))
  o += keyLen
  const key = keyKind === 0 ? null : keyKind === 1 ? keyBytes.toString() : keyBytes
  const n = b.readUInt16BE(o)
  o += 2
  const headers: Array<Record<string, string>> = []
  for (let i = 0; i < n; i++) {
    const kLen = b.readUInt16BE(o)
    const k = b.toString('utf8', o + 2, o + 2 + kLen)
    o += 2 + kLen
    const vLen = b.readUInt32BE(o)
    headers.push({ [k]: b.toString('utf8', o + 4, o + 4 + vLen) })
    o += 4 + vLen
  }
  if (o > b.length) throw new Error('record fields run past its length')
  const value = Buffer.from(b.subarray(o))
  const timestamp = Number.isNaN(ts) ? null : ts
  return Number.isNaN(spooledAt) ? { topic, key, timestamp, headers, value } as SpooledRecord : { topic, key, timestamp, headers, value, spooledAt }
}
