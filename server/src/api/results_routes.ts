import cookieParser from 'cookie-parser';
import { Router, type Request, type Response } from 'express';
import { ContestIdSchema, RidingCodeSchema, type ElectionDefinition } from '@scrutin/shared';
import { CONSOLE_API as API, roleAtLeast, type DeepReadonly, type ResponseOf, type Results } from '@scrutin/shared/api';
import type { AppContext } from '../app/context.ts';
import { electionState, listElections } from '../elections/store.ts';
import { optionalSession } from '../officials/auth.ts';
import { embargoedUntil } from '../results/embargo.ts';
import { LiveResults, matchesEtag } from '../results/live_results.ts';
import { turnout } from '../results/turnout.ts';
import { ApiError } from './errors.ts';
import { asWire, publicElectionOf } from './http.ts';
import { ResultsStreams } from './results_stream.ts';

/**
 * The public, read-only results API: elections, live results nationally, per riding (with
 * IRV rounds and transfers) and per referendum question, turnout, and a server-sent event
 * stream that pushes an aggregated update when the results change (at most once a second),
 * never one message per ballot. The results are computed once per version and shared by every
 * reader and stream (results/live_results.ts, results_stream.ts); `GET …/results` answers
 * `304` to an `If-None-Match` naming the current ETag.
 *
 * Under the results embargo (results/embargo.ts) the votes are `409 not-yet-public` until the
 * polls close, except to officials; turnout stays public.
 *
 * A draft election is for officials only: without an official's session it is not listed,
 * and every route naming it answers 404 `unknown-election`, as for an election that does not
 * exist (a draft's very existence is not disclosed).
 */
export function resultsRoutes(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.services.db;
  const deps = { db, now: ctx.now };
  const isOfficial = async (req: Request) => (await optionalSession(deps, req)) !== undefined;
  /** Whether the request may see results during the embargo: an official's or an admin's session. */
  const seesEmbargoed = async (req: Request) => {
    const session = await optionalSession(deps, req);
    return session !== undefined && roleAtLeast(session.role, 'official');
  };
  /** The election the path names, if this request may see its votes now (the embargo). */
  const resultsElectionOf = async (req: Request): Promise<ElectionDefinition> => {
    const e = await electionOf(req);
    const until = embargoedUntil(e, await electionState(db, e.id), ctx.now());
    if (until !== null && !(await seesEmbargoed(req))) {
      throw new ApiError('not-yet-public', `Results are published once the polls close (${until}). Turnout is public now.`, {
        closesAt: until,
      });
    }
    return e;
  };
  /** The election the path names, if this request may see it. */
  const electionOf = async (req: Request): Promise<ElectionDefinition> => (await publicElectionOf(ctx, req)).election;
  const live = new LiveResults({
    db,
    metrics: ctx.metrics,
    wire: {
      body: ({ election, version, results }) => asWire({ election, version, ...results }) satisfies ResponseOf<typeof API.results>,
      event: ({ version, results }) => asWire({ version, ...results }) satisfies DeepReadonly<Results>,
    },
  });
  const streams = new ResultsStreams({
    live,
    metrics: ctx.metrics,
    maxConnections: ctx.config.limits.sseMaxConnections,
    maxPerAddress: ctx.config.limits.sseMaxPerIp,
  });
  const snapshotOf = async (req: Request) => live.snapshot(await resultsElectionOf(req));
  router.use(cookieParser());

  router.get(API.elections.path, async (req, res) => {
    const all = await listElections(db);
    const elections = all.some((e) => e.state === 'draft') && !(await isOfficial(req)) ? all.filter((e) => e.state !== 'draft') : all;
    res.json({ elections } satisfies ResponseOf<typeof API.elections>);
  });

  router.get(API.election.path, async (req, res) => {
    res.json((await electionOf(req)) satisfies ResponseOf<typeof API.election>);
  });

  // The snapshot's bytes, written once per version.
  router.get(API.results.path, async (req, res: Response) => {
    const snapshot = await snapshotOf(req);
    res.set({ etag: snapshot.etag, 'cache-control': 'no-cache' });
    if (matchesEtag(req.get('if-none-match'), snapshot.etag)) {
      res.status(304).end();
      return;
    }
    res
      .status(200)
      .set({ 'content-type': 'application/json; charset=utf-8', 'content-length': String(snapshot.body.length) })
      .end(snapshot.body);
  });

  router.get(API.ridingResult.path, async (req, res) => {
    const { election, results } = await snapshotOf(req);
    const riding = RidingCodeSchema.safeParse(req.params.riding);
    const found = riding.success ? results.ridings.find((r) => r.riding === riding.data) : undefined;
    if (found === undefined) throw new ApiError('not-found', `There is no riding ${req.params.riding} in election ${election}.`);
    res.json(asWire(found) satisfies ResponseOf<typeof API.ridingResult>);
  });

  router.get(API.referendumResult.path, async (req, res) => {
    const { election, results } = await snapshotOf(req);
    const contest = ContestIdSchema.safeParse(req.params.contest);
    const found = contest.success ? results.referendums.find((q) => q.contest === contest.data) : undefined;
    if (found === undefined)
      throw new ApiError('not-found', `There is no referendum question ${req.params.contest} in election ${election}.`);
    res.json(asWire(found) satisfies ResponseOf<typeof API.referendumResult>);
  });

  router.get(API.turnout.path, async (req, res) => {
    res.json((await turnout(db, await electionOf(req))) satisfies ResponseOf<typeof API.turnout>);
  });

  router.get(API.events.path, async (req, res, next) => {
    await streams.open(await resultsElectionOf(req), req, res, next);
  });

  return router;
}
