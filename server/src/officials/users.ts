import { err, ok, type Result } from '@scrutin/shared';
import type { NewOfficial, Official as OfficialView, Role, Username } from '@scrutin/shared/api';
import type { Queryable } from '../db/database.ts';
import { commonPasswordProblem } from './password_policy.ts';
import { hashPassword } from './passwords.ts';

/**
 * Officials: the people who use the results console and the election administration API.
 * Their roles, usernames and password policy are the API's contract (@scrutin/shared/api).
 */

/** An official's account as the API shows it (never the password hash). */
export interface Official extends OfficialView {
  readonly username: Username;
}

export type CreateOfficialError =
  | { readonly kind: 'exists'; readonly username: Username }
  /** A common password (password_policy.ts), refused before anything is stored. */
  | { readonly kind: 'common-password'; readonly problem: string };

/** Adds an official; the password is hashed here and never stored or logged in clear. */
export async function createOfficial(db: Queryable, official: NewOfficial): Promise<Result<Official, CreateOfficialError>> {
  const common = commonPasswordProblem(official.password);
  if (common !== undefined) return err({ kind: 'common-password', problem: common });
  const passwordHash = await hashPassword(official.password);
  const { rows } = await db.query<{ username: Username }>(
    `INSERT INTO officials (username, password_hash, role) VALUES ($1, $2, $3)
     ON CONFLICT (username) DO NOTHING RETURNING username`,
    [official.username, passwordHash, official.role],
  );
  if (rows[0] === undefined) return err({ kind: 'exists', username: official.username });
  const [created] = await officialRows(db, new Date(0), official.username);
  if (created === undefined) throw new Error(`official ${official.username} vanished after its creation`);
  return ok(created);
}

export function listOfficials(db: Queryable, now: Date): Promise<Official[]> {
  return officialRows(db, now);
}

interface OfficialRow {
  readonly username: Username;
  readonly role: Role;
  readonly created_at: Date | string;
  readonly disabled_at: Date | string | null;
  readonly failed_logins: number | string | null;
  readonly backoff_until: Date | string | null;
}

/**
 * Officials with their recent failed logins (summed over clients) and the latest end of a
 * login back-off, if one is running (from some client: the others are not slowed down).
 */
async function officialRows(db: Queryable, now: Date, only?: Username): Promise<Official[]> {
  const { rows } = await db.query<OfficialRow>(
    `SELECT o.username, o.role, o.created_at, o.disabled_at,
            (SELECT sum(b.failures) FROM login_backoff b WHERE b.username = o.username) AS failed_logins,
            (SELECT max(b.blocked_until) FROM login_backoff b WHERE b.username = o.username AND b.blocked_until > $1::timestamptz) AS backoff_until
       FROM officials o
      WHERE $2::text IS NULL OR o.username = $2
      ORDER BY o.username`,
    [now.toISOString(), only ?? null],
  );
  return rows.map((row) => ({
    username: row.username,
    role: row.role,
    createdAt: new Date(row.created_at).toISOString(),
    failedLogins: Number(row.failed_logins ?? 0),
    lockedUntil: iso(row.backoff_until),
    disabledAt: iso(row.disabled_at),
  }));
}

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

export type UpdateOfficialError = { readonly kind: 'unknown-official'; readonly username: Username };

/**
 * Changes an official's role; a changed role also ends the official's sessions, so the new
 * role applies from their next login and an old session cannot keep a higher role.
 */
export async function changeRole(
  db: Queryable,
  username: Username,
  role: Role,
): Promise<Result<{ readonly from: Role; readonly to: Role }, UpdateOfficialError>> {
  const { rows } = await db.query<{ from: Role }>(
    'UPDATE officials o SET role = $2 FROM (SELECT username, role FROM officials WHERE username = $1 FOR UPDATE) old WHERE o.username = old.username RETURNING old.role AS from',
    [username, role],
  );
  const row = rows[0];
  if (row === undefined) return err({ kind: 'unknown-official', username });
  if (row.from !== role) await db.query('DELETE FROM sessions WHERE username = $1', [username]);
  return ok({ from: row.from, to: role });
}

/** Ends every login back-off of an official (an admin who has checked who was trying). */
export async function unlockOfficial(
  db: Queryable,
  username: Username,
): Promise<Result<{ readonly wasLocked: boolean }, UpdateOfficialError>> {
  const exists = await db.query('SELECT 1 FROM officials WHERE username = $1', [username]);
  if (exists.rows.length === 0) return err({ kind: 'unknown-official', username });
  const { rows } = await db.query<{ blocked: boolean }>(
    'DELETE FROM login_backoff WHERE username = $1 RETURNING blocked_until > now() AS blocked',
    [username],
  );
  return ok({ wasLocked: rows.some((r) => r.blocked) });
}

export interface DisableOutcome {
  /** When the official was disabled (null once enabled). */
  readonly disabledAt: string | null;
  /** False when the official already was in that state. */
  readonly changed: boolean;
  /** Sessions ended by disabling. */
  readonly sessionsEnded: number;
}

/**
 * Disables an official: no login succeeds and every session of theirs ends at once (the
 * sessions are deleted, and a session of a disabled official authenticates nothing).
 */
export async function disableOfficial(db: Queryable, username: Username, now: Date): Promise<Result<DisableOutcome, UpdateOfficialError>> {
  const { rows } = await db.query<{ was: Date | string | null; now_at: Date | string }>(
    `UPDATE officials o SET disabled_at = coalesce(old.disabled_at, $2::timestamptz)
       FROM (SELECT username, disabled_at FROM officials WHERE username = $1 FOR UPDATE) old
      WHERE o.username = old.username RETURNING old.disabled_at AS was, o.disabled_at AS now_at`,
    [username, now.toISOString()],
  );
  const row = rows[0];
  if (row === undefined) return err({ kind: 'unknown-official', username });
  const ended = await db.query('DELETE FROM sessions WHERE username = $1 RETURNING username', [username]);
  return ok({ disabledAt: new Date(row.now_at).toISOString(), changed: row.was === null, sessionsEnded: ended.rows.length });
}

/** Enables a disabled official again (they log in with their password as before). */
export async function enableOfficial(db: Queryable, username: Username): Promise<Result<DisableOutcome, UpdateOfficialError>> {
  const { rows } = await db.query<{ was: Date | string | null }>(
    `UPDATE officials o SET disabled_at = NULL
       FROM (SELECT username, disabled_at FROM officials WHERE username = $1 FOR UPDATE) old
      WHERE o.username = old.username RETURNING old.disabled_at AS was`,
    [username],
  );
  const row = rows[0];
  if (row === undefined) return err({ kind: 'unknown-official', username });
  return ok({ disabledAt: null, changed: row.was !== null, sessionsEnded: 0 });
}
