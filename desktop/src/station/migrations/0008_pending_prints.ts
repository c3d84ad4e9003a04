import type { Migration } from '../migrations.ts';

/**
 * Reports that could not print are kept until they do (issue 13, "Resume printing").
 *
 * - `pending_prints`: at most one row per report (the zero report, the closing report), with
 *   the exact text that was to print, its CUPS job title, its number of copies and whether it
 *   reconciles, and `cups_job`: the CUPS job still queued for it (a printer that stopped on a
 *   paper jam keeps it, and prints it once resumed), or NULL when it must be sent again (it
 *   was never queued, or CUPS lost it). The row is deleted once CUPS reports the job
 *   completed. Reports hold counts and names of poll workers only; a voter slip (a receipt
 *   code) is never kept here.
 * Released: never edit it; add the next migration.
 */
export const migration: Migration = {
  version: 8,
  name: 'pending_prints',
  sql: `
      CREATE TABLE pending_prints (
        report TEXT NOT NULL PRIMARY KEY CHECK (report IN ('zero', 'closing')),
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        copies INTEGER NOT NULL CHECK (copies > 0),
        reconciles INTEGER NOT NULL CHECK (reconciles IN (0, 1)),
        cups_job TEXT
      ) STRICT;
`,
};
