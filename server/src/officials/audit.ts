import { AUDIT_ACTIONS, type AuditAction } from '@scrutin/shared/api';
import type { Queryable } from '../db/database.ts';

/**
 * The officials' audit log: who did what, when. Append-only — migration 0002 installs a
 * trigger that refuses UPDATE, DELETE and TRUNCATE on `audit_log`, so a row, once written,
 * stays as written. Every mutation of the officials' API writes one entry, in the same
 * transaction as the change it records wherever the change is a database transaction.
 *
 * The detail never holds a password, a session or enrolment token, or a credential hash.
 */

// The actions the log records live in the shared API: the console names each one (and each field of its detail) in words.
export { AUDIT_ACTIONS, type AuditAction };

/** The actor of an action done outside a session (the `scrutin` CLI, an unknown login name). */
export const UNKNOWN_ACTOR = '(unknown)';

export async function recordAudit(
  db: Queryable,
  actor: string,
  action: AuditAction,
  detail: Readonly<Record<string, unknown>> = {},
): Promise<void> {
  await db.query('INSERT INTO audit_log (actor, action, detail) VALUES ($1, $2, $3)', [actor, action, JSON.stringify(detail)]);
}

export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly detail: unknown;
}

export interface AuditPage {
  readonly entries: readonly AuditEntry[];
  /** Pass as `before` to get the next (older) page; null on the last page. */
  readonly next: number | null;
}

/** Entries newest first, `limit` at a time, before entry id `before` (keyset pagination). */
export async function listAudit(db: Queryable, page: { readonly limit: number; readonly before?: number | undefined }): Promise<AuditPage> {
  const { rows } = await db.query<{ id: string; at: Date | string; actor: string; action: string; detail: unknown }>(
    `SELECT a.id::text AS id, a.at, a.actor, a.action, a.detail FROM audit_log a
      WHERE ($1::bigint IS NULL OR a.id < $1::bigint)
      ORDER BY a.id DESC
      LIMIT $2`,
    [page.before ?? null, page.limit + 1],
  );
  const entries = rows
    .slice(0, page.limit)
    .map((r) => ({ id: Number(r.id), at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, detail: r.detail }));
  return { entries, next: rows.length > page.limit ? (entries.at(-1)?.id ?? null) : null };
}
