import type { Migration } from '../migrations.ts';

/**
 * The sealed copy of a synced batch (docs/threat-model.md, docs/runbooks/restore.md): once a
 * batch's receipt is verified its envelopes are deleted, and what the station keeps of them is
 * this copy, sealed with HPKE to central's export key (as a USB export of that one batch). A
 * stolen kiosk cannot open it; central can, if it lost the batch (a restore from an older
 * backup), when the station sends it again. Null for a batch synced with a kit that had no
 * export key.
 * Released: never edit it; add the next migration.
 */
export const migration: Migration = {
  version: 6,
  name: 'sealed_copies',
  sql: `
      ALTER TABLE batches ADD COLUMN sealed_copy TEXT;
    `,
};
