import cookieParser from 'cookie-parser';
import { Router, json } from 'express';
import { rateLimit } from 'express-rate-limit';
import { ElectionIdSchema } from '@scrutin/shared';
import { CONSOLE_API as API, type ResponseOf } from '@scrutin/shared/api';
import type { AppContext } from '../app/context.ts';
import { acceptsCredentials, changeElectionState } from '../elections/lifecycle.ts';
import { credentialProblems, storedElsewhere } from '../credentials/load_checks.ts';
import { insideTransaction } from '../db/database.ts';
import { modeProblems } from '../credentials/production_floor.ts';
import { electionExists, electionState, loadDraftCredentials, saveElection } from '../elections/store.ts';
import { listAudit, recordAudit, UNKNOWN_ACTOR } from '../officials/audit.ts';
import { clearSessionCookie, createAuth, sessionOf, setSessionCookie } from '../officials/auth.ts';
import { alertPage, rejections, stationHealth } from '../officials/monitoring.ts';
import { DEFAULT_LOGIN_POLICY, login, logout } from '../officials/sessions.ts';
import { createOfficial, listOfficials } from '../officials/users.ts';
import { recountFromBallots } from '../results/tally_store.ts';
import { issueToken, issueTokenError, revokeEnrolment } from '../sync/enrolment.ts';
import { clientKey } from './client_address.ts';
import { ApiError, requireJson } from './errors.ts';
import {
  credentialsFrozen,
  electionIdOf,
  electionOf,
  jsonIfAnyBody,
  MAX_ISSUES,
  mount,
  noStore,
  parse,
  stationOf,
  unknownElection,
  unknownStation,
} from './http.ts';

/**
 * The officials' API (docs/operators.md, "Election administration API"; the contract is
 * @scrutin/shared/api): login and sessions, election administration for admins, and the
 * monitoring views officials use on election night. Every route but login needs a session
 * (the endpoint's role); every mutation writes an audit entry naming its actor. The work is
 * in the domain modules (elections/, officials/, credentials/, sync/); these handlers parse,
 * call and answer.
 */

/**
 * Failed logins allowed per client (all officials together) and window, on top of the
 * per-(official, client) back-off. Clients are counted by `clientKey`: all loopback addresses
 * are one client, an IPv6 client is its /64.
 */
export const LOGIN_RATE_LIMIT = { windowMs: 15 * 60_000, limit: 20 } as const;
/** About 100 bytes an entry, with room to spare. */
const CREDENTIALS_BODY_BYTES = 8 * 1024 * 1024;

/** The one answer of every refused login: unknown official, wrong password, backing off, disabled. */
export const LOGIN_REFUSED = 'Wrong username or password.';

export function officialsRoutes(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.services.db;
  const auth = createAuth({ db, now: ctx.now });
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
    keyGenerator: (req) => clientKey(req.ip),
    // clientKey already folds IPv6 into /64s (and loopback into one client).
    validate: { keyGeneratorIpFallback: false },
    handler: (_req, _res, next) => {
      next(new ApiError('rate-limited', 'Too many failed logins from this address. Wait a few minutes and try again.'));
    },
  });

  // --- sessions -------------------------------------------------------------------------

  mount(router, auth, API.login, loginLimiter, ...body, async (req, res) => {
    const request = parse(API.login.body, req.body, 'Send {"username", "password"}.');
    const client = clientKey(req.ip);
    const result = await login(db, request, ctx.now(), client, policy);
    if (result.ok) {
      const session = result.value;
      await recordAudit(db, session.username, 'auth.login', { role: session.role, client });
      ctx.log('official.login', { username: session.username, role: session.role });
      setSessionCookie(req, res, session.token, session.expiresAt);
      res.json({
        username: session.username,
        role: session.role,
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt,
      } satisfies ResponseOf<typeof API.login>);
      return;
    }
    // The reason goes to the audit log and the server's log; the client gets one answer.
    const { reason, username, failures, waitUntil } = result.error;
    const actor = username ?? UNKNOWN_ACTOR;
    await recordAudit(db, actor, 'auth.login_failed', {
      reason,
      client,
      ...(username === undefined ? {} : { failures }),
      ...(waitUntil === undefined ? {} : { waitUntil }),
    });
    ctx.log('official.login_failed', { username: actor, reason, failures, ...(waitUntil === undefined ? {} : { waitUntil }) });
    throw new ApiError('unauthenticated', LOGIN_REFUSED);
  });

  mount(router, auth, API.logout, ...optionalBody, async (req, res) => {
    const session = sessionOf(req);
    await db.transaction(async (tx) => {
      await logout(tx, session.token);
      await recordAudit(tx, session.username, 'auth.logout');
    });
    ctx.log('official.logout', { username: session.username });
    clearSessionCookie(req, res);
    res.status(204).end();
  });

  mount(router, auth, API.me, (req, res) => {
    const { username, role, csrfToken, expiresAt } = sessionOf(req);
    res.json({ username, role, csrfToken, expiresAt } satisfies ResponseOf<typeof API.me>);
  });

  // --- administration (admin) ------------------------------------------------------------

  mount(router, auth, API.saveElection, ...body, async (req, res) => {
    const actor = sessionOf(req).username;
    const outcome = await db.transaction(async (tx) => {
      const id = ElectionIdSchema.safeParse((req.body as { id?: unknown } | null)?.id);
      const existed = id.success && (await electionExists(tx, id.data));
      const saved = await saveElection(insideTransaction(db, tx), req.body, (e) => modeProblems(ctx.config.mode, e));
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
    res
      .status(existed ? 200 : 201)
      .json({ id: e.id, state: 'draft', ridings: e.ridings.length, stations: e.stations.length } satisfies ResponseOf<
        typeof API.saveElection
      >);
  });

  mount(router, auth, API.changeState, ...body, async (req, res) => {
    const actor = sessionOf(req).username;
    const id = electionIdOf(req);
    const change = parse(
      API.changeState.body,
      req.body,
      'Send {"state": "open" | "closed" | "certified"}, with {"override": true, "reason"} to certify over stations not closed and counted.',
    );
    const result = await changeElectionState(db, id, change, actor);
    if (!result.ok) {
      const error = result.error;
      switch (error.kind) {
        case 'unknown-election':
          throw unknownElection(id);
        case 'invalid-transition':
          throw new ApiError(
            'invalid-transition',
            error.allowed === null
              ? `Election ${id} is certified; its state can no longer change.`
              : `Election ${id} is ${error.from}; it can only move to ${error.allowed} (draft → open → closed → certified).`,
            { from: error.from, to: error.to, allowed: error.allowed },
          );
        case 'batches-pending':
          throw new ApiError(
            'batches-pending',
            `${error.stations.length} station(s) are not closed and counted (no final batch, batches not yet processed, or missing sequence numbers); certify once every station is, or override with a reason.`,
            { stations: error.stations },
          );
      }
    }
    const { from, overridden } = result.value;
    if (overridden.length > 0) ctx.log('election.certification_override', { election: id, stations: overridden.length });
    ctx.log('election.state_changed', { election: id, from, to: change.state });
    res.json({
      election: id,
      state: change.state,
      previous: from,
      override: overridden.length > 0,
    } satisfies ResponseOf<typeof API.changeState>);
  });

  mount(router, auth, API.loadCredentials, ...bigBody, async (req, res) => {
    const actor = sessionOf(req).username;
    const election = await electionOf(ctx, req);
    const request = parse(API.loadCredentials.body, req.body, 'Send {"entries": [{"credentialHash", "station"}, ...]}.');
    const state = await electionState(db, election.id);
    if (state === undefined) throw unknownElection(election.id);
    if (!acceptsCredentials(state)) throw credentialsFrozen(election.id, state);
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
    const result = await loadDraftCredentials(
      db,
      ctx.services.dedup,
      election.id,
      request.entries.map((e) => ({ credential: e.credentialHash, station: e.station })),
    );
    if (!result.ok) throw credentialsFrozen(election.id, result.error.state);
    const loaded = result.value;
    const stations = new Set(request.entries.map((e) => e.station)).size;
    await recordAudit(db, actor, 'credentials.loaded', { election: election.id, entries: loaded, stations });
    ctx.log('credentials.load.finished', { election: election.id, entries: loaded, stations });
    res.json({ election: election.id, loaded, stations } satisfies ResponseOf<typeof API.loadCredentials>);
  });

  mount(router, auth, API.enrolmentToken, ...optionalBody, async (req, res) => {
    const actor = sessionOf(req).username;
    const election = await electionOf(ctx, req);
    const station = stationOf(req, election);
    const request = parse(API.enrolmentToken.body, req.body ?? {}, 'Send nothing, or {"ttlHours": n}.');
    const issued = await db.transaction(async (tx) => {
      const ttlHours = request.ttlHours ?? ctx.config.enrolmentTokenTtlHours;
      const token = await issueToken(tx, { election: election.id, station, ttlHours, issuedBy: actor });
      if (!token.ok) throw issueTokenError(token.error, election.id, station);
      await recordAudit(tx, actor, 'station.enrolment_token_issued', { election: election.id, station, expiresAt: token.value.expiresAt });
      return token.value;
    });
    ctx.log('station.enrolment_token_issued', { election: election.id, station, expiresAt: issued.expiresAt });
    res
      .status(201)
      .json({ election: election.id, station, token: issued.token, expiresAt: issued.expiresAt } satisfies ResponseOf<
        typeof API.enrolmentToken
      >);
  });

  mount(router, auth, API.revoke, ...optionalBody, async (req, res) => {
    const actor = sessionOf(req).username;
    const election = await electionOf(ctx, req);
    const station = stationOf(req, election);
    const revoked = await db.transaction(async (tx) => {
      const result = await revokeEnrolment(tx, election.id, station);
      if (result.ok)
        await recordAudit(tx, actor, 'station.revoked', {
          election: election.id,
          station,
          invalidatedTokens: result.value.invalidatedTokens,
        });
      return result;
    });
    if (!revoked.ok) {
      const error = revoked.error;
      switch (error.kind) {
        case 'unknown-station':
          throw unknownStation(election.id, station);
        case 'already-revoked':
          throw new ApiError('station-not-revocable', `Station ${station} was already revoked at ${error.revokedAt}.`, {
            revokedAt: error.revokedAt,
          });
        case 'never-enrolled':
          throw new ApiError('station-not-revocable', `Station ${station} has never been enrolled; there is no key to revoke.`);
      }
    }
    ctx.metrics.stationRekeys.inc({ event: 'revoked' });
    ctx.log('station.revoked', { election: election.id, station, by: actor });
    res.json({ election: election.id, station, revokedAt: revoked.value.revokedAt } satisfies ResponseOf<typeof API.revoke>);
  });

  mount(router, auth, API.officials, async (_req, res) => {
    res.json({ officials: await listOfficials(db, ctx.now()) } satisfies ResponseOf<typeof API.officials>);
  });

  mount(router, auth, API.createOfficial, ...body, async (req, res) => {
    const actor = sessionOf(req).username;
    const request = parse(API.createOfficial.body, req.body, 'Send {"username", "password", "role": "admin" | "official" | "observer"}.');
    const created = await db.transaction(async (tx) => {
      const result = await createOfficial(tx, request);
      if (result.ok) await recordAudit(tx, actor, 'official.created', { username: result.value.username, role: result.value.role });
      return result;
    });
    if (!created.ok) {
      const error = created.error;
      switch (error.kind) {
        case 'exists':
          throw new ApiError('official-exists', `There is already an official named ${error.username}.`);
        case 'common-password':
          throw new ApiError('invalid-request', `The request is not valid (1 problem(s)): ${error.problem}.`, [
            { path: 'password', message: error.problem },
          ]);
      }
    }
    ctx.log('official.created', { username: created.value.username, role: created.value.role, by: actor });
    res.status(201).json(created.value satisfies ResponseOf<typeof API.createOfficial>);
  });

  // --- monitoring (official and up) --------------------------------------------------------

  mount(router, auth, API.stationHealth, async (req, res) => {
    const election = await electionOf(ctx, req);
    res.json({ election: election.id, stations: await stationHealth(db, election.id) } satisfies ResponseOf<typeof API.stationHealth>);
  });

  mount(router, auth, API.alerts, async (req, res) => {
    const election = await electionOf(ctx, req);
    const page = parse(API.alerts.query, req.query, 'Use ?limit=1..500&before=<alert id>.');
    res.json({ election: election.id, ...(await alertPage(db, election.id, page)) } satisfies ResponseOf<typeof API.alerts>);
  });

  mount(router, auth, API.rejections, async (req, res) => {
    const election = await electionOf(ctx, req);
    const query = parse(API.rejections.query, req.query, 'Use ?bucketMinutes=1..1440.');
    res.json({
      election: election.id,
      ...(await rejections(db, election.id, query.bucketMinutes)),
    } satisfies ResponseOf<typeof API.rejections>);
  });

  // Invariant 5: every stored ballot recounted and compared with the live tally, count by count.
  mount(router, auth, API.recount, async (req, res) => {
    const election = await electionOf(ctx, req);
    const report = await recountFromBallots(db, election);
    await recordAudit(db, sessionOf(req).username, 'election.recount', {
      election: election.id,
      ballots: report.ballots,
      equal: report.equal,
    });
    res.json({ election: election.id, ...report } satisfies ResponseOf<typeof API.recount>);
  });

  mount(router, auth, API.audit, async (req, res) => {
    const page = parse(API.audit.query, req.query, 'Use ?limit=1..500&before=<entry id>.');
    res.json((await listAudit(db, page)) satisfies ResponseOf<typeof API.audit>);
  });

  return router;
}
