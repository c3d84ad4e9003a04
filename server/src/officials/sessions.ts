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
 * Failed logins back off per (official, client): after `freeFailures` failures from one
 * client, each further failure doubles the wait (from `baseDelayMs`, at most `maxDelayMs`)
 * before that client's next attempt for that official is checked at all. Another client —
 * the real official at their own desk — is not slowed down. An attempt is taken (counted, and
 * the wait set) *before* the password is checked, under a row lock, so parallel guesses
 * cannot slip past the limit while the (slow, on purpose) password check runs; a success
 * clears the count. Every refusal — unknown official, wrong password, waiting, disabled — is
 * the same `invalid-credentials` after the same one password hash, so the answer tells an
 * attacker nothing; the reason is for the audit log only.
 */

export interface LoginPolicy {
  /** Failures from one client before waits begin. */
  readonly freeFailures: number;
  /** The wait after the first failure beyond the free ones; it doubles with each further one. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A client's count starts again after this long without a failure. */
  readonly forgetAfterMs: number;
  readonly sessionTtlMs: number;
}

export const DEFAULT_LOGIN_POLICY: LoginPolicy = {
  freeFailures: 3,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 24 * 3_600_000,
  sessionTtlMs: 12 * 3_600_000,
};

/** The wait after a client's `failures`-th failure in a row. */
export function backoffDelayMs(failures: number, policy: LoginPolicy = DEFAULT_LOGIN_POLICY): number {
  const beyond = failures - policy.freeFailures;
  if (beyond <= 0) return 0;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(beyond - 1, 30));
}

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

/** Why a login was refused: for the audit log and the server's log, never for the client. */
export type LoginRefusal = 'unknown-official' | 'wrong-password' | 'backing-off' | 'disabled';

export interface LoginError {
  readonly kind: 'invalid-credentials';
  readonly reason: LoginRefusal;
  /** The official, when the username names one. */
  readonly username: Username | undefined;
  /** Failures in a row from this client, and until when its next attempt waits (when it does). */
  readonly failures: number;
  readonly waitUntil: string | undefined;
}

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

interface OfficialRow {
  readonly password_hash: string;
  readonly role: Role;
  readonly disabled: boolean;
}

interface BackoffRow {
  readonly failures: number;
  readonly blocked_until: Date | string;
  readonly last_failure_at: Date | string;
}

type Attempt =
  | { readonly taken: true; readonly failures: number; readonly waitUntil: Date }
  | { readonly taken: false; readonly failures: number; readonly waitUntil: Date };

/**
 * Takes one attempt for (username, client): refused while the client waits; otherwise counted
 * as a failure now (a success removes it) with the wait that failure earns.
 */
async function takeAttempt(db: Database, username: Username, client: string, now: Date, policy: LoginPolicy): Promise<Attempt> {
  return db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO login_backoff (username, client, failures, blocked_until, last_failure_at)
       VALUES ($1, $2, 0, '-infinity', '-infinity') ON CONFLICT (username, client) DO NOTHING`,
      [username, client],
    );
    const { rows } = await tx.query<BackoffRow>(
      'SELECT failures, blocked_until, last_failure_at FROM login_backoff WHERE username = $1 AND client = $2 FOR UPDATE',
      [username, client],
    );
    const row = rows[0];
    const blockedUntil = row === undefined ? new Date(0) : new Date(row.blocked_until);
    if (row !== undefined && blockedUntil > now) return { taken: false, failures: row.failures, waitUntil: blockedUntil };
    const forgotten = row === undefined || now.getTime() - new Date(row.last_failure_at).getTime() > policy.forgetAfterMs;
    const failures = (forgotten ? 0 : row.failures) + 1;
    const waitUntil = new Date(now.getTime() + backoffDelayMs(failures, policy));
    await tx.query('UPDATE login_backoff SET failures = $3, blocked_until = $4, last_failure_at = $5 WHERE username = $1 AND client = $2', [
      username,
      client,
      failures,
      waitUntil.toISOString(),
      now.toISOString(),
    ]);
    return { taken: true, failures, waitUntil };
  });
}

/**
 * Opens a session for `request` from `client` (a key from `clientKey`), or refuses it with
 * the one answer every refusal shares.
 */
export async function login(
  db: Database,
  request: LoginRequest,
  now: Date,
  client: string,
  policy: LoginPolicy = DEFAULT_LOGIN_POLICY,
): Promise<Result<OpenedSession, LoginError>> {
  const refused = (reason: LoginRefusal, username: Username | undefined, failures = 0, waitUntil?: Date) =>
    err<LoginError>({
      kind: 'invalid-credentials',
      reason,
      username,
      failures,
      waitUntil: waitUntil !== undefined && waitUntil > now ? waitUntil.toISOString() : undefined,
    });
  const name = UsernameSchema.safeParse(request.username);
  if (!name.success) {
    await verifyAgainstDummy(request.password);
    return refused('unknown-official', undefined);
  }
  const username = name.data;
  const { rows } = await db.query<OfficialRow>(
    'SELECT password_hash, role, disabled_at IS NOT NULL AS disabled FROM officials WHERE username = $1',
    [username],
  );
  const official = rows[0];
  if (official === undefined) {
    await verifyAgainstDummy(request.password);
    return refused('unknown-official', undefined);
  }

  const attempt = await takeAttempt(db, username, client, now, policy);
  if (!attempt.taken) {
    // Not checked at all, but in the time a check takes: waiting looks like a wrong password.
    await verifyAgainstDummy(request.password);
    return refused('backing-off', username, attempt.failures, attempt.waitUntil);
  }
  const matches = await verifyPassword(request.password, official.password_hash);
  if (!matches) return refused('wrong-password', username, attempt.failures, attempt.waitUntil);
  if (official.disabled) return refused('disabled', username, attempt.failures, attempt.waitUntil);

  const token = newToken();
  const csrfToken = newToken();
  const expiresAt = new Date(now.getTime() + policy.sessionTtlMs).toISOString();
  const rehashed = needsRehash(official.password_hash) ? await hashPassword(request.password) : undefined;
  const opened = await db.transaction(async (tx) => {
    // Disabled meanwhile (between the check and now)? Then no session.
    const still = await tx.query(
      'UPDATE officials SET password_hash = coalesce($2, password_hash) WHERE username = $1 AND disabled_at IS NULL RETURNING username',
      [username, rehashed ?? null],
    );
    if (still.rows.length === 0) return false;
    await tx.query('DELETE FROM login_backoff WHERE username = $1 AND client = $2', [username, client]);
    await tx.query('DELETE FROM sessions WHERE username = $1 AND expires_at <= $2::timestamptz', [username, now.toISOString()]);
    await tx.query('INSERT INTO sessions (token_hash, username, csrf_token, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)', [
      sessionTokenHash(token),
      username,
      csrfToken,
      expiresAt,
      now.toISOString(),
    ]);
    return true;
  });
  if (!opened) return refused('disabled', username, attempt.failures, attempt.waitUntil);
  return ok({ token, username, role: official.role, csrfToken, expiresAt });
}

/** The live session a token opens, if any (unknown, expired and malformed tokens open none). */
export async function authenticate(db: Queryable, token: string, now: Date): Promise<Session | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const { rows } = await db.query<{ username: Username; role: Role; csrf_token: string; expires_at: Date | string }>(
    `SELECT s.username, o.role, s.csrf_token, s.expires_at
       FROM sessions s JOIN officials o ON o.username = s.username
      WHERE s.token_hash = $1 AND s.expires_at > $2::timestamptz AND o.disabled_at IS NULL`,
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
