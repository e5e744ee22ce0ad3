import fs from 'node:fs'
import path from 'node:path'
import { SpoolError } from '../errors'
import type { ResolvedSpoolOptions } from '../config/options'
import type { EncodedRecord } from '../record/record'
import { decodeFrame, encodeFrame, type SpooledRecord } from './format'
import { SegmentAppender } from './appender'
import { lockSpool, unlockSpool } from './lock'
import { READ_CHUNK, frameAt, readAt, readDropped, recoverSegments, segmentFile, writeAck, type Segment, type SpoolMark } from './segment'

export { spoolOwner } from './lock'
export type { SpoolMark } from './segment'

// A spool directory holds numbered append-only segment files, an ack file (how far replay
// has been acknowledged) and a lock file (the owner's pid): see segment.ts and lock.ts.
const MIN_SEGMENT = 16 * 1024
const MAX_SEGMENT = 64 * 1024 * 1024

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
  readonly #appender: SegmentAppender
  #readSeq = 0
  #readOffset = 0
  /** The highest segment number used so far (new segments count on from it, never reusing an acknowledged one). */
  #lastSeq = 0
  #unread = 0
  #bytes = 0
  #corrupt = 0
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
    this.#appender = new SegmentAppender(o)
    this.#segmentBytes = Math.max(MIN_SEGMENT, Math.min(MAX_SEGMENT, Math.floor(o.maxBytes / 16)))
    if (!readOnly) {
      try {
        fs.mkdirSync(o.dir, { recursive: true })
      } catch (err) {
        throw new SpoolError(`cannot create the spool directory ${o.dir}: ${(err as Error).message}`, { cause: err })
      }
      lockSpool(o.dir)
    } else if (!fs.existsSync(o.dir)) {
      throw new SpoolError(`no spool directory at ${o.dir}`)
    }
    try {
      const found = recoverSegments(o.dir, readOnly)
      this.#segments = found.segments
      this.#lastSeq = found.lastSeq
      this.#readSeq = found.mark.seq
      this.#readOffset = found.mark.offset
      this.#corrupt = found.corrupt
      for (const seg of found.segments) {
        this.#unread += seg.unread
        this.#bytes += seg.size
      }
    } catch (err) {
      if (!readOnly) unlockSpool(o.dir)
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

  /** Append one record. False when it would take the spool past `maxBytes`. Throws SpoolError on I/O failure. */
  append (r: EncodedRecord): boolean {
    const frame = encodeFrame(r, Date.now())
    if (this.#bytes + frame.length > this.#o.maxBytes) return false
    let seg = this.#segments.at(-1)
    if (!this.#appender.open || seg === undefined || (seg.size > 0 && seg.size + frame.length > this.#segmentBytes)) seg = this.#roll()
    this.#appender.write(frame, seg.size)
    seg.size += frame.length
    seg.unread++
    this.#unread++
    this.#bytes += frame.length
    return true
  }

  /** Start a new segment to append to. */
  #roll (): Segment {
    const seq = ++this.#lastSeq
    const file = segmentFile(this.dir, seq)
    this.#appender.start(file)
    const seg = { seq, file, size: 0, unread: 0 }
    this.#segments.push(seg)
    if (this.#segments.length === 1) {
      this.#readSeq = seq
      this.#readOffset = 0
    }
    return seg
  }

  /** fdatasync the segment being appended to. */
  sync (): void {
    this.#appender.sync()
  }

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
        const buf = readAt(fd, this.#readOffset, Math.min(READ_CHUNK, seg.size - this.#readOffset))
        let at = 0
        while (records.length < maxRecords && bytes < maxBytes) {
          let f = decodeFrame(buf, at)
          if (f.kind === 'partial' && at === 0) f = decodeFrame(readAt(fd, this.#readOffset, f.need), 0)
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
      const appending = seg === this.#segments.at(-1) && this.#appender.open
      if (!covered) break
      if (appending) {
        if (this.#unread > 0) break
        this.#appender.close() // the spool is empty: start afresh with the next append
      }
      fs.rmSync(seg.file, { force: true })
      this.#bytes -= seg.size
      this.#segments.shift()
    }
    writeAck(this.dir, mark)
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
    if (seg === undefined || (seg === this.#segments.at(-1) && this.#appender.open)) return undefined
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
      const f = frameAt(fd, offset, 4096)
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
    this.#appender.end()
    unlockSpool(this.dir)
  }
}
