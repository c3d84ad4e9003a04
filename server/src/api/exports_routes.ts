import cookieParser from 'cookie-parser';
import { Router, json, type Request, type Response } from 'express';
import { ContestIdSchema, testFileName, type CandidateRace, type ElectionDefinition } from '@scrutin/shared';
import { CONSOLE_API as API, type ElectionState, type ResponseOf } from '@scrutin/shared/api';
import { exportRaceCvrs, rctabConfigForRace } from '@scrutin/shared/rctab';
import type { AppContext } from '../app/context.ts';
import { electionState } from '../elections/store.ts';
import { recordAudit } from '../officials/audit.ts';
import { createAuth, sessionOf } from '../officials/auth.ts';
import { liveResults } from '../results/tally_store.ts';
import { cdfCvr, cdfElectionHeader, nistElectionReport, raceRankings, resultsCsv, storedBallots } from '../results/exports.ts';
import { openStationExport, verifyStationExport } from '../sync/export_verification.ts';
import { openExportRefusal } from '../sync/import.ts';
import { ApiError, requireJson } from './errors.ts';
import { electionOf, mount, noStore, unknownElection, unknownStation } from './http.ts';

/**
 * Exports and integrity checks for officials (docs/operators.md, "Exports and audit"):
 * results as CSV and as a NIST SP 1500-100 ElectionReport, every ballot as NIST SP 1500-103
 * CVRs, each IRV race as an RCTab config plus its CVRs, and the verification of a station's
 * batch file against what central recorded. Every download is written to the audit log.
 * Ballots carry no credential, so no export can link a voter to a choice.
 */

/** A station's batch file: at most a day of a busy station's ballots, sealed (base64: a third more). */
const BATCH_FILE_BYTES = 96 * 1024 * 1024;

export function exportsRoutes(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.services.db;
  const auth = createAuth({ db, now: ctx.now });
  router.use('/admin', cookieParser(), noStore);

  async function electionWithState(req: Request): Promise<{ election: ElectionDefinition; state: ElectionState }> {
    const election = await electionOf(ctx, req);
    const state = await electionState(db, election.id);
    if (state === undefined) throw unknownElection(election.id);
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

  mount(router, auth, API.resultsCsv, async (req, res) => {
    const { election, state } = await electionWithState(req);
    const results = await liveResults(db, election);
    await audited(req, election, 'results.csv');
    attach(res, testFileName(election, `${election.id}-results.csv`))
      .type('text/csv; charset=utf-8')
      .send(resultsCsv(election, results, state));
  });

  mount(router, auth, API.resultsNist, async (req, res) => {
    const { election, state } = await electionWithState(req);
    const results = await liveResults(db, election);
    await audited(req, election, 'results.json');
    attach(res, testFileName(election, `${election.id}-results-nist-1500-100.json`)).json(
      nistElectionReport(election, results, state, ctx.now().toISOString()),
    );
  });

  mount(router, auth, API.cvrs, async (req, res) => {
    const { election } = await electionWithState(req);
    await audited(req, election, 'cvrs.json');
    attach(res, testFileName(election, `${election.id}-cvrs-nist-1500-103.json`)).type('application/json; charset=utf-8');
    res.write(cdfElectionHeader(election, ctx.now().toISOString()));
    let n = 0;
    for await (const ballot of storedBallots(db, election.id)) {
      n += 1;
      const more = res.write(`${n === 1 ? '' : ','}${cdfCvr(election.id, n, ballot)}`);
      if (!more) await new Promise<void>((resolve) => res.once('drain', resolve));
    }
    res.end(']}');
  });

  mount(router, auth, API.rctabConfig, async (req, res) => {
    const { election } = await electionWithState(req);
    const race = raceOf(election, req.params.contest);
    await audited(req, election, `rctab-config ${race.id}`);
    attach(res, testFileName(election, `${race.id}_config.json`)).json(
      rctabConfigForRace(election, race, testFileName(election, `${race.id}_cvr.json`)),
    );
  });

  mount(router, auth, API.rctabCvr, async (req, res) => {
    const { election } = await electionWithState(req);
    const race = raceOf(election, req.params.contest);
    await audited(req, election, `rctab-cvr ${race.id}`);
    const report = exportRaceCvrs(election, race, await raceRankings(db, election, race), ctx.now().toISOString());
    attach(res, testFileName(election, `${race.id}_cvr.json`)).json(report);
  });

  // A station's batch file checked against what central recorded (sync/export_verification.ts).
  mount(router, auth, API.batchVerification, requireJson, json({ limit: BATCH_FILE_BYTES, strict: true }), async (req, res) => {
    const { election } = await electionWithState(req);
    // As it came off the stick (sealed to the export key), or already opened.
    const opened = await openStationExport(req.body, ctx.centralExportKey.privateKeyPem);
    if (!opened.ok) throw openExportRefusal(opened.error);
    const verified = await verifyStationExport(db, election.id, opened.value);
    if (!verified.ok) {
      const error = verified.error;
      switch (error.kind) {
        case 'other-election':
          throw new ApiError('invalid-batch', `This file is for election ${error.election}, not ${election.id}.`);
        case 'unknown-station':
          throw unknownStation(election.id, error.station);
        case 'never-enrolled':
          throw new ApiError(
            'station-not-enrolled',
            `Station ${error.station} was never enrolled: there is no key to verify its batches with.`,
          );
      }
    }
    const report = verified.value;
    const username = sessionOf(req).username;
    await recordAudit(db, username, 'batches.verified', {
      election: election.id,
      station: report.station,
      batches: report.batches.length,
      valid: report.valid,
      matching: report.matching,
      differing: report.differing,
      fileSignature: report.fileSignature,
    });
    ctx.log('batches.verified', {
      election: election.id,
      station: report.station,
      batches: report.batches.length,
      valid: report.valid,
      differing: report.differing,
    });
    res.json(report satisfies ResponseOf<typeof API.batchVerification>);
  });

  return router;
}
