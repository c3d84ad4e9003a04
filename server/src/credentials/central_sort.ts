import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The central file's rows (`<64 hex>,<station>\n`), sorted by credential hash with bounded
 * memory: an external bucket sort. Rows arrive in voter (NAS) order; each goes to one of
 * `buckets` spill files by its hash's first hex digits, through a small buffer per bucket.
 * At the end the buckets are read back in hex order, each sorted in memory and appended to
 * the output. Check values are uniformly random, so every bucket holds about
 * rows / buckets rows, and the order of the output (by check value) is a uniformly random
 * permutation of the voter list: it says nothing about which NAS a row belongs to.
 *
 * Memory: buckets × SPILL_BYTES of buffers while rows arrive, then one bucket at a time
 * (about 80 bytes × rows / buckets). bucketsFor keeps a bucket near ROWS_PER_BUCKET rows.
 */

/** Rows a bucket is aimed at: 8 million voters make 256 buckets of about 31,000 rows (2.5 MB). */
export const ROWS_PER_BUCKET = 65_536;
/** A bucket's buffer is written to its spill file once it holds this many bytes. */
export const SPILL_BYTES = 64 * 1024;
const HASH_HEX = 64;
const NEWLINE = 0x0a;

/** 1, 16 or 256 buckets (one or two leading hex digits), for `rows` rows. */
export function bucketsFor(rows: number): 1 | 16 | 256 {
  if (rows <= ROWS_PER_BUCKET) return 1;
  if (rows <= 16 * ROWS_PER_BUCKET) return 16;
  return 256;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  throw new RangeError('a central row starts with a lower-case hex credential hash');
}

export class SortedCentralWriter {
  private readonly buffers: Buffer[];
  private readonly fill: number[];
  private readonly files: (number | undefined)[];
  private rows = 0;

  /** `spillDir` must not exist yet; it is created, and removed by finish() or abort(). */
  constructor(
    private readonly spillDir: string,
    private readonly buckets: 1 | 16 | 256,
  ) {
    mkdirSync(spillDir, { mode: 0o700 });
    this.buffers = Array.from({ length: buckets }, () => Buffer.allocUnsafe(SPILL_BYTES));
    this.fill = new Array<number>(buckets).fill(0);
    this.files = new Array<number | undefined>(buckets).fill(undefined);
  }

  /** Takes whole rows (each ending in a newline), in any order. */
  add(rows: Uint8Array): void {
    const bytes = Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength);
    let start = 0;
    while (start < bytes.length) {
      const end = bytes.indexOf(NEWLINE, start);
      if (end < start + HASH_HEX) throw new RangeError('a central row is a 64-character hash, a comma, a station and a newline');
      const first = bytes[start] as number;
      const bucket =
        this.buckets === 1 ? 0 : this.buckets === 16 ? hexValue(first) : hexValue(first) * 16 + hexValue(bytes[start + 1] as number);
      this.put(bucket, bytes.subarray(start, end + 1));
      this.rows += 1;
      start = end + 1;
    }
  }

  private put(bucket: number, row: Buffer): void {
    const fill = this.fill[bucket] as number;
    if (fill + row.length > SPILL_BYTES) this.spill(bucket);
    row.copy(this.buffers[bucket] as Buffer, this.fill[bucket]);
    this.fill[bucket] = (this.fill[bucket] as number) + row.length;
  }

  private spill(bucket: number): void {
    const fill = this.fill[bucket] as number;
    if (fill === 0) return;
    let fd = this.files[bucket];
    if (fd === undefined) {
      fd = openSync(this.bucketPath(bucket), 'wx', 0o600);
      this.files[bucket] = fd;
    }
    writeAll(fd, (this.buffers[bucket] as Buffer).subarray(0, fill));
    this.fill[bucket] = 0;
  }

  private bucketPath(bucket: number): string {
    return join(this.spillDir, `${bucket.toString(16).padStart(2, '0')}.rows`);
  }

  /**
   * Writes every row, sorted by hash, through `write` (one call per bucket), then removes the
   * spill files. Returns the number of rows.
   */
  finish(write: (bytes: Buffer) => void): number {
    try {
      for (let bucket = 0; bucket < this.buckets; bucket += 1) {
        const fd = this.files[bucket];
        let bytes: Buffer;
        if (fd === undefined) {
          bytes = (this.buffers[bucket] as Buffer).subarray(0, this.fill[bucket]);
        } else {
          this.spill(bucket);
          closeSync(fd);
          this.files[bucket] = undefined;
          bytes = readFileSync(this.bucketPath(bucket));
          rmSync(this.bucketPath(bucket));
        }
        if (bytes.length === 0) continue;
        const lines = bytes.toString('latin1').split('\n');
        lines.pop(); // after the last newline
        // Every row starts with its fixed-width hash, unique: sorting the rows sorts the hashes.
        lines.sort();
        write(Buffer.from(`${lines.join('\n')}\n`, 'latin1'));
      }
      return this.rows;
    } finally {
      this.abort();
    }
  }

  /** Closes and removes the spill files. */
  abort(): void {
    for (const fd of this.files) if (fd !== undefined) closeSync(fd);
    this.files.fill(undefined);
    rmSync(this.spillDir, { recursive: true, force: true });
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}
