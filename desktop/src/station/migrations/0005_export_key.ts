import type { Migration } from '../migrations.ts';

/**
 * Central's export key (protocol/export_sealing): the station seals its USB exports to it,
 * so that a lost stick reveals nothing. It comes with the kit; a station that loaded its kit
 * before this version has none (NULL) and must load a current kit before it can export.
 * Released: never edit it; add the next migration.
 */
export const migration: Migration = {
  version: 5,
  name: 'export_key',
  sql: `
      ALTER TABLE station ADD COLUMN central_export_key TEXT;
    `,
};
