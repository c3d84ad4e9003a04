import type { Migration } from '../migrations.ts';

/**
 * Protocol format 2 and ballot secrecy at rest (docs/threat-model.md).
 * Released: never edit it; add the next migration.
 */
export const migration: Migration = {
  version: 3,
  name: 'protocol_v2',
  sql: `
      -- A batch's final flag: the station's last batch, sealed at close with every remaining
      -- ballot. Once a batch is synced its envelopes are deleted and signed_batch keeps only
      -- the signed header and signature.
      ALTER TABLE batches ADD COLUMN final INTEGER NOT NULL DEFAULT 0 CHECK (final IN (0, 1));
      CREATE UNIQUE INDEX batches_one_final ON batches (final) WHERE final = 1;

      -- The station's running tally for its closing report, updated with each cast ballot:
      -- per contest, how many ballots chose each option ('' for a blank; the first
      -- preference of a ranked race). Counts only: no order, no time, no ballot.
      CREATE TABLE cast_tally (
        contest TEXT NOT NULL,
        option TEXT NOT NULL,
        count INTEGER NOT NULL CHECK (count >= 0),
        PRIMARY KEY (contest, option)
      ) STRICT, WITHOUT ROWID;
    `,
};
