import { Router, type Response } from 'express';
import { ContestIdSchema, ElectionIdSchema, RidingCodeSchema, type ElectionDefinition, type ElectionId } from '@scrutin/shared/node';
import type { AppContext } from '../app/context.ts';
import { liveResults, resultsChange, resultsVersion } from '../results/tally_store.ts';
import { ApiError } from './errors.ts';

/**
 * The public, read-only results API: elections, live results nationally, per riding (with
 * IRV rounds and transfers) and per referendum question, turnout, and a server-sent event
 * stream that pushes an aggregated update when the results change (at most once a second),
 * never one message per ballot.
 */
export function resultsRoutes(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.services.db;

  async function election(id: unknown): Promise<ElectionDefinition> {
    const parsed = ElectionIdSchema.safeParse(id);
    if (!parsed.success) throw new ApiError('unknown-election', 'There is no such election.');
    const found = await ctx.elections.get(parsed.data);
    if (found === undefined) throw new ApiError('unknown-election', `There is no election ${parsed.data} on this server.`);
    return found;
  }

  router.get('/elections', async (_req, res) => {
    const { rows } = await db.query<{ id: ElectionId; state: string; definition: ElectionDefinition }>(
      'SELECT id, state, definition FROM elections ORDER BY loaded_at',
    );
    res.json({
      elections: rows.map((r) => ({
        id: r.id,
        state: r.state,
        name: r.definition.name,
        opensAt: r.definition.opensAt,
        closesAt: r.definition.closesAt,
        syncDeadline: r.definition.syncDeadline,
      })),
    });
  });

  router.get('/elections/:id', async (req, res) => {
    res.json(await election(req.params.id));
  });

  router.get('/elections/:id/results', async (req, res) => {
    const e = await election(req.params.id);
    const results = await liveResults(db, e);
    res.json({ election: e.id, version: await resultsVersion(db, e.id), ...results });
  });

  router.get('/elections/:id/results/ridings/:riding', async (req, res) => {
    const e = await election(req.params.id);
    const riding = RidingCodeSchema.safeParse(req.params.riding);
    const results = await liveResults(db, e);
    const found = riding.success ? results.ridings.find((r) => r.riding === riding.data) : undefined;
    if (found === undefined) throw new ApiError('not-found', `There is no riding ${req.params.riding} in election ${e.id}.`);
    res.json(found);
  });

  router.get('/elections/:id/results/referendums/:contest', async (req, res) => {
    const e = await election(req.params.id);
    const contest = ContestIdSchema.safeParse(req.params.contest);
    const results = await liveResults(db, e);
    const found = contest.success ? results.referendums.find((q) => q.contest === contest.data) : undefined;
    if (found === undefined) throw new ApiError('not-found', `There is no referendum question ${req.params.contest} in election ${e.id}.`);
    res.json(found);
  });

  router.get('/elections/:id/turnout', async (req, res) => {
    const e = await election(req.params.id);
    const { rows } = await db.query<{ station_id: string; ballots: string }>(
      'SELECT station_id, ballots::text AS ballots FROM station_counts WHERE election_id = $1',
      [e.id],
    );
    const counted = new Map(rows.map((r) => [r.station_id, Number(r.ballots)]));
    const stations = e.stations.map((s) => ({
      station: s.id,
      riding: s.riding,
      registeredVoters: s.registeredVoters,
      ballots: counted.get(s.id) ?? 0,
    }));
    const ridings = e.ridings.map((r) => {
      const of = stations.filter((s) => s.riding === r.code);
      return {
        riding: r.code,
        registeredVoters: of.reduce((n, s) => n + s.registeredVoters, 0),
        ballots: of.reduce((n, s) => n + s.ballots, 0),
      };
    });
    const total = {
      registeredVoters: stations.reduce((n, s) => n + s.registeredVoters, 0),
      ballots: stations.reduce((n, s) => n + s.ballots, 0),
    };
    res.json({ election: e.id, total, ridings, stations });
  });

  router.get('/elections/:id/events', async (req, res: Response) => {
    const e = await election(req.params.id);
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
          const results = await liveResults(db, e);
          res.write(`event: results\nid: ${version}\ndata: ${JSON.stringify({ version, ...results }, mapReplacer)}\n\n`);
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

/** Maps (IRV tallies, transfers) become plain objects in JSON. */
export function mapReplacer(_key: string, value: unknown): unknown {
  return value instanceof Map ? Object.fromEntries(value) : value;
}
