import cookieParser from 'cookie-parser';
import { Router, json, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import {
  CredentialHashSchema,
  ElectionIdSchema,
  StationIdSchema,
  issuesOf,
  type ElectionDefinition,
  type ElectionId,
  type StationId,
  type ValidationIssue,
} from '@scrutin/shared/node';
import { z } from 'zod';
import type { AppContext } from '../app/context.ts';
import type { Database, Queryable } from '../db/database.ts';
import { loadCredentials, saveElection, setElectionState, type ElectionState } from '../elections/store.ts';
import { listAudit, recordAudit, UNKNOWN_ACTOR } from '../officials/audit.ts';
import { clearSessionCookie, createAuth, sessionOf, setSessionCookie } from '../officials/auth.ts';
import { DEFAULT_LOGIN_POLICY, login, logout } from '../officials/sessions.ts';
import { createOfficial, listOfficials, NewOfficialSchema } from '../officials/users.ts';
import { issueEnrolmentToken, revokeStation } from '../sync/enrolment.ts';
import { recountFromBallots } from '../results/tally_store.ts';
import { ApiError, requireJson } from './errors.ts';

/**
 * The officials' API (docs/operators.md, "Election administration API"): login and
 * sessions, election administration for admins, and the monitoring views officials use on
 * election night. Every route but login needs a session (auth.ts); every mutation writes an
 * audit entry naming its actor.
 */

/** Failed logins allowed per client address and window, on top of the per-account lockout. */
export const LOGIN_RATE_LIMIT = { windowMs: 15 * 60_000, limit: 20 } as const;
/** Most credential entries one request may load; bigger files are sent in several requests. */
export const MAX_CREDENTIALS_PER_REQUEST = 50_000;
/** About 100 bytes an entry, with room to spare. */
const CREDENTIALS_BODY_BYTES = 8 * 1024 * 1024;
/** Validation details returned at most, so a huge bad request gets a bounded answer. */
const MAX_ISSUES = 200;

const LIFECYCLE: Readonly<Record<ElectionState, ElectionState | undefined>> = {
  draft: 'open',
  open: 'closed',
  closed: 'certified',
  certified: undefined,
};

const LoginSchema = z.strictObject({ username: z.string().max(200), password: z.string().max(4096) });

const StateChangeSchema = z
  .strictObject({
    state: z.enum(['draft', 'open', 'closed', 'certified']),
    override: z.boolean().optional(),
    reason: z.string().trim().min(10, 'give a reason of at least 10 characters').max(2000).optional(),
  })
  .superRefine((value, context) => {
    if (value.override === true && value.reason === undefined)
      context.addIssue({ code: 'custom', path: ['reason'], message: 'an override needs a reason' });
    if (value.override === true && value.state !== 'certified')
      context.addIssue({ code: 'custom', path: ['override'], message: 'only certification can be overridden' });
  });

const CredentialsSchema = z.strictObject({
  entries: z
    .array(z.strictObject({ credentialHash: CredentialHashSchema, station: StationIdSchema }))
    .min(1, 'send at least one entry')
    .max(MAX_CREDENTIALS_PER_REQUEST, `send at most ${MAX_CREDENTIALS_PER_REQUEST} entries per request`),
});

const EnrolmentTokenSchema = z.strictObject({
  ttlHours: z
    .int()
    .min(1)
    .max(24 * 14)
    .optional(),
});

const TimelineSchema = z.object({ bucketMinutes: z.coerce.number().int().min(1).max(1440).default(5) });

const PageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).optional(),
});

export function officialsRoutes(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.services.db;
  const { requireRole } = createAuth({ db, now: ctx.now });
  const admin = requireRole('admin');
  const official = requireRole('official');
  const observer = requireRole('observer');
  const body = [requireJson, json({ limit: ctx.config.maxBodyBytes, strict: true })];
  const bigBody = [requireJson, json({ limit: Math.max(ctx.config.maxBodyBytes, CREDENTIALS_BODY_BYTES), strict: true })];
  const optionalBody = [jsonIfAnyBody, json({ limit: 64 * 1024, strict: true })];
  const policy = DEFAULT_LOGIN_POLICY;

  router.use(['/auth', '/admin'], cookieParser(), noStore);

  const loginLimiter = rateLimit({
    windowMs: LOGIN_RATE_LIMIT.windowMs,
    limit: LOGIN_RATE_LIMIT.limit,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => {
      next(new ApiError('rate-limited', 'Too many failed logins from this address. Wait a few minutes and try again.'));
    },
  });

  // --- sessions -------------------------------------------------------------------------

  router.post('/auth/login', loginLimiter, ...body, async (req, res) => {
    const request = parse(LoginSchema, req.body, 'Send {"username", "password"}.');
    const result = await login(db, request, ctx.now(), policy);
    if (result.ok) {
      const session = result.value;
      await recordAudit(db, session.username, 'auth.login', { role: session.role });
      ctx.log('official.login', { username: session.username, role: session.role });
      setSessionCookie(req, res, session.token, session.expiresAt);
      res.json({ username: session.username, role: session.role, csrfToken: session.csrfToken, expiresAt: session.expiresAt });
      return;
    }
    const failure = result.error;
    switch (failure.kind) {
      case 'invalid-credentials': {
        const actor = failure.known ? request.username : UNKNOWN_ACTOR;
        await recordAudit(db, actor, 'auth.login_failed', { reason: 'invalid-credentials' });
        ctx.log('official.login_failed', { username: actor, reason: 'invalid-credentials' });
        throw new ApiError('unauthenticated', 'Wrong username or password.');
      }
      case 'locked': {
        if (failure.now) {
          await recordAudit(db, failure.username, 'auth.locked', { until: failure.until, failures: policy.maxFailures });
          ctx.log('official.locked', { username: failure.username, until: failure.until });
        }
        await recordAudit(db, failure.username, 'auth.login_failed', { reason: 'locked' });
        ctx.log('official.login_failed', { username: failure.username, reason: 'locked' });
        res.set('retry-after', String(Math.max(1, Math.ceil((Date.parse(failure.until) - ctx.now().getTime()) / 1000))));
        throw new ApiError('account-locked', `Too many failed logins: this account is locked until ${failure.until}.`, {
          until: failure.until,
        });
      }
    }
  });

  router.post('/auth/logout', observer, ...optionalBody, async (req, res) => {
    const session = sessionOf(req);
    await db.transaction(async (tx) => {
      await logout(tx, session.token);
      await recordAudit(tx, session.username, 'auth.logout');
    });
    ctx.log('official.logout', { username: session.username });
    clearSessionCookie(req, res);
    res.status(204).end();
  });

  router.get('/auth/me', observer, (req, res) => {
    const { username, role, csrfToken, expiresAt } = sessionOf(req);
    res.json({ username, role, csrfToken, expiresAt });
  });

  // --- administration (admin) ------------------------------------------------------------

  router.post('/admin/elections', admin, ...body, async (req, res) => {
    const actor = sessionOf(req).username;
    const outcome = await db.transaction(async (tx) => {
      const id = ElectionIdSchema.safeParse((req.body as { id?: unknown } | null)?.id);
      const existed = id.success && (await tx.query('SELECT 1 FROM elections WHERE id = $1', [id.data])).rows.length > 0;
      const saved = await saveElection(insideTransaction(db, tx), req.body);
      if (saved.ok) {
        const e = saved.value;
        await recordAudit(tx, actor, 'election.saved', {
          election: e.id,
          created: !existed,
          ridings: e.ridings.length,
          stations: e.stations.length,
        });
      }
      return { saved, existed };
    });
    const { saved, existed } = outcome;
    if (!saved.ok) {
      const error = saved.error;
      switch (error.kind) {
        case 'invalid-definition':
          throw new ApiError(
            'invalid-definition',
            `The election definition has ${error.issues.length} problem(s); nothing was stored.`,
            error.issues,
          );
        case 'not-editable':
          throw new ApiError('not-editable', `This election is ${error.state}: only a draft election can be replaced.`, {
            state: error.state,
          });
      }
    }
    const e = saved.value;
    ctx.elections.forget(e.id);
    ctx.log('election.saved', { election: e.id, created: !existed, ridings: e.ridings.length, stations: e.stations.length });
    res.status(existed ? 200 : 201).json({ id: e.id, state: 'draft', ridings: e.ridings.length, stations: e.stations.length });
  });

  router.post('/admin/elections/:id/state', admin, ...body, async (req, res) => {
    const actor = sessionOf(req).username;
    const id = electionIdOf(req);
    const change = parse(
      StateChangeSchema,
      req.body,
      'Send {"state": "open" | "closed" | "certified"}, with {"override": true, "reason"} to certify despite pending batches.',
    );
    const result = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ state: ElectionState }>('SELECT state FROM elections WHERE id = $1 FOR UPDATE', [id]);
      const from = rows[0]?.state;
      if (from === undefined) throw unknownElection(id);
      const next = LIFECYCLE[from];
      if (change.state !== next) {
        throw new ApiError(
          'invalid-transition',
          next === undefined
            ? `Election ${id} is certified; its state can no longer change.`
            : `Election ${id} is ${from}; it can only move to ${next} (draft → open → closed → certified).`,
          { from, to: change.state, allowed: next ?? null },
        );
      }
      let overridden: readonly PendingStation[] = [];
      if (change.state === 'certified') {
        const pending = await pendingStations(tx, id);
        if (pending.length > 0 && change.override !== true) {
          throw new ApiError(
            'batches-pending',
            `${pending.length} station(s) have batches not yet processed or missing sequence numbers; certify once the count is complete, or override with a reason.`,
            { stations: pending },
          );
        }
        if (pending.length > 0) {
          overridden = pending;
          await recordAudit(tx, actor, 'election.certified_with_override', { election: id, reason: change.reason, stations: pending });
        }
      }
      await setElectionState(tx, id, change.state);
      await recordAudit(tx, actor, 'election.state_changed', {
        election: id,
        from,
        to: change.state,
        ...(overridden.length > 0 ? { override: true } : {}),
      });
      return { from, overridden };
    });
    if (result.overridden.length > 0) ctx.log('election.certification_override', { election: id, stations: result.overridden.length });
    ctx.log('election.state_changed', { election: id, from: result.from, to: change.state });
    res.json({ election: id, state: change.state, previous: result.from, override: result.overridden.length > 0 });
  });

  router.post('/admin/elections/:id/credentials', admin, ...bigBody, async (req, res) => {
    const actor = sessionOf(req).username;
    const election = await electionOf(req);
    const request = parse(CredentialsSchema, req.body, 'Send {"entries": [{"credentialHash", "station"}, ...]}.');
    const state = await currentState(db, election.id);
    if (state !== 'draft' && state !== 'open') {
      throw new ApiError('not-editable', `Election ${election.id} is ${state}: credentials can be loaded only while it is draft or open.`, {
        state,
      });
    }
    const problems = credentialProblems(election, request.entries);
    if (problems.length > 0) {
      throw new ApiError(
        'invalid-request',
        `${problems.length} credential entr${problems.length === 1 ? 'y is' : 'ies are'} not valid for election ${election.id}; nothing was loaded.`,
        problems.slice(0, MAX_ISSUES),
      );
    }
    const conflicts = await storedElsewhere(db, election.id, request.entries);
    if (conflicts.length > 0) {
      throw new ApiError(
        'credential-conflict',
        `${conflicts.length} credential(s) are already loaded for another station; a credential belongs to one station only. Nothing was loaded.`,
        conflicts.slice(0, MAX_ISSUES),
      );
    }
    ctx.log('credentials.load.started', { election: election.id, entries: request.entries.length });
    const loaded = await loadCredentials(
      db,
      ctx.services.dedup,
      election.id,
      request.entries.map((e) => ({ credential: e.credentialHash, station: e.station })),
    );
    const stations = new Set(request.entries.map((e) => e.station)).size;
    await recordAudit(db, actor, 'credentials.loaded', { election: election.id, entries: loaded, stations });
    ctx.log('credentials.load.finished', { election: election.id, entries: loaded, stations });
    res.json({ election: election.id, loaded, stations });
  });

  router.post('/admin/elections/:id/stations/:station/enrolment-token', admin, ...optionalBody, async (req, res) => {
    const actor = sessionOf(req).username;
    const election = await electionOf(req);
    const station = stationIdOf(req, election.id);
    const request = parse(EnrolmentTokenSchema, req.body ?? {}, 'Send nothing, or {"ttlHours": n}.');
    const issued = await db.transaction(async (tx) => {
      const token = await issueEnrolmentToken(tx, election.id, station, request.ttlHours);
      await recordAudit(tx, actor, 'station.enrolment_token_issued', { election: election.id, station, expiresAt: token.expiresAt });
      return token;
    });
    ctx.log('station.enrolment_token_issued', { election: election.id, station, expiresAt: issued.expiresAt });
    res.status(201).json({ election: election.id, station, token: issued.token, expiresAt: issued.expiresAt });
  });

  router.post('/admin/elections/:id/stations/:station/revoke', admin, ...optionalBody, async (req, res) => {
    const actor = sessionOf(req).username;
    const election = await electionOf(req);
    const station = stationIdOf(req, election.id);
    const revokedAt = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ enrolled: boolean; revoked_at: Date | string | null }>(
        'SELECT public_key IS NOT NULL AS enrolled, revoked_at FROM stations WHERE election_id = $1 AND station_id = $2 FOR UPDATE',
        [election.id, station],
      );
      const row = rows[0];
      if (row === undefined) throw unknownStation(election.id, station);
      if (row.revoked_at !== null)
        throw new ApiError('station-not-revocable', `Station ${station} was already revoked at ${iso(row.revoked_at)}.`, {
          revokedAt: iso(row.revoked_at),
        });
      if (!row.enrolled || !(await revokeStation(tx, election.id, station))) {
        throw new ApiError('station-not-revocable', `Station ${station} has never been enrolled; there is no key to revoke.`);
      }
      await recordAudit(tx, actor, 'station.revoked', { election: election.id, station });
      const after = await tx.query<{ revoked_at: Date | string }>(
        'SELECT revoked_at FROM stations WHERE election_id = $1 AND station_id = $2',
        [election.id, station],
      );
      return iso(after.rows[0]?.revoked_at ?? null);
    });
    ctx.log('station.revoked', { election: election.id, station });
    res.json({ election: election.id, station, revokedAt });
  });

  router.get('/admin/officials', admin, async (_req, res) => {
    res.json({ officials: await listOfficials(db, ctx.now()) });
  });

  router.post('/admin/officials', admin, ...body, async (req, res) => {
    const actor = sessionOf(req).username;
    const request = parse(NewOfficialSchema, req.body, 'Send {"username", "password", "role": "admin" | "official" | "observer"}.');
    const created = await db.transaction(async (tx) => {
      const result = await createOfficial(tx, request);
      if (result.ok) await recordAudit(tx, actor, 'official.created', { username: result.value.username, role: result.value.role });
      return result;
    });
    if (!created.ok) throw new ApiError('official-exists', `There is already an official named ${created.error.username}.`);
    ctx.log('official.created', { username: created.value.username, role: created.value.role, by: actor });
    res.status(201).json(created.value);
  });

  // --- monitoring (official and up) --------------------------------------------------------

  router.get('/admin/elections/:id/stations', official, async (req, res) => {
    const election = await electionOf(req);
    res.json({ election: election.id, stations: await stationHealth(db, election.id) });
  });

  router.get('/admin/elections/:id/alerts', official, async (req, res) => {
    const election = await electionOf(req);
    const page = parse(PageSchema, req.query, 'Use ?limit=1..500&before=<alert id>.');
    const { rows } = await db.query<{ id: string; station_id: StationId | null; kind: string; detail: unknown; raised_at: Date | string }>(
      `SELECT a.id::text AS id, a.station_id, a.kind, a.detail, a.raised_at FROM alerts a
        WHERE a.election_id = $1 AND ($2::bigint IS NULL OR a.id < $2::bigint)
        ORDER BY a.id DESC LIMIT $3`,
      [election.id, page.before ?? null, page.limit + 1],
    );
    const alerts = rows
      .slice(0, page.limit)
      .map((r) => ({ id: Number(r.id), station: r.station_id, kind: r.kind, detail: r.detail, raisedAt: iso(r.raised_at) }));
    res.json({ election: election.id, alerts, next: rows.length > page.limit ? (alerts.at(-1)?.id ?? null) : null });
  });

  router.get('/admin/elections/:id/rejections', official, async (req, res) => {
    const election = await electionOf(req);
    const query = parse(TimelineSchema, req.query, 'Use ?bucketMinutes=1..1440.');
    res.json({
      election: election.id,
      ...(await rejections(db, election.id)),
      ...(await rejectionTimeline(db, election.id, query.bucketMinutes)),
    });
  });

  // Invariant 5: every stored ballot recounted and compared with the live tally, count by count.
  router.get('/admin/elections/:id/recount', official, async (req, res) => {
    const election = await electionOf(req);
    const report = await recountFromBallots(db, election);
    await recordAudit(db, sessionOf(req).username, 'election.recount', {
      election: election.id,
      ballots: report.ballots,
      equal: report.equal,
    });
    res.json({ election: election.id, ...report });
  });

  router.get('/admin/audit', official, async (req, res) => {
    const page = parse(PageSchema, req.query, 'Use ?limit=1..500&before=<entry id>.');
    res.json(await listAudit(db, page));
  });

  // --- helpers bound to this context -----------------------------------------------------

  async function electionOf(req: Request): Promise<ElectionDefinition> {
    const id = electionIdOf(req);
    const found = await ctx.elections.get(id);
    if (found === undefined) throw unknownElection(id);
    return found;
  }

  return router;
}

function electionIdOf(req: Request): ElectionId {
  const id = ElectionIdSchema.safeParse(req.params.id);
  if (!id.success) throw new ApiError('unknown-election', `There is no election ${String(req.params.id)} on this server.`);
  return id.data;
}

function stationIdOf(req: Request, election: ElectionId): StationId {
  const station = StationIdSchema.safeParse(req.params.station);
  if (!station.success) throw unknownStation(election, String(req.params.station));
  return station.data;
}

const unknownElection = (id: string) => new ApiError('unknown-election', `There is no election ${id} on this server.`);
const unknownStation = (election: string, station: string) =>
  new ApiError('unknown-station', `Station ${station} is not part of election ${election}.`);

function parse<S extends z.ZodType>(schema: S, input: unknown, hint: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error);
    throw new ApiError('invalid-request', `The request is not valid (${issues.length} problem(s)). ${hint}`, issues.slice(0, MAX_ISSUES));
  }
  return parsed.data;
}

/** Requests that may carry a body (logout, revoke, token) accept none or a JSON one. */
function jsonIfAnyBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (hasBody && req.is('application/json') === false) {
    next(new ApiError('unsupported-media-type', 'Send the request body as application/json (or send none).'));
    return;
  }
  next();
}

/** Answers carry tokens and live data: never cached by a browser or proxy. */
const noStore: RequestHandler = (_req, res, next) => {
  res.set('cache-control', 'no-store');
  next();
};

/** A `Database` whose `transaction` joins the transaction already open in `tx`. */
function insideTransaction(db: Database, tx: Queryable): Database {
  return {
    engine: db.engine,
    query: (text, params) => tx.query(text, params),
    exec: (sql) => tx.exec(sql),
    transaction: (work) => work(tx),
    close: () => Promise.reject(new Error('cannot close a database from inside a transaction')),
  };
}

async function currentState(db: Queryable, id: ElectionId): Promise<ElectionState> {
  const { rows } = await db.query<{ state: ElectionState }>('SELECT state FROM elections WHERE id = $1', [id]);
  const state = rows[0]?.state;
  if (state === undefined) throw unknownElection(id);
  return state;
}

interface PendingStation {
  readonly station: StationId;
  /** Batches received but not yet processed by a validator. */
  readonly unprocessed: number;
  /** Sequence numbers below the highest received that never arrived. */
  readonly missing: number;
}

/** Enrolled stations whose count is not complete: batches waiting in the pipeline, or gaps. */
async function pendingStations(db: Queryable, election: ElectionId): Promise<PendingStation[]> {
  const { rows } = await db.query<PendingStation>(
    `SELECT b.station_id AS station,
            (count(*) FILTER (WHERE b.status = 'received'))::int AS unprocessed,
            (max(b.sequence) - count(*))::int AS missing
       FROM batches b
       JOIN stations s ON s.election_id = b.election_id AND s.station_id = b.station_id
      WHERE b.election_id = $1 AND s.enrolled_at IS NOT NULL
      GROUP BY b.station_id
     HAVING count(*) FILTER (WHERE b.status = 'received') > 0 OR max(b.sequence) > count(*)
      ORDER BY b.station_id`,
    [election],
  );
  return rows;
}

function credentialProblems(
  election: ElectionDefinition,
  entries: readonly { readonly credentialHash: string; readonly station: StationId }[],
): ValidationIssue[] {
  const stations = new Set<string>(election.stations.map((s) => s.id));
  const seen = new Map<string, StationId>();
  const problems: ValidationIssue[] = [];
  entries.forEach((entry, i) => {
    if (!stations.has(entry.station))
      problems.push({ path: `entries[${i}].station`, message: `station ${entry.station} is not part of election ${election.id}` });
    const earlier = seen.get(entry.credentialHash);
    if (earlier !== undefined && earlier !== entry.station) {
      problems.push({
        path: `entries[${i}].credentialHash`,
        message: `this credential is also listed for station ${earlier}; a credential belongs to one station`,
      });
    }
    seen.set(entry.credentialHash, entry.station);
  });
  return problems;
}

/** Entries whose credential is already stored for a different station. */
async function storedElsewhere(
  db: Queryable,
  election: ElectionId,
  entries: readonly { readonly credentialHash: string; readonly station: StationId }[],
): Promise<ValidationIssue[]> {
  const { rows } = await db.query<{ i: number; station: string }>(
    `SELECT e.i::int AS i, c.station_id AS station
       FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS e(h, s, i)
       JOIN credentials c ON c.election_id = $1 AND c.credential_hash = decode(e.h, 'hex')
      WHERE c.station_id <> e.s
      ORDER BY e.i`,
    [election, entries.map((e) => e.credentialHash), entries.map((e) => e.station)],
  );
  return rows.map((r) => ({
    path: `entries[${r.i - 1}].credentialHash`,
    message: `this credential is already loaded for station ${r.station}`,
  }));
}

interface StationHealthRow {
  readonly station: StationId;
  readonly riding: string;
  readonly enrolled_at: Date | string | null;
  readonly revoked_at: Date | string | null;
  readonly last_sync_at: Date | string | null;
  readonly received: number;
  readonly processed: number;
  readonly highest: number;
  readonly alerts: number;
}

/** Every station of the election with its sync health: three set-based queries, whatever the number of stations. */
async function stationHealth(db: Queryable, election: ElectionId) {
  const { rows } = await db.query<StationHealthRow>(
    `SELECT s.station_id AS station, s.riding, s.enrolled_at, s.revoked_at,
            b.last_sync_at, coalesce(b.received, 0) AS received, coalesce(b.processed, 0) AS processed,
            coalesce(b.highest, 0) AS highest, coalesce(a.alerts, 0) AS alerts
       FROM stations s
       LEFT JOIN (SELECT station_id, max(received_at) AS last_sync_at, count(*)::int AS received,
                         (count(*) FILTER (WHERE status = 'processed'))::int AS processed, max(sequence) AS highest
                    FROM batches WHERE election_id = $1 GROUP BY station_id) b ON b.station_id = s.station_id
       LEFT JOIN (SELECT station_id, count(*)::int AS alerts
                    FROM alerts WHERE election_id = $1 AND station_id IS NOT NULL GROUP BY station_id) a ON a.station_id = s.station_id
      WHERE s.election_id = $1
      ORDER BY s.station_id`,
    [election],
  );
  const gaps = await db.query<{ station: string; gap_from: number; gap_to: number }>(
    `SELECT station_id AS station, previous + 1 AS gap_from, sequence - 1 AS gap_to
       FROM (SELECT station_id, sequence, coalesce(lag(sequence) OVER (PARTITION BY station_id ORDER BY sequence), 0) AS previous
               FROM batches WHERE election_id = $1) g
      WHERE sequence > previous + 1
      ORDER BY station_id, sequence`,
    [election],
  );
  const gapsOf = new Map<string, { from: number; to: number }[]>();
  for (const g of gaps.rows) {
    const list = gapsOf.get(g.station) ?? [];
    list.push({ from: g.gap_from, to: g.gap_to });
    gapsOf.set(g.station, list);
  }
  return rows.map((r) => {
    const missing = gapsOf.get(r.station) ?? [];
    return {
      station: r.station,
      riding: r.riding,
      enrolled: r.enrolled_at !== null,
      enrolledAt: iso(r.enrolled_at),
      revoked: r.revoked_at !== null,
      revokedAt: iso(r.revoked_at),
      lastSyncAt: iso(r.last_sync_at),
      batches: { received: r.received, processed: r.processed, pending: r.received - r.processed },
      highestSequence: r.highest,
      missingSequences: missing,
      missingCount: missing.reduce((n, g) => n + g.to - g.from + 1, 0),
      alerts: r.alerts,
    };
  });
}

const REJECTION_REASONS = ['invalid-credential', 'wrong-station', 'duplicate', 'invalid-ballot'] as const;
type RejectionReason = (typeof REJECTION_REASONS)[number];

async function rejections(db: Queryable, election: ElectionId) {
  const { rows } = await db.query<{ station: StationId; reason: RejectionReason; count: string }>(
    'SELECT station_id AS station, reason, count::text AS count FROM rejected_envelopes WHERE election_id = $1 ORDER BY station_id, reason',
    [election],
  );
  const zero = (): Record<RejectionReason, number> => ({ 'invalid-credential': 0, 'wrong-station': 0, duplicate: 0, 'invalid-ballot': 0 });
  const totals = zero();
  const byStation = new Map<StationId, Record<RejectionReason, number>>();
  for (const r of rows) {
    const n = Number(r.count);
    const counts = byStation.get(r.station) ?? zero();
    counts[r.reason] += n;
    byStation.set(r.station, counts);
    totals[r.reason] += n;
  }
  const dup = await db.query<{ credentials: string; attempts: string }>(
    'SELECT count(*)::text AS credentials, coalesce(sum(attempts), 0)::text AS attempts FROM duplicate_attempts WHERE election_id = $1',
    [election],
  );
  const d = dup.rows[0];
  return {
    totals: { ...totals, all: REJECTION_REASONS.reduce((n, reason) => n + totals[reason], 0) },
    stations: [...byStation].map(([station, counts]) => ({
      station,
      ...counts,
      all: REJECTION_REASONS.reduce((n, reason) => n + counts[reason], 0),
    })),
    /** Second and later uses of an already used credential (never tallied); no hash is shown. */
    duplicateAttempts: { credentials: Number(d?.credentials ?? 0), attempts: Number(d?.attempts ?? 0) },
  };
}

/**
 * Rejections over time and by riding: per batch, the validator records how many envelopes it
 * refused as duplicates and as invalid, and when; buckets of `bucketMinutes` minutes.
 */
async function rejectionTimeline(db: Queryable, election: ElectionId, bucketMinutes: number) {
  const { rows } = await db.query<{ at: Date | string; accepted: string; duplicates: string; invalid: string }>(
    `SELECT date_bin(make_interval(mins => $2::int), processed_at, timestamptz '2000-01-01') AS at,
            sum(accepted)::text AS accepted, sum(duplicates)::text AS duplicates, sum(invalid)::text AS invalid
       FROM batches WHERE election_id = $1 AND status = 'processed'
      GROUP BY 1 ORDER BY 1`,
    [election, bucketMinutes],
  );
  const ridings = await db.query<{ riding: string; reason: RejectionReason; count: string }>(
    `SELECT s.riding, r.reason, sum(r.count)::text AS count
       FROM rejected_envelopes r JOIN stations s ON s.election_id = r.election_id AND s.station_id = r.station_id
      WHERE r.election_id = $1 GROUP BY s.riding, r.reason ORDER BY s.riding`,
    [election],
  );
  const byRiding = new Map<string, Record<RejectionReason, number>>();
  for (const r of ridings.rows) {
    const counts = byRiding.get(r.riding) ?? { 'invalid-credential': 0, 'wrong-station': 0, duplicate: 0, 'invalid-ballot': 0 };
    counts[r.reason] += Number(r.count);
    byRiding.set(r.riding, counts);
  }
  return {
    bucketMinutes,
    timeline: rows.map((r) => ({
      at: iso(r.at),
      accepted: Number(r.accepted),
      duplicates: Number(r.duplicates),
      invalid: Number(r.invalid),
    })),
    ridings: [...byRiding].map(([riding, counts]) => ({
      riding,
      ...counts,
      all: REJECTION_REASONS.reduce((n, reason) => n + counts[reason], 0),
    })),
  };
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}
