import fs from 'node:fs'
import path from 'node:path'
import { SpoolError, SpoolLockedError } from '../errors'
import type { ResolvedSpoolOptions } from '../config/options'
import type { EncodedRecord } from '../record/record'
import { decodeFrame, encodeFrame, type SpooledRecord } from './format'

// A spool directory holds numbered append-only segment files (000000000001.seg, ...), an
// ack file (how far replay has been acknowledged) and a lock file (the owner's pid).
const SEGMENT_RE = /^(\d{12})\.seg$/
// a segment given up under dropOldest, renamed aside until the fallback has its records
const DROPPED_RE = /^\d{12}\.seg\.dropped$/
const ACK_FILE = 'ack.json'
const LOCK_FILE = 'lock'
const READ_CHUNK = 1024 * 1024
const MIN_SEGMENT = 16 * 1024
const MAX_SEGMENT = 64 * 1024 * 1024

interface Segment {
  seq: number
  file: string
  /** Bytes of whole, valid records (a torn tail is not counted). */
  size: number
  /** Records in it not yet read for replay. */
  unread: number
}

/** A segment given up by `dropOldestSegment()`. */
export interface DroppedSegment {
  /** How many records it held: known without reading it. */
  records: number
  /**
   * With `keepValues`: its records' values, oldest first, read from disk asynchronously a
   * chunk at a time; the file is deleted once they have been read (or the reader stops).
   */
  values: AsyncIterable<Buffer> | undefined
}

/** A position in the spool: everything before it has been read. */
export interface SpoolMark {
  seq: number
  offset: number
}

export interface SpoolState {
  /** Records waiting to be sent. */
  records: number
  /** Bytes on disk (including records sent but not yet acknowledged). */
  bytes: number
  segments: number
  /** When the oldest waiting record was spooled (ms since the epoch). */
  oldestSpooledAt: number | undefined
  /** Torn or corrupt records found and skipped. */
  corrupt: number
}

const segmentName = (seq: number): string => `${String(seq).padStart(12, '0')}.seg`
const held = new Set<string>()

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The values of a dropped segment's records, oldest first, read a chunk at a time; the
 * file is deleted at the end, also when the reader stops early. A record damaged since it
 * was written ends the reading (it was counted as dropped all the same).
 */
async function * readDropped (file: string, size: number): AsyncGenerator<Buffer> {
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

/** The pid of the live process that holds `dir`'s lock, if any (a lock left by a dead one does not count). */
export function spoolOwner (dir: string): number | undefined {
  let pid: number
  try {
    pid = Number.parseInt(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'), 10)
  } catch {
    return undefined
  }
  return Number.isInteger(pid) && isAlive(pid) ? pid : undefined
}

/**
 * The durable spool: records appended to segment files, read back oldest first for replay,
 * deleted a whole segment at a time once acknowledged. Synchronous I/O: an append is one
 * write(2) (plus fdatasync(2) with `fsync: 'always'`).
 */
export class Spool {
  readonly dir: string
  readonly #o: ResolvedSpoolOptions
  readonly #readOnly: boolean
  readonly #segmentBytes: number
  #segments: Segment[] = []
  #fd: number | undefined
  #readSeq = 0
  #readOffset = 0
  /** The highest segment number used so far (new segments count on from it, never reusing an acknowledged one). */
  #lastSeq = 0
  #unread = 0
  #bytes = 0
  #corrupt = 0
  #dirty = false
  #syncTimer: NodeJS.Timeout | undefined
  #head: { seq: number, offset: number, at: number } | undefined
  #closed = false
  /** Records found on open, left by an earlier run. */
  readonly recovered: number

  /** Lock `o.dir` (created if missing) and take stock of what an earlier run left. Throws SpoolLockedError/SpoolError. */
  static open (o: ResolvedSpoolOptions): Spool {
    return new Spool(o, false)
  }

  /** Look at a spool without taking it (for `spool status`): nothing is changed on disk. */
  static inspect (dir: string): SpoolState {
    const s = new Spool({ dir: path.resolve(dir), maxBytes: Number.MAX_SAFE_INTEGER, fsync: 'never', fsyncIntervalMs: 1000 }, true)
    return s.state()
  }

  private constructor (o: ResolvedSpoolOptions, readOnly: boolean) {
    this.dir = o.dir
    this.#o = o
    this.#readOnly = readOnly
    this.#segmentBytes = Math.max(MIN_SEGMENT, Math.min(MAX_SEGMENT, Math.floor(o.maxBytes / 16)))
    if (!readOnly) {
      try {
        fs.mkdirSync(o.dir, { recursive: true })
      } catch (err) {
        throw new SpoolError(`cannot create the spool directory ${o.dir}: ${(err as Error).message}`, { cause: err })
      }
      this.#lock()
    } else if (!fs.existsSync(o.dir)) {
      throw new SpoolError(`no spool directory at ${o.dir}`)
    }
    try {
      this.#recover()
    } catch (err) {
      if (!readOnly) this.#unlock()
      throw err instanceof SpoolError ? err : new SpoolError(`cannot read the spool in ${o.dir}: ${(err as Error).message}`, { cause: err })
    }
    this.recovered = this.#unread
  }

  get records (): number { return this.#unread }
  get bytes (): number { return this.#bytes }
  get corrupt (): number { return this.#corrupt }

  state (): SpoolState {
    return { records: this.#unread, bytes: this.#bytes, segments: this.#segments.length, oldestSpooledAt: this.#oldestSpooledAt(), corrupt: this.#corrupt }
  }

  // --- lock ----------------------------------------------------------------------------

  #lock (): void {
    const file = path.join(this.dir, LOCK_FILE)
    const taken = (by: string): SpoolLockedError => new SpoolLockedError(`the spool directory ${this.dir} is in use by ${by}: ` +
      'one live process (and one producer) per spool directory; give each its own, e.g. with the instance name or pid in the path')
    if (held.has(this.dir)) throw taken('another producer of this process')
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new SpoolError(`cannot lock the spool directory ${this.dir}: ${(err as Error).message}`, { cause: err })
      const pid = spoolOwner(this.dir)
      if (pid !== undefined && pid !== process.pid) throw taken(`process ${pid}`)
      fs.writeFileSync(file, String(process.pid)) // left by a process that is gone: take it over
    }
    held.add(this.dir)
  }

  #unlock (): void {
    held.delete(this.dir)
    try {
      fs.unlinkSync(path.join(this.dir, LOCK_FILE))
    } catch {
      // already gone
    }
  }

  // --- recovery ------------------------------------------------------------------------

  #recover (): void {
    const files = fs.readdirSync(this.dir)
    // dropped (and counted) by a run that ended before its fallback had them: gone anyway
    if (!this.#readOnly) for (const f of files.filter((n) => DROPPED_RE.test(n))) fs.rmSync(path.join(this.dir, f), { force: true })
    const seqs = files.map((f) => SEGMENT_RE.exec(f)?.[1]).filter((s) => s !== undefined).map(Number).sort((a, b) => a - b)
    let ack: SpoolMark = { seq: 0, offset: 0 }
    try {
      ack = JSON.parse(fs.readFileSync(path.join(this.dir, ACK_FILE), 'utf8')) as SpoolMark
    } catch {
      // no ack yet: replay everything
    }
    this.#lastSeq = Math.max(ack.seq, seqs.at(-1) ?? 0)
    for (const seq of seqs) {
      const file = path.join(this.dir, segmentName(seq))
      if (seq < ack.seq) {
        if (!this.#readOnly) fs.rmSync(file, { force: true }) // acknowledged; the delete did not happen before the crash
        continue
      }
      const from = seq === ack.seq ? ack.offset : 0
      const { size, records, torn } = this.#scan(file, from)
      if (torn && !this.#readOnly) fs.truncateSync(file, size) // a torn tail: appends go after the last whole record
      this.#segments.push({ seq, file, size, unread: records })
      this.#unread += records
      this.#bytes += size
      if (this.#segments.length === 1) {
        this.#readSeq = seq
        this.#readOffset = from
      }
    }
  }

  /** Count the whole records of a segment from `from`; stop at the first torn or corrupt one. */
  #scan (file: string, from: number): { size: number, records: number, torn: boolean } {
    const fd = fs.openSync(file, 'r')
    try {
      const total = fs.fstatSync(fd).size
      let offset = from
      let records = 0
      while (offset < total) {
        const buf = this.#readAt(fd, offset, Math.min(READ_CHUNK, total - offset))
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
              const big = decodeFrame(this.#readAt(fd, offset, f.need), 0)
              if (big.kind === 'record') {
                records++
                at = big.end
              } else {
                this.#corrupt++
                return { size: offset, records, torn: true }
              }
            }
            break
          }
          // the rest of the file is not a whole, valid record: a torn write, or damage
          this.#corrupt++
          return { size: offset + at, records, torn: true }
        }
        offset += at
      }
      return { size: total, records, torn: false }
    } finally {
      fs.closeSync(fd)
    }
  }

  #readAt (fd: number, position: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length)
    let got = 0
    while (got < length) {
      const n = fs.readSync(fd, buf, got, length - got, position + got)
      if (n === 0) break
      got += n
    }
    return buf.subarray(0, got)
  }

  // --- append --------------------------------------------------------------------------

  /** Append one record. False when it would take the spool past `maxBytes`. Throws SpoolError on I/O failure. */
  append (r: EncodedRecord): boolean {
    const frame = encodeFrame(r, Date.now())
    if (this.#bytes + frame.length > this.#o.maxBytes) return false
    let seg = this.#segments.at(-1)
    if (this.#fd === undefined || seg === undefined || (seg.size > 0 && seg.size + frame.length > this.#segmentBytes)) seg = this.#roll()
    try {
      let done = 0
      while (done < frame.length) done += fs.writeSync(this.#fd as number, frame, done)
    } catch (err) {
      // a half-written record must not sit in front of later ones: cut it off, go on in a new segment
      try {
        fs.ftruncateSync(this.#fd as number, seg.size)
      } catch {}
      this.#closeFd()
      throw new SpoolError(`cannot write to the spool in ${this.dir}: ${(err as Error).message}`, { cause: err })
    }
    seg.size += frame.length
    seg.unread++
    this.#unread++
    this.#bytes += frame.length
    if (this.#o.fsync === 'always') fs.fdatasyncSync(this.#fd as number)
    else if (this.#o.fsync === 'interval') this.#scheduleSync()
    return true
  }

  /** Start a new segment to append to. */
  #roll (): Segment {
    this.#closeFd()
    const seq = ++this.#lastSeq
    const file = path.join(this.dir, segmentName(seq))
    try {
      this.#fd = fs.openSync(file, 'a')
    } catch (err) {
      throw new SpoolError(`cannot create a spool segment in ${this.dir}: ${(err as Error).message}`, { cause: err })
    }
    const seg = { seq, file, size: 0, unread: 0 }
    this.#segments.push(seg)
    if (this.#segments.length === 1) {
      this.#readSeq = seq
      this.#readOffset = 0
    }
    return seg
  }

  #scheduleSync (): void {
    this.#dirty = true
    this.#syncTimer ??= setTimeout(() => {
      this.#syncTimer = undefined
      this.sync()
    }, this.#o.fsyncIntervalMs).unref()
  }

  /** fdatasync the segment being appended to. */
  sync (): void {
    if (!this.#dirty || this.#fd === undefined) return
    this.#dirty = false
    try {
      fs.fdatasyncSync(this.#fd)
    } catch {
      // reported by the next append, which fails the same way
    }
  }

  #closeFd (): void {
    if (this.#fd === undefined) return
    this.sync()
    fs.closeSync(this.#fd)
    this.#fd = undefined
  }

  // --- replay --------------------------------------------------------------------------

  /**
   * Read up to `maxRecords` waiting records, oldest first, stopping before `maxBytes` (each
   * record counted as its frame plus `perRecord`); the mark is where reading stopped.
   */
  read (maxRecords: number, maxBytes: number, perRecord = 0): { records: SpooledRecord[], mark: SpoolMark } {
    const records: SpooledRecord[] = []
    let bytes = 0
    while (records.length < maxRecords && bytes < maxBytes && this.#unread > 0) {
      const i = this.#segments.findIndex((s) => s.seq === this.#readSeq)
      const seg = this.#segments[i]
      if (seg === undefined) break
      if (this.#readOffset >= seg.size) {
        const next = this.#segments[i + 1]
        if (next === undefined) break
        this.#readSeq = next.seq
        this.#readOffset = 0
        continue
      }
      const fd = fs.openSync(seg.file, 'r')
      try {
        const buf = this.#readAt(fd, this.#readOffset, Math.min(READ_CHUNK, seg.size - this.#readOffset))
        let at = 0
        while (records.length < maxRecords && bytes < maxBytes) {
          let f = decodeFrame(buf, at)
          if (f.kind === 'partial' && at === 0) f = decodeFrame(this.#readAt(fd, this.#readOffset, f.need), 0)
          if (f.kind === 'partial') break
          if (f.kind === 'record' && records.length > 0 && bytes + f.end - at + perRecord > maxBytes) {
            bytes = maxBytes // the next record would not fit: this read is done
            break
          }
          if (f.kind === 'corrupt') {
            // damaged after it was written (the open-time scan found it whole): skip the rest of this segment
            this.#corrupt++
            this.#unread -= seg.unread
            seg.unread = 0
            at = seg.size - this.#readOffset
            break
          }
          records.push(f.record)
          bytes += f.end - at + perRecord
          at = f.end
          seg.unread--
          this.#unread--
        }
        this.#readOffset += at
      } finally {
        fs.closeSync(fd)
      }
    }
    this.#head = undefined
    return { records, mark: { seq: this.#readSeq, offset: this.#readOffset } }
  }

  /** Everything before `mark` is acknowledged by Kafka: delete the segments it covers, remember the mark. */
  ack (mark: SpoolMark): void {
    while (this.#segments.length > 0) {
      const seg = this.#segments[0] as Segment
      const covered = seg.seq < mark.seq || (seg.seq === mark.seq && mark.offset >= seg.size && seg.unread === 0)
      const appending = seg === this.#segments.at(-1) && this.#fd !== undefined
      if (!covered) break
      if (appending) {
        if (this.#unread > 0) break
        this.#closeFd() // the spool is empty: start afresh with the next append
      }
      fs.rmSync(seg.file, { force: true })
      this.#bytes -= seg.size
      this.#segments.shift()
    }
    this.#writeAck(mark)
  }

  #writeAck (mark: SpoolMark): void {
    const file = path.join(this.dir, ACK_FILE)
    try {
      fs.writeFileSync(file + '.tmp', JSON.stringify(mark))
      fs.renameSync(file + '.tmp', file)
    } catch {
      // without it a restart sends the unacknowledged part of a segment again (at-least-once anyway)
    }
  }

  /**
   * Make room under `overflow: 'dropOldest'`: remove the oldest segment no record of which
   * has been read yet (never the one being appended to), or return undefined when there is
   * no such segment. This runs inside the app's `write()` and a segment is up to 64 MiB, so
   * nothing of it is read here: its record count is known, the file is deleted at once, or
   * with `keepValues` (for a fallback) renamed aside and read later, asynchronously.
   */
  dropOldestSegment (keepValues = false): DroppedSegment | undefined {
    const i = this.#segments.findIndex((s) => s.seq > this.#readSeq || (s.seq === this.#readSeq && this.#readOffset === 0))
    const seg = this.#segments[i]
    if (seg === undefined || (seg === this.#segments.at(-1) && this.#fd !== undefined)) return undefined
    let values: AsyncIterable<Buffer> | undefined
    if (keepValues) {
      const aside = `${seg.file}.dropped`
      fs.renameSync(seg.file, aside)
      values = readDropped(aside, seg.size)
    } else {
      fs.rmSync(seg.file, { force: true })
    }
    this.#segments.splice(i, 1)
    this.#bytes -= seg.size
    this.#unread -= seg.unread
    if (seg.seq === this.#readSeq) {
      const next = this.#segments[i]
      this.#readSeq = next?.seq ?? seg.seq
      this.#readOffset = 0
    }
    this.#head = undefined
    // nothing of it was read for replay (so says the search above): `unread` is all it holds
    return { records: seg.unread, values }
  }

  #oldestSpooledAt (): number | undefined {
    if (this.#unread === 0) return undefined
    if (this.#head?.seq === this.#readSeq && this.#head.offset === this.#readOffset) return this.#head.at
    // peek at the next record to be read
    const seg = this.#segments.find((s) => s.unread > 0 && (s.seq > this.#readSeq || (s.seq === this.#readSeq && this.#readOffset < s.size)))
    if (seg === undefined) return undefined
    const offset = seg.seq === this.#readSeq ? this.#readOffset : 0
    const fd = fs.openSync(seg.file, 'r')
    try {
      let f = decodeFrame(this.#readAt(fd, offset, 4096), 0)
      if (f.kind === 'partial') f = decodeFrame(this.#readAt(fd, offset, f.need), 0)
      if (f.kind !== 'record') return undefined
      this.#head = { seq: this.#readSeq, offset: this.#readOffset, at: f.record.spooledAt }
      return f.record.spooledAt
    } finally {
      fs.closeSync(fd)
    }
  }

  /**
   * `n` records read for replay were not sent after all (the producer is closing): they are
   * still in their segments, unacknowledged, and count as waiting again (the next run sends them).
   */
  unsent (n: number): void {
    this.#unread += n
  }

  /** Sync, close, unlock. What is waiting stays for the next run. */
  close (): void {
    if (this.#closed || this.#readOnly) return
    this.#closed = true
    clearTimeout(this.#syncTimer)
    this.#syncTimer = undefined
    this.#closeFd()
    this.#unlock()
  }
}
