import { issuesOf, ElectionIdSchema, StationIdSchema, type ElectionDefinition, type ElectionId, type StationId } from '@scrutin/shared';
import { UsernameSchema, type ElectionState, type Endpoint, type Username } from '@scrutin/shared/api';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { electionState } from '../elections/store.ts';
import { optionalSession, type Auth } from '../officials/auth.ts';
import { ApiError } from './errors.ts';

/**
 * What every route module of the central API shares: mounting a handler on its endpoint of
 * the contract (@scrutin/shared/api), parsing requests, and finding the election, station or
 * official a path names.
 */

/** Validation details returned at most, so a huge bad request gets a bounded answer. */
export const MAX_ISSUES = 200;

/**
 * Mounts `handlers` on `endpoint`'s method and path, behind the guard of its role (the
 * contract says who may call it; the access-control test reads the guards off the routers).
 */
export function mount(router: Router, auth: Auth, endpoint: Endpoint, ...handlers: RequestHandler[]): void {
  const chain = endpoint.role === undefined ? handlers : [auth.requireRole(endpoint.role), ...handlers];
  switch (endpoint.method) {
    case 'GET':
      router.get(endpoint.path, ...chain);
      return;
    case 'POST':
      router.post(endpoint.path, ...chain);
      return;
  }
}

/** Parses a request body or query; a bad one is `invalid-request` with its problems. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, hint: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error);
    throw new ApiError('invalid-request', `The request is not valid (${issues.length} problem(s)). ${hint}`, issues.slice(0, MAX_ISSUES));
  }
  return parsed.data;
}

export const unknownElection = (id: string): ApiError => new ApiError('unknown-election', `There is no election ${id} on this server.`);
export const unknownStation = (election: string, station: string): ApiError =>
  new ApiError('unknown-station', `Station ${station} is not part of election ${election}.`);

/**
 * 409 `not-editable` with `details.reason` `credentials-frozen`: credentials are loaded and
 * generated while the election is a draft only.
 */
export const credentialsFrozen = (election: string, state: string): ApiError =>
  new ApiError(
    'not-editable',
    `Election ${election} is ${state}: credentials are frozen once an election opens; load or generate them while it is a draft.`,
    { state, reason: 'credentials-frozen' },
  );

/** The election id of the path (`:id`). */
export function electionIdOf(req: Request): ElectionId {
  const id = ElectionIdSchema.safeParse(req.params.id);
  if (!id.success) throw unknownElection(String(req.params.id));
  return id.data;
}

/** The election the path names (`:id`), from the catalogue. */
export async function electionOf(ctx: AppContext, req: Request): Promise<ElectionDefinition> {
  const id = electionIdOf(req);
  const found = await ctx.elections.get(id);
  if (found === undefined) throw unknownElection(id);
  return found;
}

/**
 * The election the path names, as the public routes (results, receipts) show it, with its
 * state: a draft only to a signed-in official; to anyone else it is `404 unknown-election`, as
 * an election that does not exist (a draft's very existence is not disclosed).
 */
export async function publicElectionOf(ctx: AppContext, req: Request): Promise<{ election: ElectionDefinition; state: ElectionState }> {
  const election = await electionOf(ctx, req);
  const state = await electionState(ctx.services.db, election.id);
  if (state === undefined) throw unknownElection(election.id);
  if (state === 'draft' && (await optionalSession({ db: ctx.services.db, now: ctx.now }, req)) === undefined)
    throw unknownElection(election.id);
  return { election, state };
}

/** The station the path names (`:station`), a station of `election`. */
export function stationOf(req: Request, election: ElectionDefinition): StationId {
  const station = StationIdSchema.safeParse(req.params.station);
  if (!station.success || !election.stations.some((s) => s.id === station.data))
    throw unknownStation(election.id, String(req.params.station));
  return station.data;
}

/** The official the path names (`:username`). */
export function usernameOf(req: Request): Username {
  const name = UsernameSchema.safeParse(req.params.username);
  if (!name.success) throw new ApiError('unknown-official', `There is no official named ${String(req.params.username)}.`);
  return name.data;
}

/** Answers carry tokens and live data: never cached by a browser or proxy. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.set('cache-control', 'no-store');
  next();
};

/** Requests that may carry a body (logout, revoke, token) accept none or a JSON one. */
export function jsonIfAnyBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (hasBody && req.is('application/json') === false) {
    next(new ApiError('unsupported-media-type', 'Send the request body as application/json (or send none).'));
    return;
  }
  next();
}

/** An ISO 8601 time from a database timestamp, null kept. */
export function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

/**
 * What JSON makes of a value with the app's `json replacer` (`mapReplacer`): Maps become
 * plain objects. `asWire` states it for the type checker, so a route answering with a domain
 * value (IRV tallies are Maps) can still `satisfies` its contract.
 */
export type Wire<T> = T extends string | number | boolean | null | undefined
  ? T
  : T extends ReadonlyMap<unknown, infer V>
    ? Readonly<Record<string, Wire<V>>>
    : T extends readonly (infer U)[]
      ? readonly Wire<U>[]
      : { readonly [K in keyof T]: Wire<T[K]> };

export function asWire<T>(value: T): Wire<T> {
  return value as Wire<T>;
}

/** Maps (IRV tallies, transfers) become plain objects in JSON. */
export function mapReplacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}
