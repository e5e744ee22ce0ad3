import fs from 'node:fs'
import type { ResolvedSpoolOptions } from '../config/options'
import { SpoolError } from '../errors'

/**
 * The file handle of the segment being appended to, and its durability: each append is one
 * write(2), then fdatasync(2) at once (`fsync: 'always'`), within `fsyncIntervalMs`
 * ('interval'), or when the file is closed.
 */
export class SegmentAppender {
  readonly #o: ResolvedSpoolOptions
  #fd: number | undefined
  #dirty = false
  #syncTimer: NodeJS.Timeout | undefined

  constructor (o: ResolvedSpoolOptions) {
    this.#o = o
  }

  /** A segment file is open for appending. */
  get open (): boolean {
    return this.#fd !== undefined
  }

  /** Close the current segment and start appending to `file` (created). */
  start (file: string): void {
    this.close()
    try {
      this.#fd = fs.openSync(file, 'a')
    } catch (err) {
      throw new SpoolError(`cannot create a spool segment in ${this.#o.dir}: ${(err as Error).message}`, { cause: err })
    }
  }

  /**
   * Append `frame` to the open segment, whose whole records end at `size`. On failure a
   * half-written record must not sit in front of later ones: the file is cut back to `size`
   * and closed (the next append starts a new segment), and SpoolError is thrown.
   */
  write (frame: Buffer, size: number): void {
    const fd = this.#fd as number
    try {
      let done = 0
      while (done < frame.length) done += fs.writeSync(fd, frame, done)
    } catch (err) {
      try {
        fs.ftruncateSync(fd, size)
      } catch {}
      this.close()
      throw new SpoolError(`cannot write to the spool in ${this.#o.dir}: ${(err as Error).message}`, { cause: err })
    }
    if (this.#o.fsync === 'always') fs.fdatasyncSync(fd)
    else if (this.#o.fsync === 'interval') this.#scheduleSync()
  }

  /** fdatasync what was appended and not yet synced. */
  sync (): void {
    if (!this.#dirty || this.#fd === undefined) return
    this.#dirty = false
    try {
      fs.fdatasyncSync(this.#fd)
    } catch {
      // reported by the next append, which fails the same way
    }
  }

  /** Sync and close the open segment, if any. */
  close (): void {
    if (this.#fd === undefined) return
    this.sync()
    fs.closeSync(this.#fd)
    this.#fd = undefined
  }

  /** Close for good: no sync timer left behind. */
  end (): void {
    clearTimeout(this.#syncTimer)
    this.#syncTimer = undefined
    this.close()
  }

  #scheduleSync (): void {
    this.#dirty = true
    this.#syncTimer ??= setTimeout(() => {
      this.#syncTimer = undefined
      this.sync()
    }, this.#o.fsyncIntervalMs).unref()
  }
}
