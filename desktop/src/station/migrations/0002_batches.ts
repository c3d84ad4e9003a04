import type { Migration } from '../migrations.ts';

/**
 * Sealed batches (docs/protocol.md §4), the check-in count, and the kit's riding index.
 * Released: never edit it; add the next migration.
 */
export const migration: Migration = {
  version: 2,
  name: 'batches',
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
};
