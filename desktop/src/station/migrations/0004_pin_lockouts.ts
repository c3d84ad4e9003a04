import type { Migration } from '../migrations.ts';

/**
 * PIN lockouts per poll worker (issue 12): each poll worker has their own count of wrong PINs
 * and their own lockout, so wrong PINs typed from the voter-facing Staff button lock out the
 * worker they were typed for, never every worker. The `polls` row's global `failed_pins` and
 * `locked_until` are no longer used.
 * Released: never edit it; add the next migration.
 */
export const migration: Migration = {
  version: 4,
  name: 'pin_lockouts',
  sql: `
      -- One row per poll worker who has typed a wrong PIN since their last right one.
      -- \`worker\` is a poll worker's name, or '' for PINs checked without naming a worker.
      -- \`failures\` counts the attempts reserved (before the slow hash is checked) and not
      -- yet followed by a right PIN; \`locked_until\` is in ms since the epoch.
      CREATE TABLE pin_lockouts (
        worker TEXT NOT NULL PRIMARY KEY,
        failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
        locked_until INTEGER
      ) STRICT, WITHOUT ROWID;
`,
};
