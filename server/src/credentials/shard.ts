import { closeSync, openSync, writeFileSync } from 'node:fs';
import { hash } from 'node:crypto';
import Database from 'better-sqlite3';
import {
  ElectionIdSchema,
  RidingCodeSchema,
  StationIdSchema,
  sha256OfFile,
  type ElectionId,
  type RidingCode,
  type Sha256Hex,
  type StationId,
} from '@scrutin/shared/node';

/**
 * A station shard: the credential hashes of one station's voters, and nothing else — no NAS,
 * no code. It goes into the station kit; the kiosk's poll book checks a typed card against
 * it. A shard is a finished artefact, built once and verified by its SHA-256 (manifest).
 *
 * Schema (format version 1, also in `PRAGMA user_version`; `PRAGMA application_id` is
 * SHARD_APPLICATION_ID so a stray SQLite file is not taken for a shard):
 *
 *   meta(id = 1, format_version, election_id, station_id, riding, voter_count)  -- one row
 *   credentials(credential_hash BLOB PRIMARY KEY)  -- the raw 32-byte SHA-256, WITHOUT ROWID:
 *                                                  -- the primary key is the index
 */

export const SHARD_FORMAT_VERSION = 1;
/** "SCSH" (SCrutin SHard), big-endian. */
export const SHARD_APPLICATION_ID = 0x53435348;

const SCHEMA = `
  CREATE TABLE meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    format_version INTEGER NOT NULL,
    election_id TEXT NOT NULL,
    station_id TEXT NOT NULL,
    riding TEXT NOT NULL,
    voter_count INTEGER NOT NULL CHECK (voter_count >= 0)
  ) STRICT;
  CREATE TABLE credentials (
    credential_hash BLOB NOT NULL PRIMARY KEY CHECK (length(credential_hash) = 32)
  ) STRICT, WITHOUT ROWID;
`;

export interface ShardMeta {
  readonly formatVersion: number;
  readonly electionId: ElectionId;
  readonly stationId: StationId;
  readonly riding: RidingCode;
  readonly voterCount: number;
}

/**
 * Shards up to this many voters are built in memory and written with one write (a polling
 * division has a few hundred voters); larger ones are built in the file, so memory stays
 * bounded whatever the station's size.
 */
export const IN_MEMORY_SHARD_VOTERS = 200_000;

/** Rows per INSERT statement: fewer statement executions for the same B-tree work. */
const ROWS_PER_INSERT = 64;

let emptyShard: Buffer | undefined;

/** The serialised empty shard (schema, pragmas), made once per thread and copied per shard. */
function emptyShardImage(): Buffer {
  if (emptyShard === undefined) {
    const db = new Database(':memory:');
    setUpShard(db);
    emptyShard = db.serialize();
    db.close();
  }
  return emptyShard;
}

function setUpShard(db: Database.Database): void {
  db.pragma(`application_id = ${SHARD_APPLICATION_ID}`);
  db.pragma(`user_version = ${SHARD_FORMAT_VERSION}`);
  db.exec(SCHEMA);
}

/**
 * Builds a shard file that must not exist yet. Everything goes in one transaction with no
 * journal and no fsync: a half-built shard is never used, since the manifest, written last,
 * is what says a run is complete.
 */
export class ShardWriter {
  readonly #path: string;
  readonly #inMemory: boolean;
  readonly #db: Database.Database;
  readonly #insertOne: Database.Statement<[Buffer]>;
  readonly #insertMany: Database.Statement<Buffer[]>;
  readonly #expected: number;
  #count = 0;

  constructor(path: string, meta: ShardMeta, options: { readonly inMemoryUpTo?: number } = {}) {
    this.#path = path;
    this.#expected = meta.voterCount;
    this.#inMemory = meta.voterCount <= (options.inMemoryUpTo ?? IN_MEMORY_SHARD_VOTERS);
    if (this.#inMemory) {
      this.#db = new Database(emptyShardImage());
    } else {
      // 'wx' semantics: refuse to build into an existing file.
      closeSync(openSync(path, 'wx'));
      this.#db = new Database(path);
    }
    try {
      this.#db.pragma('journal_mode = OFF');
      this.#db.pragma('synchronous = OFF');
      if (!this.#inMemory) {
        this.#db.pragma('locking_mode = EXCLUSIVE');
        setUpShard(this.#db);
      }
      this.#db.exec('BEGIN');
      this.#db
        .prepare('INSERT INTO meta (id, format_version, election_id, station_id, riding, voter_count) VALUES (1, ?, ?, ?, ?, ?)')
        .run(meta.formatVersion, meta.electionId, meta.stationId, meta.riding, meta.voterCount);
      this.#insertOne = this.#db.prepare('INSERT INTO credentials (credential_hash) VALUES (?)');
      this.#insertMany = this.#db.prepare(
        `INSERT INTO credentials (credential_hash) VALUES ${Array<string>(ROWS_PER_INSERT).fill('(?)').join(', ')}`,
      );
    } catch (error) {
      this.#db.close();
      throw error;
    }
  }

  /** Adds 32-byte hashes; sorted input fills the B-tree pages densely. */
  add(hashes: readonly Buffer[]): void {
    let i = 0;
    for (; i + ROWS_PER_INSERT <= hashes.length; i += ROWS_PER_INSERT) this.#insertMany.run(...hashes.slice(i, i + ROWS_PER_INSERT));
    for (; i < hashes.length; i += 1) this.#insertOne.run(hashes[i] as Buffer);
    this.#count += hashes.length;
  }

  /** Commits, writes and closes the shard; returns the SHA-256 of the file's bytes. */
  finish(): Sha256Hex {
    try {
      if (this.#count !== this.#expected) {
        throw new Error(`shard has ${this.#count} credentials, its meta says ${this.#expected}`);
      }
      this.#db.exec('COMMIT');
      if (this.#inMemory) {
        const image = this.#db.serialize();
        writeFileSync(this.#path, image, { flag: 'wx' });
        return hash('sha256', image, 'hex') as Sha256Hex;
      }
    } finally {
      this.#db.close();
    }
    return sha256OfFile(this.#path);
  }

  /** Abandons the shard (the caller removes any file). */
  abort(): void {
    if (this.#db.open) this.#db.close();
  }
}

/** Opens a shard read-only and returns its meta and hash count (for checks and tests). */
export function inspectShard(path: string): { readonly meta: ShardMeta; readonly credentials: number } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const applicationId: unknown = db.pragma('application_id', { simple: true });
    if (applicationId !== SHARD_APPLICATION_ID) throw new Error(`${path} is not a Scrutin shard (application_id ${String(applicationId)})`);
    const row = db.prepare<[], Record<string, unknown>>('SELECT * FROM meta').get();
    const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM credentials').get();
    if (row === undefined || count === undefined) throw new Error(`${path} has no meta row`);
    if (row.format_version !== SHARD_FORMAT_VERSION) throw new Error(`${path} has shard format ${String(row.format_version)}`);
    if (typeof row.voter_count !== 'number') throw new Error(`${path} has no voter count`);
    return {
      meta: {
        formatVersion: SHARD_FORMAT_VERSION,
        electionId: ElectionIdSchema.parse(row.election_id),
        stationId: StationIdSchema.parse(row.station_id),
        riding: RidingCodeSchema.parse(row.riding),
        voterCount: row.voter_count,
      },
      credentials: count.n,
    };
  } finally {
    db.close();
  }
}
