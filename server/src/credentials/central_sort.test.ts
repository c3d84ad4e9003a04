import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bucketsFor, ROWS_PER_BUCKET, SortedCentralWriter, SPILL_BYTES } from './central_sort.ts';

const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});
function spillDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scrutin-central-sort-'));
  temporary.push(dir);
  return join(dir, 'spill');
}

function rowsOf(count: number, station: (i: number) => string): string[] {
  return Array.from({ length: count }, (_, i) => `${randomBytes(32).toString('hex')},${station(i)}\n`);
}

function sortAll(rows: readonly string[], buckets: 1 | 16 | 256, chunk = 4096): { out: string; counted: number; dir: string } {
  const dir = spillDir();
  const sorter = new SortedCentralWriter(dir, buckets);
  for (let i = 0; i < rows.length; i += chunk) sorter.add(Buffer.from(rows.slice(i, i + chunk).join(''), 'latin1'));
  const parts: Buffer[] = [];
  const counted = sorter.finish((bytes) => parts.push(bytes));
  return { out: Buffer.concat(parts).toString('latin1'), counted, dir };
}

describe('the external sort of central.csv', () => {
  it('picks 1, 16 or 256 buckets so that each holds about ROWS_PER_BUCKET rows at most', () => {
    expect(bucketsFor(0)).toBe(1);
    expect(bucketsFor(ROWS_PER_BUCKET)).toBe(1);
    expect(bucketsFor(ROWS_PER_BUCKET + 1)).toBe(16);
    expect(bucketsFor(16 * ROWS_PER_BUCKET + 1)).toBe(256);
    expect(bucketsFor(8_000_000)).toBe(256);
  });

  for (const buckets of [1, 16, 256] as const) {
    it(`sorts rows by hash through ${buckets} bucket(s), spilling to files, and removes them`, () => {
      // Enough rows that every bucket spills several times (256 × 64 KiB ≈ 210,000 rows of 80 bytes).
      const count = buckets === 256 ? 250_000 : 40_000;
      const rows = rowsOf(count, (i) => `ST-${String(i % 97).padStart(5, '0')}`);
      expect(count * rows[0]!.length).toBeGreaterThan(buckets * SPILL_BYTES);
      const { out, counted, dir } = sortAll(rows, buckets);
      expect(counted).toBe(count);
      const lines = out.split('\n');
      expect(lines.pop()).toBe('');
      expect(lines).toEqual(rows.map((r) => r.slice(0, -1)).sort());
      expect(existsSync(dir)).toBe(false);
    });
  }

  it('keeps station ids of any length with their hash', () => {
    const rows = rowsOf(1000, (i) => (i % 2 === 0 ? 'A' : 'STATION-WITH-A-LONG-NAME'));
    const { out } = sortAll(rows, 16, 7);
    expect(new Set(out.trimEnd().split('\n'))).toEqual(new Set(rows.map((r) => r.trimEnd())));
  });

  it('refuses a row that is not a hash and a station, and abort removes the spill files', () => {
    const dir = spillDir();
    const sorter = new SortedCentralWriter(dir, 16);
    sorter.add(Buffer.from(rowsOf(20_000, () => 'ST-00001').join(''), 'latin1'));
    expect(() => {
      sorter.add(Buffer.from('Z'.repeat(64) + ',ST-00001\n', 'latin1'));
    }).toThrow(RangeError);
    expect(() => {
      sorter.add(Buffer.from('abc,ST-00001\n', 'latin1'));
    }).toThrow(RangeError);
    expect(readdirSync(dir).length).toBeGreaterThan(0);
    sorter.abort();
    expect(existsSync(dir)).toBe(false);
  });
});
