import fs from 'node:fs'
import path from 'node:path'
import { decodeFrame, type FrameResult } from './format'

// Segment files are numbered and append-only (000000000001.seg, ...); the ack file says
// how far replay has been acknowledged (a segment number and an offset in it).
const SEGMENT_RE = /^(\d{12})\.seg$/
// a segment given up under dropOldest, renamed aside until the fallback has its records
const DROPPED_RE = /^\d{12}\.seg\.dropped$/
const ACK_FILE = 'ack.json'
export const READ_CHUNK = 1024 * 1024

export interface Segment {
  seq: number
  file: string
  /** Bytes of whole, valid records (a torn tail is not counted). */
  size: number
  /** Records in it not yet read for replay. */
  unread: number
}

/** A position in the spool: everything before it has been read. */
export interface SpoolMark {
  seq: number
  offset: number
}

/** What an earlier run left in a spool directory. */
export interface Recovered {
  segments: Segment[]
  /** The highest segment number used (new ones count on from it). */
  lastSeq: number
  /** Where replay goes on. */
  mark: SpoolMark
  corrupt: number
}

export function segmentFile (dir: string, seq: number): string {
  return path.join(dir, `${String(seq).padStart(12, '0')}.seg`)
}

/** Read up to `length` bytes at `position` (fewer at the end of the file). */
export function readAt (fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length)
  let got = 0
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, position + got)
    if (n === 0) break
    got += n
  }
  return buf.subarray(0, got)
}

/** The frame at `offset`, reading more when one record is bigger than a first look. */
export function frameAt (fd: number, offset: number, look: number): FrameResult {
  const f = decodeFrame(readAt(fd, offset, look), 0)
  return f.kind === 'partial' ? decodeFrame(readAt(fd, offset, f.need), 0) : f
}

/**
 * Take stock of a spool directory: acknowledged segments and dropped ones left by a crash
 * are deleted, torn tails cut off (not when `readOnly`), unread records counted.
 */
export function recoverSegments (dir: string, readOnly: boolean): Recovered {
  const files = fs.readdirSync(dir)
  // dropped (and counted) by a run that ended before its fallback had them: gone anyway
  if (!readOnly) for (const f of files.filter((n) => DROPPED_RE.test(n))) fs.rmSync(path.join(dir, f), { force: true })
  const seqs = files.map((f) => SEGMENT_RE.exec(f)?.[1]).filter((s) => s !== undefined).map(Number).sort((a, b) => a - b)
  let ack: SpoolMark = { seq: 0, offset: 0 }
  try {
    ack = JSON.parse(fs.readFileSync(path.join(dir, ACK_FILE), 'utf8')) as SpoolMark
  } catch {
    // no ack yet: replay everything
  }
  const r: Recovered = { segments: [], lastSeq: Math.max(ack.seq, seqs.at(-1) ?? 0), mark: { seq: 0, offset: 0 }, corrupt: 0 }
  for (const seq of seqs) {
    const file = segmentFile(dir, seq)
    if (seq < ack.seq) {
      if (!readOnly) fs.rmSync(file, { force: true }) // acknowledged; the delete did not happen before the crash
      continue
    }
    const from = seq === ack.seq ? ack.offset : 0
    const { size, records, torn } = scanSegment(file, from)
    if (torn) r.corrupt++
    if (torn && !readOnly) fs.truncateSync(file, size) // a torn tail: appends go after the last whole record
    r.segments.push({ seq, file, size, unread: records })
    if (r.segments.length === 1) r.mark = { seq, offset: from }
  }
  return r
}

/** Remember how far replay has been acknowledged (atomically: write aside, rename). */
export function writeAck (dir: string, mark: SpoolMark): void {
  const file = path.join(dir, ACK_FILE)
  try {
    fs.writeFileSync(file + '.tmp', JSON.stringify(mark))
    fs.renameSync(file + '.tmp', file)
  } catch {
    // without it a restart sends the unacknowledged part of a segment again (at-least-once anyway)
  }
}

/** Count the whole records of a segment from `from`; stop at the first torn or corrupt one. */
function scanSegment (file: string, from: number): { size: number, records: number, torn: boolean } {
  const fd = fs.openSync(file, 'r')
  try {
    const total = fs.fstatSync(fd).size
    let offset = from
    let records = 0
    while (offset < total) {
      const buf = readAt(fd, offset, Math.min(READ_CHUNK, total - offset))
      let at = 0
      while (at < buf.length) {
        const f = decodeFrame(buf, at)
        if (f.kind === 'record') {
          records++
          at = f.end
          continue
        }
        if (f.kind === 'partial' && offset + at + f.need <= total) {
          if (at === 0) { // one record bigger than the chunk
            const big = decodeFrame(readAt(fd, offset, f.need), 0)
            if (big.kind !== 'record') return { size: offset, records, torn: true }
            records++
            at = big.end
          }
          break
        }
        // the rest of the file is not a whole, valid record: a torn write, or damage
        return { size: offset + at, records, torn: true }
      }
      offset += at
    }
    return { size: total, records, torn: false }
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * The values of a dropped segment's records, oldest first, read a chunk at a time; the
 * file is deleted at the end, also when the reader stops early. A record damaged since it
 * was written ends the reading (it was counted as dropped all the same).
 */
export async function * readDropped (file: string, size: number): AsyncGenerator<Buffer> {
  try {
    const fh = await fs.promises.open(file, 'r')
    try {
      let rest = Buffer.alloc(0)
      for (let offset = 0; offset < size;) {
        const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - offset))
        const { bytesRead } = await fh.read(chunk, 0, chunk.length, offset)
        if (bytesRead === 0) return
        offset += bytesRead
        const buf = rest.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([rest, chunk.subarray(0, bytesRead)])
        let at = 0
        for (let f = decodeFrame(buf, at); f.kind !== 'partial'; f = decodeFrame(buf, at)) {
          if (f.kind === 'corrupt') return
          yield f.record.value
          at = f.end
        }
        rest = buf.subarray(at) // a record that runs on into the next chunk
      }
    } finally {
      await fh.close()
    }
  } finally {
    await fs.promises.rm(file, { force: true })
  }
}
