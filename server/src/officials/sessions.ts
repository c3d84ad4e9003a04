import { createHash, randomBytes } from 'node:crypto';
import { err, ok, type Result } from '@scrutin/shared/node';
import type { Database, Queryable } from '../db/database.ts';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { UsernameSchema, type Role, type Username } from '@scrutin/shared/api';

/**
 * Officials' sessions, kept in Postgres so that every API replica sees them. The session
 * token lives only in the official's cookie; the database holds its SHA-256, so a copy of
 * the `sessions` table lets nobody log in. Each session has its own CSRF token, which the
 * console sends back in the `x-csrf-token` header of every mutation.
 *
 * Logins are limited per account: after `maxFailures` failed attempts in a row the account
 * is locked for `lockoutMs`. The failure count is taken *before* the password is checked, in
 * one atomic UPDATE, so parallel guesses cannot slip past the limit while the (slow, on
 * purpose) password check runs; a successful login resets it.
 */

export interface LoginPolicy {
  readonly maxFailures: number;
  readonly lockoutMs: number;
  readonly sessionTtlMs: number;
}

export const DEFAULT_LOGIN_POLICY: LoginPolicy = {
  maxFailures: 5,
  lockoutMs: 15 * 60_000,
  sessionTtlMs: 12 * 3_600_000,
};

export interface Session {
  readonly username: Username;
  readonly role: Role;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

/** A session just opened: the token goes into the cookie and nowhere else. */
export interface OpenedSession extends Session {
  readonly token: string;
}

export type LoginError =
  /** `known` says whether the username exists (for the audit log, never for the client). */
  | { readonly kind: 'invalid-credentials'; readonly known: boolean }
  /** `now` is true when this very attempt locked the account. */
  | { readonly kind: 'locked'; readonly username: Username; readonly until: string; readonly now: boolean };

export interface LoginRequest {
  readonly username: string;
  readonly password: string;
}

const TOKEN_BYTES = 32;
const newToken = () => randomBytes(TOKEN_BYTES).toString('base64url');
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function sessionTokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

interface AttemptRow {
  readonly password_hash: string;
  readonly role: Role;
  readonly failed_logins: number;
  readonly locked_until: Date | string | null;
}

export async function login(
  db: Database,
  request: LoginRequest,
  now: Date,
  policy: LoginPolicy = DEFAULT_LOGIN_POLICY,
): Promise<Result<OpenedSession, LoginError>> {
  const name = UsernameSchema.safeParse(request.username);
  if (!name.success) {
    await verifyAgainstDummy(request.password);
    return err({ kind: 'invalid-credentials', known: false });
  }
  const username = name.data;
  const lockUntil = new Date(now.getTime() + policy.lockoutMs);

  // Take one attempt: counted (and the account provisionally locked if this is the last one
  // allowed) before the password is checked. An expired lock starts a fresh count.
  const attempt = await db.query<AttemptRow>(
    `UPDATE officials SET
       failed_logins = CASE WHEN locked_until IS NULL THEN failed_logins + 1 ELSE 1 END,
       locked_until = CASE WHEN (CASE WHEN locked_until IS NULL THEN failed_logins + 1 ELSE 1 END) >= $3 THEN $4::timestamptz ELSE NULL END
     WHERE username = $1 AND (locked_until IS NULL OR locked_until <= $2::timestamptz)
     RETURNING password_hash, role, failed_logins, locked_until`,
    [username, now.toISOString(), policy.maxFailures, lockUntil.toISOString()],
  );
  const row = attempt.rows[0];
  if (row === undefined) {
    const { rows } = await db.query<{ locked_until: Date | string | null }>('SELECT locked_until FROM officials WHERE username = $1', [
      username,
    ]);
    const locked = rows[0];
    if (locked === undefined) {
      await verifyAgainstDummy(request.password);
      return err({ kind: 'invalid-credentials', known: false });
    }
    const until = locked.locked_until === null ? lockUntil : new Date(locked.locked_until);
    return err({ kind: 'locked', username, until: until.toISOString(), now: false });
  }

  if (!(await verifyPassword(request.password, row.password_hash))) {
    if (row.locked_until !== null) return err({ kind: 'locked', username, until: new Date(row.locked_until).toISOString(), now: true });
    return err({ kind: 'invalid-credentials', known: true });
  }

  const token = newToken();
  const csrfToken = newToken();
  const expiresAt = new Date(now.getTime() + policy.sessionTtlMs).toISOString();
  const rehashed = needsRehash(row.password_hash) ? await hashPassword(request.password) : undefined;
  await db.transaction(async (tx) => {
    await tx.query(
      'UPDATE officials SET failed_logins = 0, locked_until = NULL, password_hash = coalesce($2, password_hash) WHERE username = $1',
      [username, rehashed ?? null],
    );
    await tx.query('DELETE FROM sessions WHERE username = $1 AND expires_at <= $2::timestamptz', [username, now.toISOString()]);
    await tx.query('INSERT INTO sessions (token_hash, username, csrf_token, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)', [
      sessionTokenHash(token),
      username,
      csrfToken,
      expiresAt,
      now.toISOString(),
    ]);
  });
  return ok({ token, username, role: row.role, csrfToken, expiresAt });
}

/** The live session a token opens, if any (unknown, expired and malformed tokens open none). */
export async function authenticate(db: Queryable, token: string, now: Date): Promise<Session | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const { rows } = await db.query<{ username: Username; role: Role; csrf_token: string; expires_at: Date | string }>(
    `SELECT s.username, o.role, s.csrf_token, s.expires_at
       FROM sessions s JOIN officials o ON o.username = s.username
      WHERE s.token_hash = $1 AND s.expires_at > $2::timestamptz`,
    [sessionTokenHash(token), now.toISOString()],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return { username: row.username, role: row.role, csrfToken: row.csrf_token, expiresAt: new Date(row.expires_at).toISOString() };
}

/** Ends the session; true if there was one. */
export async function logout(db: Queryable, token: string): Promise<boolean> {
  const { rows } = await db.query('DELETE FROM sessions WHERE token_hash = $1 RETURNING username', [sessionTokenHash(token)]);
  return rows.length === 1;
}
