/**
 * The station database's migrations: numbered, forward-only, each applied in one
 * transaction together with `PRAGMA user_version = <number>`. Never edit a released
 * migration; add the next number.
 *
 * Secrecy by construction: no table has a time or an order for ballots. The outbox and the
 * used marks are WITHOUT ROWID tables keyed by a random id or by the credential hash, so
 * their storage order says nothing about the order of the votes.
 */
export interface Migration {
  readonly version: number;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
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
  },
  {
    version: 2,
    sql: `
      -- Sealed batches (docs/protocol.md §4): envelopes leave the outbox for a batch in the
      -- transaction that signs it. The signed batch is kept byte for byte, so a resend is
      -- always the same batch; a batch is synced once it holds a verified central receipt.
      -- No time is kept per batch except when its receipt was verified.
      CREATE TABLE batches (
        sequence INTEGER NOT NULL PRIMARY KEY CHECK (sequence >= 1),
        batch_hash TEXT NOT NULL UNIQUE CHECK (length(batch_hash) = 64),
        signed_batch TEXT NOT NULL,
        envelopes INTEGER NOT NULL CHECK (envelopes >= 1),
        receipt TEXT,
        acknowledged_at TEXT,
        CHECK ((receipt IS NULL) = (acknowledged_at IS NULL))
      ) STRICT;
      CREATE INDEX batches_unsynced ON batches (sequence) WHERE receipt IS NULL;

      -- Check-ins counted as a number only: no credential, no time per voter.
      ALTER TABLE polls ADD COLUMN checked_in INTEGER NOT NULL DEFAULT 0 CHECK (checked_in >= 0);

      -- The riding index of the loaded kit (other stations of the riding), if it has one.
      ALTER TABLE station ADD COLUMN riding_index_sha256 TEXT;
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
