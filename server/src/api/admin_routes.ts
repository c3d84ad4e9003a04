import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cookieParser from 'cookie-parser';
import { Router, json } from 'express';
import { testFileName } from '@scrutin/shared';
import { CONSOLE_API as API, type ResponseOf } from '@scrutin/shared/api';
import { buildStationKit, describeKitBuildError } from '@scrutin/shared/kit';
import type { AppContext } from '../app/context.ts';
import { isLoopbackHost, type ScrutinMode } from '../config.ts';
import { acceptsCredentials } from '../elections/lifecycle.ts';
import { electionState, hasCredentials } from '../elections/store.ts';
import { recordAudit } from '../officials/audit.ts';
import { createAuth, sessionOf } from '../officials/auth.ts';
import { changeRole, disableOfficial, enableOfficial, unlockOfficial } from '../officials/users.ts';
import { ApiError, requireJson } from './errors.ts';
import { credentialsFrozen, electionOf, mount, noStore, parse, stationOf, unknownElection, usernameOf } from './http.ts';
import { tarArchive, type TarEntry } from './tar.ts';

/**
 * Administration routes the console adds to the officials' API (docs/operators.md): the
 * embedded demo's in-server credential generation (a background job with progress, the jobs
 * live in the app context; refused in production, where the authority generates offline and
 * central loads only the check values), station kits, and officials' roles. No route serves
 * a voter card: the server never holds one. Admin only; every action is audit-logged.
 */

/** Whether this server may generate credentials in process: the embedded demo, and tests. */
export function generatesInServer(mode: ScrutinMode): boolean {
  switch (mode) {
    case 'demo':
    case 'test':
      return true;
    case 'production':
      return false;
  }
}

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

/**
 * The central URL written into a kit: PUBLIC_URL, never the request's Host header (which the
 * client chooses). Without PUBLIC_URL, the loopback address the API listens on, when it does.
 */
export function kitCentralUrl(ctx: AppContext, localPort: number | undefined): string {
  if (ctx.config.publicUrl !== undefined) return ctx.config.publicUrl;
  if (isLoopbackHost(ctx.config.host) && localPort !== undefined) {
    const host = ctx.config.host.includes(':') ? `[${ctx.config.host.replace(/^\[|\]$/g, '')}]` : ctx.config.host;
    return `http://${host === 'localhost' ? '127.0.0.1' : host}:${localPort}`;
  }
  throw new ApiError(
    'service-unavailable',
    'This server has no PUBLIC_URL: set it to the https:// address stations reach it at, then build the kit again.',
  );
}

export function adminRoutes(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.services.db;
  const auth = createAuth({ db, now: ctx.now });
  const body = [requireJson, json({ limit: 64 * 1024, strict: true })];
  const jobs = ctx.credentialJobs;
  router.use('/admin', cookieParser(), noStore);

  // --- credentials: the embedded demo's in-server generation -------------------------------

  mount(router, auth, API.startCredentialJob, async (req, res) => {
    const election = await electionOf(ctx, req);
    if (!generatesInServer(ctx.config.mode)) {
      throw new ApiError(
        'forbidden',
        'This server does not generate credentials: voter cards never touch central. Run `scrutin credentials generate` on the ' +
          "authority's offline machine, print the cards there, and load its central.csv (check values only) here.",
        { mode: ctx.config.mode },
      );
    }
    const state = await electionState(db, election.id);
    if (state === undefined) throw unknownElection(election.id);
    if (!acceptsCredentials(state)) throw credentialsFrozen(election.id, state);
    const running = jobs.latestOf(election.id);
    if (running !== undefined && (running.phase === 'generating' || running.phase === 'loading')) {
      throw new ApiError('credentials-already-loaded', `A credential job for election ${election.id} is already running.`, {
        job: running.id,
      });
    }
    if (await hasCredentials(db, election.id)) {
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
    res.status(202).json(job satisfies ResponseOf<typeof API.startCredentialJob>);
  });

  mount(router, auth, API.latestCredentialJob, async (req, res) => {
    const election = await electionOf(ctx, req);
    res.json({
      job: jobs.latestOf(election.id) ?? null,
      generation: generatesInServer(ctx.config.mode) ? 'demo' : 'offline',
    } satisfies ResponseOf<typeof API.latestCredentialJob>);
  });

  mount(router, auth, API.credentialJob, async (req, res) => {
    const election = await electionOf(ctx, req);
    const job = jobs.get(String(req.params.job));
    if (job?.election !== election.id)
      throw new ApiError('not-found', `There is no credential job ${String(req.params.job)} for election ${election.id}.`);
    res.json(job satisfies ResponseOf<typeof API.credentialJob>);
  });

  // A station kit (scrutin kit build), from the shards of the election's finished demo job, as
  // a tar archive. In production there is none: kits are built offline with `scrutin kit build`
  // from the output of `scrutin credentials generate`. The poll workers' PINs travel in the request only: the kit holds their hashes.
  mount(router, auth, API.kit, ...body, async (req, res) => {
    const election = await electionOf(ctx, req);
    const station = stationOf(req, election);
    const request = parse(API.kit.body, req.body, 'Send {"pollWorkers": [{"name", "pin"}, …]} with at least two poll workers.');
    const job = jobs.latestOf(election.id);
    const credentials = job === undefined ? undefined : jobs.directoryOf(job.id);
    if (credentials === undefined) {
      throw new ApiError(
        'not-found',
        `No finished credential job of this server holds the shards of election ${election.id}: build the kits offline with ` +
          '`scrutin kit build` from the output of `scrutin credentials generate` (or, in the embedded demo, generate the credentials first).',
      );
    }
    const centralUrl = kitCentralUrl(ctx, req.socket.localPort);
    const out = await mkdtemp(join(tmpdir(), `scrutin-kit-${station}-`));
    try {
      const built = await buildStationKit({
        outDir: join(out, station),
        election,
        stationId: station,
        credentials: { kind: 'directory', dir: credentials },
        centralUrl,
        centralPublicKey: ctx.centralKey.publicKey,
        centralExportKey: ctx.centralExportKey.publicKey,
        pollWorkers: request.pollWorkers,
        ...(request.audio === true ? { audio: {} } : {}),
      });
      if (!built.ok) throw new ApiError('invalid-request', `The station kit could not be built: ${describeKitBuildError(built.error)}.`);
      const archive = tarArchive(await folderEntries(join(out, station), station));
      await recordAudit(db, sessionOf(req).username, 'station.kit_downloaded', {
        election: election.id,
        station,
        pollWorkers: request.pollWorkers.map((w) => w.name),
      });
      ctx.log('station.kit_downloaded', { election: election.id, station });
      res
        .set('content-disposition', `attachment; filename="${testFileName(election, `${election.id}-${station}-kit.tar`)}"`)
        .type('application/x-tar')
        .send(archive);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  // --- officials ----------------------------------------------------------------------------

  mount(router, auth, API.changeRole, ...body, async (req, res) => {
    const actor = sessionOf(req).username;
    const username = usernameOf(req);
    const { role } = parse(API.changeRole.body, req.body, 'Send {"role": "admin" | "official" | "observer"}.');
    if (username === actor)
      throw new ApiError('invalid-request', 'You cannot change your own role: ask another admin.', [
        { path: 'username', message: 'your own account' },
      ]);
    const changed = await db.transaction(async (tx) => {
      const result = await changeRole(tx, username, role);
      if (result.ok) await recordAudit(tx, actor, 'official.role_changed', { username, from: result.value.from, to: result.value.to });
      return result;
    });
    if (!changed.ok) throw new ApiError('unknown-official', `There is no official named ${username}.`);
    ctx.log('official.role_changed', { username, from: changed.value.from, to: changed.value.to, by: actor });
    res.json({ username, role: changed.value.to, previous: changed.value.from } satisfies ResponseOf<typeof API.changeRole>);
  });

  mount(router, auth, API.unlock, async (req, res) => {
    const actor = sessionOf(req).username;
    const username = usernameOf(req);
    const unlocked = await db.transaction(async (tx) => {
      const result = await unlockOfficial(tx, username);
      if (result.ok) await recordAudit(tx, actor, 'official.unlocked', { username, wasLocked: result.value.wasLocked });
      return result;
    });
    if (!unlocked.ok) throw new ApiError('unknown-official', `There is no official named ${username}.`);
    res.json({ username, wasLocked: unlocked.value.wasLocked } satisfies ResponseOf<typeof API.unlock>);
  });

  mount(router, auth, API.disableOfficial, async (req, res) => {
    const actor = sessionOf(req).username;
    const username = usernameOf(req);
    if (username === actor)
      throw new ApiError('invalid-request', 'You cannot disable your own account: ask another admin.', [
        { path: 'username', message: 'your own account' },
      ]);
    const disabled = await db.transaction(async (tx) => {
      const result = await disableOfficial(tx, username, ctx.now());
      if (result.ok)
        await recordAudit(tx, actor, 'official.disabled', {
          username,
          changed: result.value.changed,
          sessionsEnded: result.value.sessionsEnded,
        });
      return result;
    });
    if (!disabled.ok) throw new ApiError('unknown-official', `There is no official named ${username}.`);
    ctx.log('official.disabled', { username, by: actor, sessionsEnded: disabled.value.sessionsEnded });
    res.json({ username, ...disabled.value } satisfies ResponseOf<typeof API.disableOfficial>);
  });

  mount(router, auth, API.enableOfficial, async (req, res) => {
    const actor = sessionOf(req).username;
    const username = usernameOf(req);
    const enabled = await db.transaction(async (tx) => {
      const result = await enableOfficial(tx, username);
      if (result.ok) await recordAudit(tx, actor, 'official.enabled', { username, changed: result.value.changed });
      return result;
    });
    if (!enabled.ok) throw new ApiError('unknown-official', `There is no official named ${username}.`);
    ctx.log('official.enabled', { username, by: actor });
    res.json({ username, ...enabled.value } satisfies ResponseOf<typeof API.enableOfficial>);
  });

  return router;
}
