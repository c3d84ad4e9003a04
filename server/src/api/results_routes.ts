import cookieParser from 'cookie-parser';
import { Router, type Request, type Response } from 'express';
import { ContestIdSchema, RidingCodeSchema } from '@scrutin/shared';
import { CONSOLE_API as API, type DeepReadonly, type ResponseOf, type Results } from '@scrutin/shared/api';
import type { AppContext } from '../app/context.ts';
import type { ElectionDefinition } from '@scrutin/shared';
import { electionState, listElections } from '../elections/store.ts';
import { optionalSession } from '../officials/auth.ts';
import { liveResults, resultsChange, resultsVersion } from '../results/tally_store.ts';
import { turnout } from '../results/turnout.ts';
import { ApiError } from './errors.ts';
import { asWire, electionOf as anyElectionOf, mapReplacer, unknownElection } from './http.ts';

/**
 * The public, read-only results API: elections, live results nationally, per riding (with
 * IRV rounds and transfers) and per referendum question, turnout, and a server-sent event
 * stream that pushes an aggregated update when the results change (at most once a second),
 * never one message per ballot.
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
  /** The election the path names, if this request may see it. */
  const electionOf = async (req: Request): Promise<ElectionDefinition> => {
    const e = await anyElectionOf(ctx, req);
    if ((await electionState(db, e.id)) === 'draft' && !(await isOfficial(req))) throw unknownElection(e.id);
    return e;
  };
  router.use(cookieParser());

  router.get(API.elections.path, async (req, res) => {
    const all = await listElections(db);
    const elections = all.some((e) => e.state === 'draft') && !(await isOfficial(req)) ? all.filter((e) => e.state !== 'draft') : all;
    res.json({ elections } satisfies ResponseOf<typeof API.elections>);
  });

  router.get(API.election.path, async (req, res) => {
    res.json(await electionOf(req));
  });

  router.get(API.results.path, async (req, res) => {
    const e = await electionOf(req);
    const results = await liveResults(db, e);
    res.json(asWire({ election: e.id, version: await resultsVersion(db, e.id), ...results }) satisfies ResponseOf<typeof API.results>);
  });

  router.get(API.ridingResult.path, async (req, res) => {
    const e = await electionOf(req);
    const riding = RidingCodeSchema.safeParse(req.params.riding);
    const results = await liveResults(db, e);
    const found = riding.success ? results.ridings.find((r) => r.riding === riding.data) : undefined;
    if (found === undefined) throw new ApiError('not-found', `There is no riding ${req.params.riding} in election ${e.id}.`);
    res.json(asWire(found) satisfies ResponseOf<typeof API.ridingResult>);
  });

  router.get(API.referendumResult.path, async (req, res) => {
    const e = await electionOf(req);
    const contest = ContestIdSchema.safeParse(req.params.contest);
    const results = await liveResults(db, e);
    const found = contest.success ? results.referendums.find((q) => q.contest === contest.data) : undefined;
    if (found === undefined) throw new ApiError('not-found', `There is no referendum question ${req.params.contest} in election ${e.id}.`);
    res.json(asWire(found) satisfies ResponseOf<typeof API.referendumResult>);
  });

  router.get(API.turnout.path, async (req, res) => {
    res.json((await turnout(db, await electionOf(req))) satisfies ResponseOf<typeof API.turnout>);
  });

  router.get(API.events.path, async (req, res: Response) => {
    const e = await electionOf(req);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    let last = '';
    let stopped = false;
    const push = async () => {
      if (stopped) return;
      try {
        const { version, changedAtMs } = await resultsChange(db, e.id);
        if (version !== last) {
          // The first event of a stream is the state found, not a change seen: not timed.
          const seenChange = last !== '';
          last = version;
          const results = asWire({ version, ...(await liveResults(db, e)) }) satisfies DeepReadonly<Results>;
          res.write(`event: results\nid: ${version}\ndata: ${JSON.stringify(results, mapReplacer)}\n\n`);
          if (seenChange && changedAtMs !== null) ctx.metrics.sseDelay.observe(Math.max(0, Date.now() - changedAtMs) / 1000);
        } else {
          res.write(': keep-alive\n\n');
        }
      } catch {
        res.write(': results unavailable, retrying\n\n');
      }
    };
    await push();
    const timer = setInterval(() => void push(), 1000);
    req.on('close', () => {
      stopped = true;
      clearInterval(timer);
    });
  });

  return router;
}
