import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { unwrap } from '@scrutin/shared';
import { LATEST_SCHEMA_VERSION, STATION_APPLICATION_ID, checkpointTruncate, openStationDb, schemaVersion } from './db.ts';
import { removeTempDirs, tempDir } from './fixtures.test-support.ts';
import { MIGRATIONS } from './migrations.ts';

afterAll(removeTempDirs);

describe('station database', () => {
  it('migrates a fresh database to the latest version, with WAL, synchronous=FULL and foreign keys', () => {
    const db = unwrap(openStationDb(join(tempDir(), 'station.sqlite')));
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('application_id', { simple: true })).toBe(STATION_APPLICATION_ID);
    const tables = db
      .prepare<[], { name: string; strict: number }>(
        "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'",
      )
      .all();
    expect(tables.length).toBeGreaterThan(5);
    for (const t of tables) expect(t, t.name).toMatchObject({ strict: 1 });
    db.close();
  });

  it('migrates a version-1 station (polls open, ballots in the outbox) to the latest version without touching its data', () => {
    const path = join(tempDir(), 'station.sqlite');
    const v1 = unwrap(
      openStationDb(
        path,
        MIGRATIONS.filter((m) => m.version === 1),
      ),
    );
    expect(schemaVersion(v1)).toBe(1);
    v1.prepare("UPDATE polls SET state = 'open'").run();
    v1.prepare('INSERT INTO outbox (id, envelope) VALUES (randomblob(16), ?)').run('{}');
    v1.close();
    const v2 = unwrap(openStationDb(path));
    expect(schemaVersion(v2)).toBe(LATEST_SCHEMA_VERSION);
    // Deleted envelopes are overwritten, not left in free pages.
    expect(v2.pragma('secure_delete', { simple: true })).toBe(1);
    expect(v2.prepare<[], { state: string; checked_in: number }>('SELECT state, checked_in FROM polls').get()).toEqual({
      state: 'open',
      checked_in: 0,
    });
    expect(v2.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()?.n).toBe(1);
    expect(v2.prepare<[], { n: number }>('SELECT count(*) AS n FROM batches').get()?.n).toBe(0);
    // A batch is synced exactly when it holds a receipt and its acknowledgement time.
    expect(() =>
      v2
        .prepare("INSERT INTO batches (sequence, batch_hash, signed_batch, envelopes, receipt) VALUES (1, ?, '{}', 1, '{}')")
        .run('a'.repeat(64)),
    ).toThrow(/CHECK/);
    v2.close();
  });

  it('is idempotent: reopening applies nothing and keeps the data', () => {
    const path = join(tempDir(), 'station.sqlite');
    const first = unwrap(openStationDb(path));
    first.prepare('INSERT INTO outbox (id, envelope) VALUES (randomblob(16), ?)').run('{}');
    first.close();
    const again = unwrap(openStationDb(path));
    expect(schemaVersion(again)).toBe(LATEST_SCHEMA_VERSION);
    expect(again.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()?.n).toBe(1);
    again.close();
  });

  it('applies a later migration in order, in its own transaction, and rolls a failing one back', () => {
    const path = join(tempDir(), 'station.sqlite');
    unwrap(openStationDb(path)).close();
    const broken = [
      ...MIGRATIONS,
      { version: LATEST_SCHEMA_VERSION + 1, name: 'broken', sql: 'CREATE TABLE extra (x INTEGER) STRICT; INSERT INTO nowhere VALUES (1);' },
    ];
    expect(() => openStationDb(path, broken)).toThrow(/nowhere/);
    const db = unwrap(openStationDb(path));
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'extra'").get()).toBeUndefined();
    db.close();
    const next = [...MIGRATIONS, { version: LATEST_SCHEMA_VERSION + 1, name: 'extra', sql: 'CREATE TABLE extra (x INTEGER) STRICT;' }];
    const upgraded = unwrap(openStationDb(path, next));
    expect(schemaVersion(upgraded)).toBe(LATEST_SCHEMA_VERSION + 1);
    upgraded.close();
  });

  it('refuses a database from a newer version of the app, and changes nothing', () => {
    const path = join(tempDir(), 'station.sqlite');
    const db = unwrap(openStationDb(path));
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    expect(openStationDb(path)).toEqual({
      ok: false,
      error: { kind: 'newer-schema', found: LATEST_SCHEMA_VERSION + 1, supported: LATEST_SCHEMA_VERSION },
    });
    const raw = new Database(path);
    expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 1);
    raw.close();
  });

  it('refuses a SQLite file that is not a station database', () => {
    const path = join(tempDir(), 'other.sqlite');
    const other = new Database(path);
    other.exec('CREATE TABLE t (x INTEGER)');
    other.pragma('user_version = 3');
    other.close();
    expect(openStationDb(path)).toMatchObject({ ok: false, error: { kind: 'not-a-station-database' } });
    const notSqlite = join(tempDir(), 'garbage.sqlite');
    writeFileSync(notSqlite, 'not a database at all, just text that is long enough to be a header........');
    expect(() => openStationDb(notSqlite)).toThrow();
  });

  describe('at rest (issue 11)', () => {
    const MARKER = 'ZQXJ-deleted-envelope-ZQXJ';
    const marked = (path: string) => existsSync(path) && readFileSync(path).includes(MARKER);
    /** Writes many rows holding the marker, checkpoints them into the file, then deletes them. */
    const writeThenDelete = (db: Database.Database) => {
      db.exec('CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT');
      const insert = db.prepare('INSERT INTO scratch (body) VALUES (?)');
      db.transaction(() => {
        for (let i = 0; i < 200; i += 1) insert.run(`${MARKER} ${i} ${'x'.repeat(200)}`);
      })();
      db.pragma('wal_checkpoint(PASSIVE)');
      db.prepare('DELETE FROM scratch').run();
    };

    it('turns secure_delete on, and after a deletion and checkpointTruncate no byte of the rows is left in the file or its WAL', () => {
      const path = join(tempDir(), 'station.sqlite');
      const db = unwrap(openStationDb(path));
      expect(db.pragma('secure_delete', { simple: true })).toBe(1);
      writeThenDelete(db);
      expect(marked(`${path}-wal`), 'the deleted rows are still in the WAL before the checkpoint').toBe(true);
      expect(checkpointTruncate(db)).toBe(true);
      expect(statSync(`${path}-wal`).size).toBe(0);
      expect(marked(path)).toBe(false);
      expect(marked(`${path}-wal`)).toBe(false);
      db.close();
      expect(marked(path)).toBe(false);
    });

    it('(the attack) without secure_delete, the deleted rows survive in the database file', () => {
      const path = join(tempDir(), 'plain.sqlite');
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('secure_delete = OFF');
      writeThenDelete(db);
      db.pragma('wal_checkpoint(TRUNCATE)');
      expect(marked(path)).toBe(true);
      db.close();
    });

    it('creates the database, its WAL and its shared-memory file readable by the owner only (0600)', () => {
      const path = join(tempDir(), 'station.sqlite');
      writeFileSync(path, '', { mode: 0o644 });
      const db = unwrap(openStationDb(path));
      db.prepare('UPDATE polls SET checked_in = 1').run();
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect((statSync(file).mode & 0o777).toString(8), file).toBe('600');
      db.close();
    });
  });
});
