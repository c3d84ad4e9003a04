import { Router, json, type Request } from 'express';
import { issuesOf } from '@scrutin/shared';
import {
  EnrolRequestSchema,
  SealedResendAnswerSchema,
  SyncStatusQuerySchema,
  SYNC_ENDPOINTS as SYNC,
  type CentralKeys,
  type EnrolResponse,
} from '@scrutin/shared/protocol';
import type { AppContext } from '../app/context.ts';
import { enrolStation } from '../sync/enrolment.ts';
import { importDepsOf, importSealedBatches } from '../sync/import.ts';
import { intakeDepsOf, receiveBatch, syncStatus } from '../sync/intake.ts';
import { ApiError, requireJson } from './errors.ts';
import { unknownElection, unknownStation } from './http.ts';

/** The station-facing API: enrolment, batch sync and status (docs/protocol.md). */
export function syncRoutes(ctx: AppContext): Router {
  const router = Router();
  const body = json({ limit: ctx.config.maxBodyBytes, strict: true });
  const intake = intakeDepsOf(ctx);
  const resend = importDepsOf(ctx);

  // Cost bounds (request_limits.ts): per address before the body is read, the intake cap for
  // batches, per station once the body names it.
  const { perAddress, perStation, intakeSlot } = ctx.limits;

  router.post(SYNC.enrol.path, perAddress, requireJson, body, perStation, async (req, res) => {
    const parsed = EnrolRequestSchema.safeParse(req.body);
    if (!parsed.success) throw new ApiError('invalid-request', 'The enrolment request is malformed.', issuesOf(parsed.error));
    const enrolled = await enrolStation(ctx.services.db, parsed.data);
    if (enrolled.rekeyed !== null) {
      ctx.metrics.stationRekeys.inc({ event: 're_enrolled' });
      ctx.log('station.re_enrolled', { election: parsed.data.election, station: enrolled.station, ...enrolled.rekeyed });
    } else if (!enrolled.replay) {
      ctx.log('station.enrolled', { election: parsed.data.election, station: enrolled.station });
    }
    res.status(200).json({
      station: enrolled.station,
      enrolledAt: enrolled.enrolledAt,
      centralPublicKey: ctx.centralKey.publicKey,
    } satisfies EnrolResponse);
  });

  router.post(SYNC.batches.path, perAddress, intakeSlot, requireJson, body, perStation, async (req: Request, res) => {
    const started = process.hrtime.bigint();
    const result = await receiveBatch(intake, req.body);
    ctx.metrics.apiLatency.observe({ route: 'sync_batches' }, Number(process.hrtime.bigint() - started) / 1e9);
    // Written directly: an ETag over a one-off receipt is work for nothing.
    const receipt = Buffer.from(JSON.stringify(result.receipt), 'utf8');
    res
      .status(202)
      .set({ 'content-type': 'application/json; charset=utf-8', 'content-length': String(receipt.length) })
      .end(receipt);
  });

  // A station gives back, sealed to the export key, batches central acknowledged and then lost
  // (a restore from an older backup): opened here, then the same checks and idempotency as above.
  router.post(SYNC.sealedBatches.path, perAddress, intakeSlot, requireJson, body, perStation, async (req: Request, res) => {
    const report = await importSealedBatches(resend, req.body);
    ctx.log('batch.resent', { station: report.station, batches: report.receipts.length, refused: report.refused.length });
    res.status(200).json(SealedResendAnswerSchema.parse(report));
  });

  router.get(SYNC.syncStatus.path, perAddress, async (req, res) => {
    const parsed = SyncStatusQuerySchema.safeParse(req.query);
    if (!parsed.success) throw new ApiError('invalid-request', 'Give election and station as query parameters.', issuesOf(parsed.error));
    const election = await ctx.elections.get(parsed.data.election);
    if (election === undefined) throw unknownElection(parsed.data.election);
    if (!election.stations.some((s) => s.id === parsed.data.station)) throw unknownStation(election.id, parsed.data.station);
    res.json(await syncStatus(ctx.services.db, parsed.data.election, parsed.data.station));
  });

  // Both public keys a kit carries: the receipt key and the export key (stations seal USB exports to it).
  router.get(SYNC.centralKey.path, (_req, res) => {
    res.json({ publicKey: ctx.centralKey.publicKey, exportKey: ctx.centralExportKey.publicKey } satisfies CentralKeys);
  });

  return router;
}
