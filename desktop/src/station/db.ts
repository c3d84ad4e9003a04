import { chmodSync, closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { err, ok, type Result } from '@scrutin/shared';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations.ts';

/**
 * The station database: one better-sqlite3 connection, owned by the station backend, which
 * is the only writer. WAL with synchronous=FULL, so a committed ballot survives a power cut;
 * foreign keys on; STRICT tables.
 *
 * At rest (issue 11): `secure_delete` is on, so a deleted row's bytes are overwritten with
 * zeros in the database file, and `checkpointTruncate` runs after deletions, so the old pages
 * do not survive in the `-wal` file either. The file is created 0600, and SQLite gives its
 * `-wal` and `-shm` the database file's mode.
 */
export type StationDb = Database.Database;

/** "SCST" (SCrutin STation), big-endian: a stray SQLite file is not taken for a station. */
export const STATION_APPLICATION_ID = 0x53435354;

export type OpenDbError =
  | { readonly kind: 'newer-schema'; readonly found: number; readonly supported: number }
  | { readonly kind: 'not-a-station-database'; readonly applicationId: number };

export function openStationDb(path: string, migrations: readonly Migration[] = MIGRATIONS): Result<StationDb, OpenDbError> {
  // Created (or narrowed) to owner-only before SQLite opens it: the -wal and -shm files take its mode.
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // A deleted envelope's bytes are overwritten, not left in free pages (docs/threat-model.md).
    db.pragma('secure_delete = ON');
    const applicationId = Number(db.pragma('application_id', { simple: true }));
    const version = schemaVersion(db);
    if (applicationId !== STATION_APPLICATION_ID && !(applicationId === 0 && version === 0)) {
      db.close();
      return err({ kind: 'not-a-station-database', applicationId });
    }
    const migrated = migrate(db, migrations);
    if (!migrated.ok) {
      db.close();
      return migrated;
    }
    return ok(db);
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Copies the WAL into the database file and truncates the WAL to zero bytes: after a deletion
 * (with secure_delete on), no frame of the deleted rows is left in `-wal`. Answers whether the
 * checkpoint was complete (false while another connection reads, which the station never has).
 */
export function checkpointTruncate(db: StationDb): boolean {
  const [row] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
  return row !== undefined && row.busy === 0;
}

export function schemaVersion(db: StationDb): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/** Applies every migration above the current version, each in its own transaction. */
export function migrate(db: StationDb, migrations: readonly Migration[] = MIGRATIONS): Result<number, OpenDbError> {
  const supported = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const current = schemaVersion(db);
  if (current > supported) return err({ kind: 'newer-schema', found: current, supported });
  const pending = [...migrations].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  for (const migration of pending) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`application_id = ${STATION_APPLICATION_ID}`);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return ok(schemaVersion(db));
}

export { LATEST_SCHEMA_VERSION };
