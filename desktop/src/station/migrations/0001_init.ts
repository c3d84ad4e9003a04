import type { Migration } from '../migrations.ts';

/**
 * The first station schema: the kit, the poll workers, the polls, the station key, the used
 * credentials, the outbox and the hash-chained audit log.
 * Released: never edit it; add the next migration.
 */
export const migration: Migration = {
  version: 1,
  name: 'init',
  sql: `
      -- The kit this station was set up with (one row).
      CREATE TABLE station (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        election_id TEXT NOT NULL,
        station_id TEXT NOT NULL,
        riding TEXT NOT NULL,
        central_url TEXT NOT NULL,
        central_public_key TEXT NOT NULL,
        election_json TEXT NOT NULL,
        kit_json_sha256 TEXT NOT NULL,
        shard_sha256 TEXT NOT NULL,
        voter_count INTEGER NOT NULL CHECK (voter_count >= 0)
      ) STRICT;

      CREATE TABLE poll_workers (
        name TEXT NOT NULL PRIMARY KEY,
        pin_hash TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      -- The polls' lifecycle and the PIN lockout (one row, present from the start).
      CREATE TABLE polls (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        state TEXT NOT NULL CHECK (state IN ('setup', 'open', 'closed')),
        failed_pins INTEGER NOT NULL DEFAULT 0 CHECK (failed_pins >= 0),
        locked_until INTEGER
      ) STRICT;
      INSERT INTO polls (id, state) VALUES (1, 'setup');

      -- The station's Ed25519 key: made here, never exported.
      CREATE TABLE station_key (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        private_key_pem TEXT NOT NULL,
        public_key TEXT NOT NULL,
        enrolled_at TEXT
      ) STRICT;

      -- Credentials of this station's voters that have voted here.
      CREATE TABLE used_credentials (
        credential_hash BLOB NOT NULL PRIMARY KEY CHECK (length(credential_hash) = 32)
      ) STRICT, WITHOUT ROWID;

      -- Sealed envelopes waiting to be batched: a random id, no time, no sequence.
      CREATE TABLE outbox (
        id BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 16),
        envelope TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      -- Append-only, hash-chained log of station events (never a credential or a choice).
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        event TEXT NOT NULL,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
};
