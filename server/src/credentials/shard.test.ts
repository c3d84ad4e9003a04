import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ElectionIdSchema, RidingCodeSchema, StationIdSchema } from '@scrutin/shared';
import { inspectShard, ShardWriter, SHARD_APPLICATION_ID, type ShardMeta } from './shard.ts';

const dir = mkdtempSync(join(tmpdir(), 'scrutin-shard-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const meta = (voterCount: number): ShardMeta => ({
  formatVersion: 1,
  electionId: ElectionIdSchema.parse('qc-demo-2026'),
  stationId: StationIdSchema.parse('ST-00042'),
  riding: RidingCodeSchema.parse('SHERBROOKE'),
  voterCount,
});

describe('ShardWriter', () => {
  for (const [mode, inMemoryUpTo] of [
    ['in memory', 1000],
    ['in the file', 0],
  ] as const) {
    it(`builds a STRICT, WITHOUT ROWID shard ${mode} and returns its SHA-256`, () => {
      const path = join(dir, `shard-${inMemoryUpTo}.sqlite`);
      const hashes = Array.from({ length: 300 }, () => randomBytes(32)).sort((a, b) => Buffer.compare(a, b));
      const writer = new ShardWriter(path, meta(300), { inMemoryUpTo });
      writer.add(hashes.slice(0, 130));
      writer.add(hashes.slice(130));
      const sha = writer.finish();
      expect(sha).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
      expect(inspectShard(path)).toEqual({ meta: meta(300), credentials: 300 });

      const db = new Database(path, { readonly: true });
      expect(db.pragma('application_id', { simple: true })).toBe(SHARD_APPLICATION_ID);
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      const sql = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_schema WHERE name = 'credentials'").get()!.sql;
      expect(sql).toMatch(/STRICT, WITHOUT ROWID/);
      expect(
        db
          .prepare<[string], { n: number }>("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?")
          .get('credentials')!.n,
      ).toBe(0);
      const found = db.prepare('SELECT 1 FROM credentials WHERE credential_hash = ?');
      expect(found.get(hashes[7])).toBeDefined();
      expect(found.get(randomBytes(32))).toBeUndefined();
      expect(() => db.prepare('INSERT INTO credentials VALUES (?)').run(randomBytes(32))).toThrow(/readonly/);
      db.close();
    });
  }

  it('refuses a count that differs from the meta, and an existing file', () => {
    const writer = new ShardWriter(join(dir, 'short.sqlite'), meta(2));
    writer.add([randomBytes(32)]);
    expect(() => writer.finish()).toThrow(/shard has 1 credentials, its meta says 2/);

    const path = join(dir, 'twice.sqlite');
    const first = new ShardWriter(path, meta(0));
    first.finish();
    expect(() => new ShardWriter(path, meta(1), { inMemoryUpTo: 0 })).toThrow(/EEXIST/);
    const second = new ShardWriter(path, meta(0));
    expect(() => second.finish()).toThrow(/EEXIST/);
  });

  it('refuses a 31-byte hash', () => {
    const writer = new ShardWriter(join(dir, 'bad.sqlite'), meta(1));
    expect(() => {
      writer.add([randomBytes(31)]);
    }).toThrow(/CHECK constraint/);
    writer.abort();
  });
});
