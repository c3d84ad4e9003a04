import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { ElectionDefinition } from '../election/definition.ts';
import type { RidingCode, StationId } from '../ids.ts';
import { StationIdSchema } from '../ids.ts';
import { err, ok, type Result } from '../result.ts';
import { RIDING_INDEX_APPLICATION_ID, RIDING_INDEX_FORMAT_VERSION, SHARD_APPLICATION_ID } from './station_kit.ts';

/**
 * The riding index of a station kit: the credential hashes of the *other* stations of the
 * station's riding, each with its station, so a voter who came to the wrong polling station
 * is told which one is theirs. Hashes only (no NAS, no code), like a shard.
 *
 * SQLite, `application_id` "SCRI", format 1 (also in `user_version`):
 *
 *   meta(id = 1, format_version, election_id, riding, station_count, voter_count)
 *   stations(idx INTEGER PRIMARY KEY, station_id, name_fr, name_en)
 *   credentials(credential_hash BLOB PRIMARY KEY, station INTEGER → stations.idx)  -- WITHOUT ROWID
 */
const SCHEMA = `
  CREATE TABLE meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    format_version INTEGER NOT NULL,
    election_id TEXT NOT NULL,
    riding TEXT NOT NULL,
    station_count INTEGER NOT NULL CHECK (station_count >= 0),
    voter_count INTEGER NOT NULL CHECK (voter_count >= 0)
  ) STRICT;
  CREATE TABLE stations (
    idx INTEGER PRIMARY KEY,
    station_id TEXT NOT NULL UNIQUE,
    name_fr TEXT NOT NULL,
    name_en TEXT NOT NULL
  ) STRICT;
  CREATE TABLE credentials (
    credential_hash BLOB NOT NULL PRIMARY KEY CHECK (length(credential_hash) = 32),
    station INTEGER NOT NULL REFERENCES stations (idx)
  ) STRICT, WITHOUT ROWID;
`;

export interface RidingIndexSource {
  readonly stationId: StationId;
  /** The station's shard (from `scrutin credentials generate`). */
  readonly shardPath: string;
}

export type RidingIndexBuildError = { readonly kind: 'shard-unreadable'; readonly station: StationId; readonly reason: string };

/** Builds the riding index file (which must not exist) from the other stations' shards. */
export function buildRidingIndex(
  path: string,
  election: ElectionDefinition,
  riding: RidingCode,
  sources: readonly RidingIndexSource[],
): Result<{ readonly stations: number; readonly voters: number }, RidingIndexBuildError> {
  rmSync(path, { force: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma(`application_id = ${RIDING_INDEX_APPLICATION_ID}`);
    db.pragma(`user_version = ${RIDING_INDEX_FORMAT_VERSION}`);
    db.exec(SCHEMA);
    const addStation = db.prepare('INSERT INTO stations (idx, station_id, name_fr, name_en) VALUES (?, ?, ?, ?)');
    const addCredential = db.prepare('INSERT INTO credentials (credential_hash, station) VALUES (?, ?)');
    let voters = 0;
    for (const [idx, source] of sources.entries()) {
      const name = election.stations.find((s) => s.id === source.stationId)?.name ?? { fr: source.stationId, en: source.stationId };
      let shard: Database.Database | undefined;
      try {
        shard = new Database(source.shardPath, { readonly: true, fileMustExist: true });
        if (Number(shard.pragma('application_id', { simple: true })) !== SHARD_APPLICATION_ID) {
          return err({ kind: 'shard-unreadable', station: source.stationId, reason: 'not a Scrutin credential shard' });
        }
        const rows = shard.prepare<[], { credential_hash: Buffer }>('SELECT credential_hash FROM credentials');
        db.transaction(() => {
          addStation.run(idx, source.stationId, name.fr, name.en);
          for (const row of rows.iterate()) {
            addCredential.run(row.credential_hash, idx);
            voters += 1;
          }
        })();
      } catch (error) {
        return err({ kind: 'shard-unreadable', station: source.stationId, reason: error instanceof Error ? error.message : String(error) });
      } finally {
        shard?.close();
      }
    }
    db.prepare('INSERT INTO meta (id, format_version, election_id, riding, station_count, voter_count) VALUES (1, ?, ?, ?, ?, ?)').run(
      RIDING_INDEX_FORMAT_VERSION,
      election.id,
      riding,
      sources.length,
      voters,
    );
    db.exec('VACUUM');
    return ok({ stations: sources.length, voters });
  } finally {
    db.close();
  }
}

export interface RidingIndexMeta {
  readonly formatVersion: number;
  readonly electionId: string;
  readonly riding: string;
  readonly stationCount: number;
  readonly voterCount: number;
  readonly stationIds: readonly string[];
}

/** Reads an index's header, or says why it is not one. */
export function readRidingIndexMeta(path: string): Result<RidingIndexMeta, string> {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    if (Number(db.pragma('application_id', { simple: true })) !== RIDING_INDEX_APPLICATION_ID)
      return err('the riding index is not a Scrutin riding index');
    const meta = db
      .prepare<[], { format_version: number; election_id: string; riding: string; station_count: number; voter_count: number }>(
        'SELECT format_version, election_id, riding, station_count, voter_count FROM meta WHERE id = 1',
      )
      .get();
    if (meta === undefined) return err('the riding index has no meta row');
    const stationIds = db
      .prepare<[], { station_id: string }>('SELECT station_id FROM stations ORDER BY idx')
      .all()
      .map((r) => r.station_id);
    return ok({
      formatVersion: meta.format_version,
      electionId: meta.election_id,
      riding: meta.riding,
      stationCount: meta.station_count,
      voterCount: meta.voter_count,
      stationIds,
    });
  } catch (error) {
    return err(`the riding index cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    db?.close();
  }
}

/** Lookups in a verified riding index (read-only). */
export class RidingIndex {
  readonly #db: Database.Database;
  readonly #find: Database.Statement<[Buffer], { station_id: string; name_fr: string; name_en: string }>;

  constructor(path: string) {
    this.#db = new Database(path, { readonly: true, fileMustExist: true });
    this.#find = this.#db.prepare(
      'SELECT s.station_id, s.name_fr, s.name_en FROM credentials c JOIN stations s ON s.idx = c.station WHERE c.credential_hash = ?',
    );
  }

  /** The station a credential hash (32 raw bytes) belongs to, if another station of the riding. */
  stationOf(
    credentialHash: Buffer,
  ): { readonly station: StationId; readonly name: { readonly fr: string; readonly en: string } } | undefined {
    const row = this.#find.get(credentialHash);
    if (row === undefined) return undefined;
    return { station: StationIdSchema.parse(row.station_id), name: { fr: row.name_fr, en: row.name_en } };
  }

  close(): void {
    this.#db.close();
  }
}
