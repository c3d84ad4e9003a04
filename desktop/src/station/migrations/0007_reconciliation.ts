import type { Migration } from '../migrations.ts';

/**
 * The closing report reconciles (issue 13), and an interrupted cast finds its outcome.
 *
 * - `checked_in_voters`: the check value of each card checked in here, once (a card checked in
 *   twice is one voter). Like `used_credentials`, a WITHOUT ROWID table keyed by the hash: no
 *   time, no order, and nothing that leads to a ballot. The closing report counts it (distinct
 *   voters checked in) against the ballots cast; `polls.checked_in` keeps counting check-in
 *   sessions, so sessions that ended without a ballot are counted too.
 * - `last_cast`: the last ballot cast here, as a digest of its one-time check-in ticket and the
 *   voter's receipt code sealed under a key derived from that ticket (ballot_box.ts), written
 *   in the cast's own transaction and replaced by the next cast (one kiosk, one voter at a
 *   time). A kiosk whose cast was interrupted (a crash, a lost link) asks with its ticket
 *   whether the ballot was stored, and shows the receipt or a clean retry. No credential is
 *   kept there, and no receipt a reader of the disk could open; the row is deleted when the
 *   polls close.
 * Released: never edit it; add the next migration.
 */
export const migration: Migration = {
  version: 7,
  name: 'reconciliation',
  sql: `
      CREATE TABLE checked_in_voters (
        credential_hash BLOB NOT NULL PRIMARY KEY CHECK (length(credential_hash) = 32)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE last_cast (
        id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
        ticket_sha256 BLOB NOT NULL CHECK (length(ticket_sha256) = 32),
        receipt_sealed BLOB NOT NULL CHECK (length(receipt_sealed) > 28)
      ) STRICT;
`,
};
