import { err, ok, type Result } from '@scrutin/shared';
import type { NewOfficial, Official as OfficialView, Role, Username } from '@scrutin/shared/api';
import type { Queryable } from '../db/database.ts';
import { hashPassword } from './passwords.ts';

/**
 * Officials: the people who use the results console and the election administration API.
 * Their roles, usernames and password policy are the API's contract (@scrutin/shared/api).
 */

/** An official's account as the API shows it (never the password hash). */
export interface Official extends OfficialView {
  readonly username: Username;
}

export type CreateOfficialError = { readonly kind: 'exists'; readonly username: Username };

/** Adds an official; the password is hashed here and never stored or logged in clear. */
export async function createOfficial(db: Queryable, official: NewOfficial): Promise<Result<Official, CreateOfficialError>> {
  const passwordHash = await hashPassword(official.password);
  const { rows } = await db.query<OfficialRow>(
    `INSERT INTO officials (username, password_hash, role) VALUES ($1, $2, $3)
     ON CONFLICT (username) DO NOTHING
     RETURNING username, role, created_at, failed_logins, locked_until`,
    [official.username, passwordHash, official.role],
  );
  const row = rows[0];
  if (row === undefined) return err({ kind: 'exists', username: official.username });
  return ok(toOfficial(row, new Date(0)));
}

export async function listOfficials(db: Queryable, now: Date): Promise<Official[]> {
  const { rows } = await db.query<OfficialRow>(
    'SELECT username, role, created_at, failed_logins, locked_until FROM officials ORDER BY username',
  );
  return rows.map((r) => toOfficial(r, now));
}

interface OfficialRow {
  readonly username: Username;
  readonly role: Role;
  readonly created_at: Date | string;
  readonly failed_logins: number;
  readonly locked_until: Date | string | null;
}

function toOfficial(row: OfficialRow, now: Date): Official {
  const lockedUntil = row.locked_until === null ? null : new Date(row.locked_until);
  return {
    username: row.username,
    role: row.role,
    createdAt: new Date(row.created_at).toISOString(),
    failedLogins: row.failed_logins,
    lockedUntil: lockedUntil !== null && lockedUntil > now ? lockedUntil.toISOString() : null,
  };
}

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

/** Lifts a lockout after failed logins (an admin who has checked who was trying). */
export async function unlockOfficial(
  db: Queryable,
  username: Username,
): Promise<Result<{ readonly wasLocked: boolean }, UpdateOfficialError>> {
  const { rows } = await db.query<{ was_locked: boolean }>(
    'UPDATE officials o SET failed_logins = 0, locked_until = NULL FROM (SELECT username, locked_until FROM officials WHERE username = $1 FOR UPDATE) old WHERE o.username = old.username RETURNING old.locked_until IS NOT NULL AS was_locked',
    [username],
  );
  const row = rows[0];
  if (row === undefined) return err({ kind: 'unknown-official', username });
  return ok({ wasLocked: row.was_locked });
}
