import cookieParser from 'cookie-parser';
import { Router, json, type Request, type Response } from 'express';
import { exportRaceCvrs, rctabConfigForRace } from '@scrutin/shared/rctab';
import {
  ContestIdSchema,
  ElectionIdSchema,
  SignedBatchExportSchema,
  issuesOf,
  verifyBatch,
  verifyBatchExport,
  type CandidateRace,
  type ElectionDefinition,
  type PublicKey,
  type Sha256Hex,
} from '@scrutin/shared/node';
import type { AppContext } from '../app/context.ts';
import { electionState, type ElectionState } from '../elections/store.ts';
import { recordAudit } from '../officials/audit.ts';
import { createAuth, sessionOf } from '../officials/auth.ts';
import { liveResults } from '../results/tally_store.ts';
import { cdfCvr, cdfElectionHeader, nistElectionReport, raceRankings, resultsCsv, storedBallots } from '../results/exports.ts';
import { ApiError, requireJson } from './errors.ts';

/**
 * Exports and integrity checks for officials (docs/operators.md, "Exports and audit"):
 * results as CSV and as a NIST SP 1500-100 ElectionReport, every ballot as NIST SP 1500-103
 * CVRs, each IRV race as an RCTab config plus its CVRs, and the verification of a station's
 * batch file against what central recorded. Every download is written to the audit log.
 * Ballots carry no credential, so no export can link a voter to a choice.
 */

/** A station's batch file: at most a day of a busy station's ballots. */
const BATCH_FILE_BYTES = 64 * 1024 * 1024;

export function exportsRoutes(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.services.db;
  const { requireRole } = createAuth({ db, now: ctx.now });
  const official = requireRole('official');
  router.use('/admin', cookieParser(), (_req, res, next) => {
    res.set('cache-control', 'no-store');
    next();
  });

  async function electionOf(req: Request): Promise<{ election: ElectionDefinition; state: ElectionState }> {
    const id = ElectionIdSchema.safeParse(req.params.id);
    const election = id.success ? await ctx.elections.get(id.data) : undefined;
    const state = election === undefined ? undefined : await electionState(db, election.id);
    if (election === undefined || state === undefined)
      throw new ApiError('unknown-election', `There is no election ${String(req.params.id)} on this server.`);
    return { election, state };
  }

  function raceOf(election: ElectionDefinition, contest: unknown): CandidateRace {
    const id = ContestIdSchema.safeParse(contest);
    const race = id.success ? election.contests.find((c): c is CandidateRace => c.kind === 'candidate' && c.id === id.data) : undefined;
    if (race?.method !== 'irv')
      throw new ApiError('not-found', `There is no ranked (IRV) race ${String(contest)} in election ${election.id}.`);
    return race;
  }

  const attach = (res: Response, file: string) => res.set('content-disposition', `attachment; filename="${file}"`);

  async function audited(req: Request, election: ElectionDefinition, what: string): Promise<void> {
    const username = sessionOf(req).username;
    await recordAudit(db, username, 'export.downloaded', { election: election.id, export: what });
    ctx.log('export.downloaded', { election: election.id, export: what, username });
  }

  router.get('/admin/elections/:id/exports/results.csv', official, async (req, res) => {
    const { election, state } = await electionOf(req);
    const results = await liveResults(db, election);
    await audited(req, election, 'results.csv');
    attach(res, `${election.id}-results.csv`)
      .type('text/csv; charset=utf-8')
      .send(resultsCsv(election, results, state));
  });

  router.get('/admin/elections/:id/exports/results.json', official, async (req, res) => {
    const { election, state } = await electionOf(req);
    const results = await liveResults(db, election);
    await audited(req, election, 'results.json');
    attach(res, `${election.id}-results-nist-1500-100.json`).json(nistElectionReport(election, results, state, ctx.now().toISOString()));
  });

  router.get('/admin/elections/:id/exports/cvrs.json', official, async (req, res) => {
    const { election } = await electionOf(req);
    await audited(req, election, 'cvrs.json');
    attach(res, `${election.id}-cvrs-nist-1500-103.json`).type('application/json; charset=utf-8');
    res.write(cdfElectionHeader(election, ctx.now().toISOString()));
    let n = 0;
    for await (const ballot of storedBallots(db, election.id)) {
      n += 1;
      const more = res.write(`${n === 1 ? '' : ','}${cdfCvr(election.id, n, ballot)}`);
      if (!more) await new Promise<void>((resolve) => res.once('drain', resolve));
    }
    res.end(']}');
  });

  router.get('/admin/elections/:id/exports/irv/:contest/rctab-config.json', official, async (req, res) => {
    const { election } = await electionOf(req);
    const race = raceOf(election, req.params.contest);
    await audited(req, election, `rctab-config ${race.id}`);
    attach(res, `${race.id}_config.json`).json(rctabConfigForRace(election, race, `${race.id}_cvr.json`));
  });

  router.get('/admin/elections/:id/exports/irv/:contest/cvr.json', official, async (req, res) => {
    const { election } = await electionOf(req);
    const race = raceOf(election, req.params.contest);
    await audited(req, election, `rctab-cvr ${race.id}`);
    const report = exportRaceCvrs(election, race, await raceRankings(db, election, race), ctx.now().toISOString());
    attach(res, `${race.id}_cvr.json`).json(report);
  });

  // A station's batch file (its own record of what it sent) checked against central's record:
  // every batch signature verified with the station's enrolled key, every batch hash compared
  // with the one central recorded for that sequence. The file is read, never stored.
  router.post(
    '/admin/elections/:id/batch-verification',
    official,
    requireJson,
    json({ limit: BATCH_FILE_BYTES, strict: true }),
    async (req, res) => {
      const { election } = await electionOf(req);
      const parsed = SignedBatchExportSchema.safeParse(req.body);
      if (!parsed.success)
        throw new ApiError('invalid-batch', 'This is not a Scrutin batch export file.', issuesOf(parsed.error).slice(0, 50));
      const file = parsed.data;
      if (file.body.election !== election.id)
        throw new ApiError('invalid-batch', `This file is for election ${file.body.election}, not ${election.id}.`);
      const station = file.body.station;
      const { rows } = await db.query<{ public_key: PublicKey | null }>(
        'SELECT public_key FROM stations WHERE election_id = $1 AND station_id = $2',
        [election.id, station],
      );
      const key = rows[0]?.public_key;
      if (key === undefined) throw new ApiError('unknown-station', `Station ${station} is not part of election ${election.id}.`);
      if (key === null)
        throw new ApiError('station-not-enrolled', `Station ${station} was never enrolled: there is no key to verify its batches with.`);
      const recorded = await db.query<{ sequence: number; hash: Sha256Hex }>(
        `SELECT sequence, encode(batch_hash, 'hex') AS hash FROM batches WHERE election_id = $1 AND station_id = $2 ORDER BY sequence`,
        [election.id, station],
      );
      const central = new Map(recorded.rows.map((r) => [r.sequence, r.hash]));
      const inFile = new Set<number>();
      const batches = [...file.body.batches]
        .sort((a, b) => a.body.sequence - b.body.sequence)
        .map((batch) => {
          inFile.add(batch.body.sequence);
          const wrongStation = batch.body.station !== station || batch.body.election !== election.id;
          const verified = verifyBatch(batch, key);
          const recordedHash = central.get(batch.body.sequence);
          const hash = verified.ok ? verified.value : null;
          return {
            sequence: batch.body.sequence,
            envelopes: batch.body.envelopes.length,
            signature: wrongStation ? ('wrong-station' as const) : verified.ok ? ('valid' as const) : verified.error.kind,
            batchHash: hash,
            central:
              recordedHash === undefined ? ('not-received' as const) : hash === recordedHash ? ('matches' as const) : ('differs' as const),
          };
        });
      const missingFromFile = [...central.keys()].filter((s) => !inFile.has(s));
      const report = {
        election: election.id,
        station,
        fileSignature: verifyBatchExport(file, key) ? ('valid' as const) : ('invalid' as const),
        batches,
        valid: batches.filter((b) => b.signature === 'valid').length,
        matching: batches.filter((b) => b.central === 'matches').length,
        notReceived: batches.filter((b) => b.central === 'not-received').length,
        differing: batches.filter((b) => b.central === 'differs').length,
        missingFromFile,
      };
      const username = sessionOf(req).username;
      await recordAudit(db, username, 'batches.verified', {
        election: election.id,
        station,
        batches: batches.length,
        valid: report.valid,
        matching: report.matching,
        differing: report.differing,
        fileSignature: report.fileSignature,
      });
      ctx.log('batches.verified', {
        election: election.id,
        station,
        batches: batches.length,
        valid: report.valid,
        differing: report.differing,
      });
      res.json(report);
    },
  );

  return router;
}
