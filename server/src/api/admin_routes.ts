import { createReadStream } from 'node:fs';
import { access, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cookieParser from 'cookie-parser';
import { Router, json, type Request } from 'express';
import {
  buildStationKit,
  describeKitBuildError,
  ElectionIdSchema,
  StationIdSchema,
  issuesOf,
  type ElectionDefinition,
  type StationId,
} from '@scrutin/shared/node';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import { CredentialJobs } from '../credentials/jobs.ts';
import { electionState } from '../elections/store.ts';
import { recordAudit } from '../officials/audit.ts';
import { createAuth, sessionOf } from '../officials/auth.ts';
import { changeRole, RoleSchema, unlockOfficial, UsernameSchema, type Username } from '../officials/users.ts';
import { ApiError, requireJson } from './errors.ts';
import { tarArchive, type TarEntry } from './tar.ts';

/**
 * Administration routes the console adds to the officials' API (docs/operators.md):
 * credential generation as a background job with progress, voter cards per station, and
 * officials' roles. Admin only; every action is audit-logged.
 */

const jobsByContext = new WeakMap<AppContext, CredentialJobs>();

/** The credential jobs of this API process (one registry per server). */
export function credentialJobsOf(ctx: AppContext): CredentialJobs {
  let jobs = jobsByContext.get(ctx);
  if (jobs === undefined) {
    jobs = new CredentialJobs({ db: ctx.services.db, dedup: ctx.services.dedup, now: ctx.now, log: ctx.log });
    jobsByContext.set(ctx, jobs);
  }
  return jobs;
}

const RoleChangeSchema = z.strictObject({ role: RoleSchema });

const KitRequestSchema = z.strictObject({
  pollWorkers: z
    .array(z.strictObject({ name: z.string().trim().min(1).max(200), pin: z.string().regex(/^[0-9]{4,12}$/, 'a PIN is 4 to 12 digits') }))
    .min(2, 'a station needs at least two poll workers')
    .max(20),
  /** Render the audio ballot into the kit (espeak-ng on this server). */
  audio: z.boolean().optional(),
});

/** Every file under `dir`, as tar entries named `prefix/relative/path`. */
async function folderEntries(dir: string, prefix: string): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const info = await stat(path);
    if (info.isDirectory()) entries.push(...(await folderEntries(path, `${prefix}/${name}`)));
    else if (info.isFile()) entries.push({ name: `${prefix}/${name}`, data: await readFile(path), mtime: info.mtime });
  }
  return entries;
}

export function adminRoutes(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.services.db;
  const { requireRole } = createAuth({ db, now: ctx.now });
  const admin = requireRole('admin');
  const body = [requireJson, json({ limit: 64 * 1024, strict: true })];
  const jobs = credentialJobsOf(ctx);
  router.use('/admin', cookieParser(), (_req, res, next) => {
    res.set('cache-control', 'no-store');
    next();
  });

  async function electionOf(req: Request): Promise<ElectionDefinition> {
    const id = ElectionIdSchema.safeParse(req.params.id);
    const election = id.success ? await ctx.elections.get(id.data) : undefined;
    if (election === undefined) throw new ApiError('unknown-election', `There is no election ${String(req.params.id)} on this server.`);
    return election;
  }

  function stationOf(req: Request, election: ElectionDefinition): StationId {
    const station = StationIdSchema.safeParse(req.params.station);
    if (!station.success || !election.stations.some((s) => s.id === station.data)) {
      throw new ApiError('unknown-station', `Station ${String(req.params.station)} is not part of election ${election.id}.`);
    }
    return station.data;
  }

  function usernameOf(req: Request): Username {
    const name = UsernameSchema.safeParse(req.params.username);
    if (!name.success) throw new ApiError('unknown-official', `There is no official named ${String(req.params.username)}.`);
    return name.data;
  }

  // --- credentials: generate, load, cards --------------------------------------------------

  router.post('/admin/elections/:id/credentials/jobs', admin, async (req, res) => {
    const election = await electionOf(req);
    const state = await electionState(db, election.id);
    if (state !== 'draft' && state !== 'open') {
      throw new ApiError(
        'not-editable',
        `Election ${election.id} is ${state ?? 'unknown'}: credentials can be generated only while it is draft or open.`,
        { state },
      );
    }
    const running = jobs.latestOf(election.id);
    if (running !== undefined && (running.phase === 'generating' || running.phase === 'loading')) {
      throw new ApiError('credentials-already-loaded', `A credential job for election ${election.id} is already running.`, {
        job: running.id,
      });
    }
    const { rows } = await db.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM (SELECT 1 FROM credentials WHERE election_id = $1 LIMIT 1) c',
      [election.id],
    );
    if (Number(rows[0]?.n ?? 0) > 0) {
      throw new ApiError(
        'credentials-already-loaded',
        `Election ${election.id} already has credentials loaded; generating a second set would give every voter two cards.`,
      );
    }
    const job = await jobs.start(election);
    await recordAudit(db, sessionOf(req).username, 'credentials.generation_started', {
      election: election.id,
      job: job.id,
      voters: job.totalVoters,
      stations: job.totalStations,
    });
    res.status(202).json(job);
  });

  router.get('/admin/elections/:id/credentials/jobs/latest', admin, async (req, res) => {
    const election = await electionOf(req);
    res.json({ job: jobs.latestOf(election.id) ?? null });
  });

  router.get('/admin/elections/:id/credentials/jobs/:job', admin, async (req, res) => {
    const election = await electionOf(req);
    const job = jobs.get(String(req.params.job));
    if (job?.election !== election.id)
      throw new ApiError('not-found', `There is no credential job ${String(req.params.job)} for election ${election.id}.`);
    res.json(job);
  });

  // The cards of one station: NAS and codes to print. Secret, so every download is audited.
  router.get('/admin/elections/:id/credentials/jobs/:job/cards/:station', admin, async (req, res) => {
    const election = await electionOf(req);
    const station = stationOf(req, election);
    const job = jobs.get(String(req.params.job));
    const path = job?.election === election.id ? jobs.cardsPath(job.id, station) : undefined;
    if (
      path === undefined ||
      (await access(path).then(
        () => false,
        () => true,
      ))
    ) {
      throw new ApiError('not-found', `There are no finished voter cards for station ${station} in job ${String(req.params.job)}.`);
    }
    await recordAudit(db, sessionOf(req).username, 'credentials.cards_downloaded', {
      election: election.id,
      station,
      job: String(req.params.job),
    });
    ctx.log('credentials.cards_downloaded', { election: election.id, station });
    res.set('content-disposition', `attachment; filename="${election.id}-${station}-cards.csv"`).type('text/csv; charset=utf-8');
    createReadStream(path).pipe(res);
  });

  // A station kit (scrutin kit build), from the credentials of the election's finished job, as
  // a tar archive. The poll workers' PINs travel in the request only: the kit holds their hashes.
  router.post('/admin/elections/:id/stations/:station/kit', admin, ...body, async (req, res) => {
    const election = await electionOf(req);
    const station = stationOf(req, election);
    const parsed = KitRequestSchema.safeParse(req.body);
    if (!parsed.success)
      throw new ApiError(
        'invalid-request',
        'Send {"pollWorkers": [{"name", "pin"}, …]} with at least two poll workers.',
        issuesOf(parsed.error),
      );
    const job = jobs.latestOf(election.id);
    const credentials = job === undefined ? undefined : jobs.directoryOf(job.id);
    if (credentials === undefined) {
      throw new ApiError(
        'not-found',
        `No finished credential job of this server holds the shards of election ${election.id}: generate the credentials first.`,
      );
    }
    const out = await mkdtemp(join(tmpdir(), `scrutin-kit-${station}-`));
    try {
      const built = await buildStationKit({
        outDir: join(out, station),
        election,
        stationId: station,
        credentials: { kind: 'directory', dir: credentials },
        centralUrl: `${req.protocol}://${req.get('host') ?? `${ctx.config.host}:${ctx.config.port}`}`,
        centralPublicKey: ctx.centralKey.publicKey,
        pollWorkers: parsed.data.pollWorkers,
        ...(parsed.data.audio === true ? { audio: {} } : {}),
      });
      if (!built.ok) throw new ApiError('invalid-request', `The station kit could not be built: ${describeKitBuildError(built.error)}.`);
      const archive = tarArchive(await folderEntries(join(out, station), station));
      await recordAudit(db, sessionOf(req).username, 'station.kit_downloaded', {
        election: election.id,
        station,
        pollWorkers: parsed.data.pollWorkers.map((w) => w.name),
      });
      ctx.log('station.kit_downloaded', { election: election.id, station });
      res.set('content-disposition', `attachment; filename="${election.id}-${station}-kit.tar"`).type('application/x-tar').send(archive);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  // --- officials ----------------------------------------------------------------------------

  router.post('/admin/officials/:username/role', admin, ...body, async (req, res) => {
    const actor = sessionOf(req).username;
    const username = usernameOf(req);
    const parsed = RoleChangeSchema.safeParse(req.body);
    if (!parsed.success) throw new ApiError('invalid-request', 'Send {"role": "admin" | "official" | "observer"}.', issuesOf(parsed.error));
    if (username === actor)
      throw new ApiError('invalid-request', 'You cannot change your own role: ask another admin.', [
        { path: 'username', message: 'your own account' },
      ]);
    const changed = await db.transaction(async (tx) => {
      const result = await changeRole(tx, username, parsed.data.role);
      if (result.ok) await recordAudit(tx, actor, 'official.role_changed', { username, from: result.value.from, to: result.value.to });
      return result;
    });
    if (!changed.ok) throw new ApiError('unknown-official', `There is no official named ${username}.`);
    ctx.log('official.role_changed', { username, from: changed.value.from, to: changed.value.to, by: actor });
    res.json({ username, role: changed.value.to, previous: changed.value.from });
  });

  router.post('/admin/officials/:username/unlock', admin, async (req, res) => {
    const actor = sessionOf(req).username;
    const username = usernameOf(req);
    const unlocked = await db.transaction(async (tx) => {
      const result = await unlockOfficial(tx, username);
      if (result.ok) await recordAudit(tx, actor, 'official.unlocked', { username, wasLocked: result.value.wasLocked });
      return result;
    });
    if (!unlocked.ok) throw new ApiError('unknown-official', `There is no official named ${username}.`);
    res.json({ username, wasLocked: unlocked.value.wasLocked });
  });

  return router;
}
