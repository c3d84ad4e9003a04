import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiError } from '../api/errors.ts';
import type { Queryable } from '../db/database.ts';
import { authenticate, type Session } from './sessions.ts';
import { roleAtLeast, type Role } from '@scrutin/shared/api';

/**
 * Access control for the officials' API.
 *
 * - The session token travels only in an httpOnly, SameSite=Strict cookie (Secure when the
 *   request came over HTTPS), scoped to /api/v1: page scripts cannot read it and other
 *   sites cannot make the browser send it.
 * - Every request that is not GET/HEAD/OPTIONS must also carry the session's CSRF token in
 *   the `x-csrf-token` header — a second, independent defence against cross-site requests.
 * - Roles are ordered admin ⊃ official ⊃ observer.
 *
 * Refusals: no (live) session → 401 `unauthenticated`; missing or wrong CSRF token → 403
 * `csrf-token-invalid`; a role too low → 403 `forbidden`. A refused request reaches no
 * handler, so it changes nothing.
 */

export const SESSION_COOKIE = 'scrutin_session';
export const CSRF_HEADER = 'x-csrf-token';
const COOKIE_PATH = '/api/v1';
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthenticatedSession extends Session {
  /** The raw session token from the cookie (for logout). */
  readonly token: string;
}

const bySession = new WeakMap<Request, AuthenticatedSession>();

/** The session `requireRole` admitted this request with; a route without `requireRole` has none (a bug). */
export function sessionOf(req: Request): AuthenticatedSession {
  const session = bySession.get(req);
  if (session === undefined) throw new Error(`no session attached to ${req.method} ${req.originalUrl}: is requireRole missing?`);
  return session;
}

export interface AuthDeps {
  readonly db: Queryable;
  readonly now: () => Date;
}

export interface Auth {
  /** Admits a request of a live session whose role is at least `role` (and, for a mutation, with its CSRF token). */
  readonly requireRole: (role: Role) => RequestHandler;
}

/** The role each guard admits: the access-control test reads it off every route of the routers. */
const guardRoles = new WeakMap<object, Role>();

/** The lowest role `handler` admits, if it is a `requireRole` guard. */
export function roleRequiredBy(handler: unknown): Role | undefined {
  return typeof handler === 'function' ? guardRoles.get(handler) : undefined;
}

export function createAuth(deps: AuthDeps): Auth {
  return {
    requireRole: (role) => {
      const guard = async (req: Request, _res: Response, next: NextFunction) => {
        const token = sessionCookie(req);
        const session = token === undefined ? undefined : await authenticate(deps.db, token, deps.now());
        if (token === undefined || session === undefined) {
          throw new ApiError('unauthenticated', 'This needs an official’s session: log in first (POST /api/v1/auth/login).');
        }
        if (!SAFE_METHODS.has(req.method) && !csrfMatches(req.get(CSRF_HEADER), session.csrfToken)) {
          throw new ApiError(
            'csrf-token-invalid',
            `Send the session's CSRF token (returned by login and GET /api/v1/auth/me) in the ${CSRF_HEADER} header.`,
          );
        }
        if (!roleAtLeast(session.role, role)) {
          throw new ApiError(
            'forbidden',
            `This needs the ${role} role; ${session.username} is ${session.role === 'admin' ? 'an' : 'a'} ${session.role}.`,
          );
        }
        bySession.set(req, { ...session, token });
        next();
      };
      guardRoles.set(guard, role);
      return guard;
    },
  };
}

/**
 * The live session a request on a public route carries, if any (reads only, so no CSRF
 * check): what lets an official see a draft election where the public sees none.
 */
export async function optionalSession(deps: AuthDeps, req: Request): Promise<Session | undefined> {
  const token = sessionCookie(req);
  return token === undefined ? undefined : authenticate(deps.db, token, deps.now());
}

function sessionCookie(req: Request): string | undefined {
  const cookies = req.cookies as Readonly<Record<string, unknown>> | undefined;
  const value = cookies?.[SESSION_COOKIE];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Constant-time comparison (over digests, so lengths do not leak either). */
function csrfMatches(offered: string | undefined, expected: string): boolean {
  if (offered === undefined || offered === '') return false;
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(offered), digest(expected));
}

export function setSessionCookie(req: Request, res: Response, token: string, expiresAt: string): void {
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.secure,
    path: COOKIE_PATH,
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: COOKIE_PATH });
}
