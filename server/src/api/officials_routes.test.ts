import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  batchHash,
  generateStationKeyPair,
  parseElection,
  sampleElection,
  sampleElectionJson,
  signBatch,
  syntheticElectionJson,
  unwrap,
  type Envelope,
  type Sha256Hex,
  type SignedBatch,
  type StationId,
} from '@scrutin/shared/node';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../app/context.ts';
import { migrate, postgresDatabase, type Database } from '../db/database.ts';
import { NewOfficialSchema, ROLES, type Role } from '@scrutin/shared/api';
import { createOfficial } from '../officials/users.ts';
import { RedisDedupStore } from '../pipeline/dedup.ts';
import type { BatchMessage } from '../pipeline/messages.ts';
import { processBatch } from '../pipeline/validator.ts';
import { envelopeFor, votersOf } from '../testing/fixtures.ts';
import { testAppContext } from '../testing/app_context.ts';
import { createTestDatabase, SERVICE_URLS, testNamespace, type TestDatabase } from '../testing/services.ts';
import { createApp } from './app.ts';
import { MAX_CREDENTIALS_PER_REQUEST } from '@scrutin/shared/api';
import { LOGIN_RATE_LIMIT } from './officials_routes.ts';
import { DEFAULT_LOGIN_POLICY } from '../officials/sessions.ts';

/**
 * The officials' API end to end over HTTP, on the real Postgres and Redis: sessions,
 * login back-off and rate limiting, access control on every route, and election administration.
 */

const PASSWORD = 'a long enough passphrase';
const election = sampleElection();
const A = election.id;
const B = 'lifecycle-b';
const voters = votersOf(election, 4).filter((v) => v.station === 'ST-00001' || v.station === 'ST-00002');
const keys = generateStationKeyPair();

let testDb: TestDatabase;
let db: Database;
let dedup: RedisDedupStore;
let ctx: AppContext;
let app: Express;
const ns = testNamespace();
/** The server's clock: inside the sample election's voting window. */
const clock = new Date('2026-10-05T12:00:00-04:00');

interface Agent {
  readonly username: string;
  readonly role: Role;
  readonly cookie: string;
  readonly csrf: string;
}
const agents = {} as Record<'admin' | 'official' | 'observer', Agent>;

async function loginAs(username: string, password = PASSWORD, on: Express = app): Promise<Agent> {
  const res = await request(on).post('/api/v1/auth/login').send({ username, password });
  expect(res.status).toBe(200);
  const cookie = sessionCookie(res.headers['set-cookie']);
  return { username, role: (res.body as { role: Role }).role, cookie, csrf: (res.body as { csrfToken: string }).csrfToken };
}

function sessionCookie(header: unknown): string {
  const all = Array.isArray(header) ? (header as string[]) : [];
  const found = all.find((c) => c.startsWith('scrutin_session='));
  if (found === undefined) throw new Error('no session cookie');
  return found.split(';')[0] ?? '';
}

/** A request as `agent`, with its CSRF token on mutations. */
function as(agent: Agent, method: 'get' | 'post', path: string, body?: unknown) {
  const r = request(app)[method](path).set('Cookie', agent.cookie);
  if (method === 'get') return r;
  r.set('x-csrf-token', agent.csrf);
  return body === undefined ? r : r.send(body as object);
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: string }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

interface AuditRow {
  readonly actor: string;
  readonly action: string;
  readonly detail: Record<string, unknown>;
}
async function auditSince(id: number): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>('SELECT actor, action, detail FROM audit_log WHERE id > $1 ORDER BY id', [id]);
  return rows;
}
const lastAuditId = () => count('SELECT coalesce(max(id), 0) AS n FROM audit_log');

interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}
const errorOf = (res: { body: unknown }) => (res.body as ErrorBody).error;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = postgresDatabase(testDb.url, 8);
  await migrate(db);
  dedup = new RedisDedupStore(SERVICE_URLS.redis, ns);
  ctx = await testAppContext({ db, databaseUrl: testDb.url, namespace: ns, dedup, name: 'officials-test', now: () => clock });
  app = createApp(ctx);
  for (const role of ['admin', 'official', 'observer'] as const) {
    unwrap(await createOfficial(db, NewOfficialSchema.parse({ username: `${role}-one`, password: PASSWORD, role })));
    agents[role] = await loginAs(`${role}-one`);
  }
});

afterAll(async () => {
  const redis = new Redis(SERVICE_URLS.redis);
  const stale = await redis.keys(`*${ns}*`);
  if (stale.length > 0) await redis.del(...stale);
  redis.disconnect();
  await ctx.limits.close();
  await ctx.services.close();
  await testDb.drop();
});

describe('sessions', () => {
  it('logs in with an httpOnly, SameSite=Strict cookie and a CSRF token, and logs out', async () => {
    const before = await lastAuditId();
    const res = await request(app).post('/api/v1/auth/login').send({ username: 'official-one', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      username: 'official-one',
      role: 'official',
      csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) as unknown,
      expiresAt: new Date(clock.getTime() + 12 * 3_600_000).toISOString(),
    });
    expect(res.headers['cache-control']).toBe('no-store');
    const setCookie = (res.headers['set-cookie'] as unknown as string[])[0] ?? '';
    expect(setCookie).toMatch(/^scrutin_session=[A-Za-z0-9_-]{43}; Path=\/api\/v1; Expires=.+; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toMatch(/Secure/); // plain HTTP here; Secure is set when the request came over HTTPS
    const agent: Agent = {
      username: 'official-one',
      role: 'official',
      cookie: sessionCookie(res.headers['set-cookie']),
      csrf: (res.body as { csrfToken: string }).csrfToken,
    };

    const me = await as(agent, 'get', '/api/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'official-one', role: 'official', csrfToken: agent.csrf });

    const out = await as(agent, 'post', '/api/v1/auth/logout');
    expect(out.status).toBe(204);
    expect((out.headers['set-cookie'] as unknown as string[])[0]).toMatch(/^scrutin_session=; Path=\/api\/v1; Expires=Thu, 01 Jan 1970/);
    expect(errorOf(await as(agent, 'get', '/api/v1/auth/me'))).toMatchObject({ code: 'unauthenticated' });
    expect((await auditSince(before)).map((r) => [r.actor, r.action])).toEqual([
      ['official-one', 'auth.login'],
      ['official-one', 'auth.logout'],
    ]);
  });

  it('refuses a wrong password and an unknown username with the same answer, and audits them', async () => {
    const before = await lastAuditId();
    const wrong = await request(app).post('/api/v1/auth/login').send({ username: 'official-one', password: 'not the password' });
    const unknown = await request(app).post('/api/v1/auth/login').send({ username: 'nobody', password: PASSWORD });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(errorOf(res)).toEqual({ code: 'unauthenticated', message: 'Wrong username or password.' });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    expect((await auditSince(before)).map((r) => [r.actor, r.action, r.detail])).toEqual([
      ['official-one', 'auth.login_failed', { reason: 'wrong-password', client: 'loopback', failures: 1 }],
      ['(unknown)', 'auth.login_failed', { reason: 'unknown-official', client: 'loopback' }],
    ]);
    const malformed = await request(app).post('/api/v1/auth/login').send({ username: 'official-one' });
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed).code).toBe('invalid-request');
    await loginAs('official-one'); // clears this client's count
  });

  it('never locks an official out: a stranger’s failures back off that stranger only, with the one same answer', async () => {
    unwrap(await createOfficial(db, NewOfficialSchema.parse({ username: 'locky', password: PASSWORD, role: 'observer' })));
    const before = await lastAuditId();
    // The stranger's guesses come through a trusted proxy (TRUST_PROXY) from their own address.
    const proxied = createApp({ ...ctx, config: { ...ctx.config, trustProxy: ['loopback'] } });
    const from = (ip: string, password: string) =>
      request(proxied).post('/api/v1/auth/login').set('x-forwarded-for', ip).send({ username: 'locky', password });
    const answers = [];
    for (let i = 1; i <= 8; i += 1) answers.push(await from('198.51.100.66', `guess number ${i}`));
    // Waiting now, the stranger's right guess gets the very answer a wrong one gets.
    answers.push(await from('198.51.100.66', PASSWORD));
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'unauthenticated', message: 'Wrong username or password.' } });
      expect(res.headers['retry-after']).toBeUndefined();
    }
    // The real official, from their own address, logs in at once.
    const real = await from('192.0.2.10', PASSWORD);
    expect(real.status).toBe(200);
    const audit = await auditSince(before);
    expect(audit.filter((r) => r.action === 'auth.login_failed').map((r) => r.detail.reason)).toEqual([
      ...Array<string>(DEFAULT_LOGIN_POLICY.freeFailures + 1).fill('wrong-password'),
      ...Array<string>(8 - DEFAULT_LOGIN_POLICY.freeFailures - 1 + 1).fill('backing-off'),
    ]);
    expect(audit.filter((r) => r.action === 'auth.login_failed').every((r) => r.detail.client === '198.51.100.66')).toBe(true);
    expect(audit.at(-1)).toMatchObject({ actor: 'locky', action: 'auth.login', detail: { client: '192.0.2.10' } });
  });

  it('limits failed logins per client address', async () => {
    const fresh = createApp(ctx); // its own rate-limit counters
    for (let i = 0; i < LOGIN_RATE_LIMIT.limit; i += 1) {
      const res = await request(fresh)
        .post('/api/v1/auth/login')
        .send({ username: `stranger-${i}`, password: 'whatever it is' });
      expect(res.status).toBe(401);
    }
    const limited = await request(fresh).post('/api/v1/auth/login').send({ username: 'admin-one', password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(errorOf(limited).code).toBe('rate-limited');
  });

  it('accepts only JSON login requests (no cross-site form posts)', async () => {
    const res = await request(app).post('/api/v1/auth/login').type('form').send('username=admin-one&password=x');
    expect(res.status).toBe(415);
    expect(errorOf(res).code).toBe('unsupported-media-type');
  });
});

interface RouteCase {
  readonly method: 'get' | 'post';
  readonly path: string;
  readonly role: Role;
  readonly body?: unknown;
}

/** Every route behind a session, with the lowest role it admits. */
const ROUTES: readonly RouteCase[] = [
  { method: 'get', path: '/api/v1/auth/me', role: 'observer' },
  { method: 'post', path: '/api/v1/auth/logout', role: 'observer' },
  { method: 'post', path: '/api/v1/admin/elections', role: 'admin', body: sampleElectionJson() },
  { method: 'post', path: `/api/v1/admin/elections/${A}/state`, role: 'admin', body: { state: 'open' } },
  {
    method: 'post',
    path: `/api/v1/admin/elections/${A}/credentials`,
    role: 'admin',
    body: { entries: voters.map((v) => ({ credentialHash: v.credentialHash, station: v.station })) },
  },
  { method: 'post', path: `/api/v1/admin/elections/${A}/stations/ST-00001/enrolment-token`, role: 'admin' },
  { method: 'post', path: `/api/v1/admin/elections/${A}/stations/ST-00001/revoke`, role: 'admin' },
  { method: 'get', path: '/api/v1/admin/officials', role: 'admin' },
  { method: 'post', path: '/api/v1/admin/officials', role: 'admin', body: { username: 'sneaky', password: PASSWORD, role: 'admin' } },
  { method: 'get', path: `/api/v1/admin/elections/${A}/stations`, role: 'official' },
  { method: 'get', path: `/api/v1/admin/elections/${A}/alerts`, role: 'official' },
  { method: 'get', path: `/api/v1/admin/elections/${A}/rejections`, role: 'official' },
  { method: 'get', path: `/api/v1/admin/elections/${A}/recount`, role: 'official' },
  { method: 'get', path: '/api/v1/admin/audit', role: 'official' },
];

/** What a refused request must leave untouched. */
async function snapshot() {
  return {
    audit: await lastAuditId(),
    elections: await count('SELECT count(*) AS n FROM elections'),
    officials: await count('SELECT count(*) AS n FROM officials'),
    sessions: await count('SELECT count(*) AS n FROM sessions'),
    tokens: await count('SELECT count(*) AS n FROM enrolment_tokens'),
    credentials: await count('SELECT count(*) AS n FROM credentials'),
  };
}

describe('access control on every officials route', () => {
  it.each(ROUTES)('$method $path: 401 without a session', async ({ method, path, body }) => {
    const before = await snapshot();
    const bare = request(app)[method](path);
    const res = method === 'post' ? await bare.send(body ?? {}) : await bare;
    expect(res.status).toBe(401);
    expect(errorOf(res).code).toBe('unauthenticated');
    const forged = request(app)[method](path).set('Cookie', 'scrutin_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(errorOf(method === 'post' ? await forged.send(body ?? {}) : await forged).code).toBe('unauthenticated');
    expect(await snapshot()).toEqual(before);
  });

  it.each(ROUTES.filter((r) => r.role !== 'observer'))(
    '$method $path: 403 for a role below $role',
    async ({ method, path, role, body }) => {
      const before = await snapshot();
      for (const low of ROLES.slice(0, ROLES.indexOf(role))) {
        const res = await as(agents[low], method, path, body);
        expect(res.status).toBe(403);
        expect(errorOf(res).code).toBe('forbidden');
      }
      expect(await snapshot()).toEqual(before);
    },
  );

  it.each(ROUTES.filter((r) => r.method === 'post'))('$method $path: 403 without or with a wrong CSRF token', async ({ path, body }) => {
    const before = await snapshot();
    const admin = agents.admin;
    const missing = await request(app)
      .post(path)
      .set('Cookie', admin.cookie)
      .send(body ?? {});
    expect(missing.status).toBe(403);
    expect(errorOf(missing).code).toBe('csrf-token-invalid');
    const wrong = await request(app)
      .post(path)
      .set('Cookie', admin.cookie)
      .set('x-csrf-token', agents.official.csrf)
      .send(body ?? {});
    expect(wrong.status).toBe(403);
    expect(errorOf(wrong).code).toBe('csrf-token-invalid');
    expect(await snapshot()).toEqual(before);
    expect((await as(admin, 'get', '/api/v1/auth/me')).status).toBe(200); // the session survived the refused logout
  });
});

describe('election definitions', () => {
  it('refuses a bad definition with every issue and its path, and stores nothing', async () => {
    const before = await snapshot();
    const bad = structuredClone(sampleElectionJson()) as {
      id: string;
      opensAt: string;
      stations: { riding: string }[];
      parties: unknown[];
    };
    bad.id = 'Not An Id';
    bad.opensAt = 'tomorrow';
    (bad.stations[2] as { riding: string }).riding = 'NOWHERE';
    const res = await as(agents.admin, 'post', '/api/v1/admin/elections', bad);
    expect(res.status).toBe(422);
    const error = errorOf(res);
    expect(error.code).toBe('invalid-definition');
    const issues = error.details as { path: string; message: string }[];
    expect(error.message).toBe(`The election definition has ${issues.length} problem(s); nothing was stored.`);
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['id', 'opensAt', 'stations[2].riding']));
    for (const issue of issues) expect(issue.message).not.toBe('');
    expect(await snapshot()).toEqual(before);
  });

  it('stores a definition, replaces it while it is a draft, and audits both', async () => {
    const before = await lastAuditId();
    const created = await as(agents.admin, 'post', '/api/v1/admin/elections', sampleElectionJson());
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: A, state: 'draft', ridings: election.ridings.length, stations: election.stations.length });
    const replaced = await as(agents.admin, 'post', '/api/v1/admin/elections', sampleElectionJson());
    expect(replaced.status).toBe(200);
    expect(await count('SELECT count(*) AS n FROM stations WHERE election_id = $1', [A])).toBe(election.stations.length);
    expect(await auditSince(before)).toEqual([
      { actor: 'admin-one', action: 'election.saved', detail: { election: A, created: true, ridings: 6, stations: 18 } },
      { actor: 'admin-one', action: 'election.saved', detail: { election: A, created: false, ridings: 6, stations: 18 } },
    ]);
  });
});

describe('the election lifecycle', () => {
  const state = (body: unknown, id = B) => as(agents.admin, 'post', `/api/v1/admin/elections/${id}/state`, body);

  it('moves draft → open → closed → certified, in that order only', async () => {
    expect(
      (await as(agents.admin, 'post', '/api/v1/admin/elections', syntheticElectionJson({ ridings: 2, stations: 2, voters: 20, id: B })))
        .status,
    ).toBe(201);
    const before = await lastAuditId();
    for (const target of ['closed', 'certified', 'draft']) {
      const res = await state({ state: target });
      expect(res.status).toBe(409);
      expect(errorOf(res)).toMatchObject({ code: 'invalid-transition', details: { from: 'draft', to: target, allowed: 'open' } });
    }
    expect((await state({ state: 'open' })).body).toEqual({ election: B, state: 'open', previous: 'draft', override: false });
    for (const target of ['open', 'draft', 'certified']) expect(errorOf(await state({ state: target })).code).toBe('invalid-transition');

    const redefine = await as(
      agents.admin,
      'post',
      '/api/v1/admin/elections',
      syntheticElectionJson({ ridings: 2, stations: 2, voters: 20, id: B }),
    );
    expect(redefine.status).toBe(409);
    expect(errorOf(redefine)).toMatchObject({ code: 'not-editable', details: { state: 'open' } });

    expect((await state({ state: 'closed' })).status).toBe(200);
    // No station ever reported or closed: certification is refused, every station listed.
    const unreported = await state({ state: 'certified' });
    expect(unreported.status).toBe(409);
    expect(errorOf(unreported)).toMatchObject({
      code: 'batches-pending',
      details: {
        stations: [
          { station: 'ST-00001', reported: false, closed: false, unprocessed: 0, missing: 0 },
          { station: 'ST-00002', reported: false, closed: false, unprocessed: 0, missing: 0 },
        ],
      },
    });
    const reason = 'Test election: no station took part, certified empty on purpose.';
    expect((await state({ state: 'certified', override: true, reason })).body).toEqual({
      election: B,
      state: 'certified',
      previous: 'closed',
      override: true,
    });
    const listed = (await as(agents.official, 'get', '/api/v1/elections')).body as {
      elections: { id: string; certificationOverride: unknown }[];
    };
    expect(listed.elections.find((e) => e.id === B)?.certificationOverride).toEqual({
      reason,
      stations: 2,
      at: expect.any(String) as unknown,
    });
    const final = await state({ state: 'open' });
    expect(errorOf(final)).toMatchObject({
      code: 'invalid-transition',
      message: `Election ${B} is certified; its state can no longer change.`,
    });
    expect(await count("SELECT count(*) AS n FROM elections WHERE id = $1 AND state = 'certified'", [B])).toBe(1);
    expect((await auditSince(before)).map((r) => [r.action, r.detail.from, r.detail.to])).toEqual([
      ['election.state_changed', 'draft', 'open'],
      ['election.state_changed', 'open', 'closed'],
      ['election.certified_with_override', undefined, undefined],
      ['election.state_changed', 'closed', 'certified'],
    ]);
  });

  it('answers 404 for an unknown election and 400 for an unknown state', async () => {
    expect(errorOf(await state({ state: 'open' }, 'no-such-election')).code).toBe('unknown-election');
    expect(errorOf(await state({ state: 'open' }, 'Bad Id!')).code).toBe('unknown-election');
    const res = await state({ state: 'finished' });
    expect(res.status).toBe(400);
    expect(errorOf(res).code).toBe('invalid-request');
  });
});

describe('running an election: credentials, enrolment, sync health, certification', () => {
  const sent = new Map<number, { signed: SignedBatch; message: BatchMessage }>();

  function batch(
    sequence: number,
    previous: Sha256Hex | null,
    envelopes: Envelope[],
  ): { signed: SignedBatch; message: BatchMessage; batchHash: Sha256Hex } {
    const signed = signBatch(
      { election: A, station: 'ST-00001' as StationId, mode: 'live', sequence, previousBatchHash: previous, final: false, envelopes },
      keys.privateKeyPem,
    );
    const hash = batchHash(signed.header);
    return {
      signed,
      batchHash: hash,
      message: { election: A, station: 'ST-00001' as StationId, sequence, batchHash: hash, receivedAtMs: Date.now(), envelopes },
    };
  }

  it('loads credentials only for the election’s stations, once per credential', async () => {
    const entries = voters.map((v) => ({ credentialHash: v.credentialHash, station: v.station }));

    const before = await snapshot();
    const foreign = await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/credentials`, {
      entries: [...entries, { credentialHash: 'a'.repeat(64), station: 'ST-99999' }],
    });
    expect(foreign.status).toBe(400);
    expect(errorOf(foreign)).toMatchObject({
      code: 'invalid-request',
      details: [{ path: `entries[${entries.length}].station`, message: `station ST-99999 is not part of election ${A}` }],
    });
    const malformed = await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/credentials`, {
      entries: [{ credentialHash: 'XYZ', station: 'ST-00001' }],
    });
    expect(errorOf(malformed)).toMatchObject({ code: 'invalid-request', details: [{ path: 'entries[0].credentialHash' }] });
    expect(await snapshot()).toEqual(before);

    const res = await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/credentials`, { entries });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ election: A, loaded: entries.length, stations: 2 });
    expect(await count('SELECT count(*) AS n FROM credentials WHERE election_id = $1', [A])).toBe(entries.length);
    expect(await dedup.isLoaded(A)).toBe(true);

    const moved = await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/credentials`, {
      entries: [{ credentialHash: voters[0]?.credentialHash, station: 'ST-00003' }],
    });
    expect(moved.status).toBe(409);
    expect(errorOf(moved)).toMatchObject({
      code: 'credential-conflict',
      details: [{ path: 'entries[0].credentialHash', message: 'this credential is already loaded for station ST-00001' }],
    });
    expect((await auditSince(before.audit)).map((r) => [r.action, r.detail])).toEqual([
      ['credentials.loaded', { election: A, entries: entries.length, stations: 2 }],
    ]);
  });

  it(`loads ${MAX_CREDENTIALS_PER_REQUEST} credentials in one request, and refuses one more`, async () => {
    const many = Array.from({ length: MAX_CREDENTIALS_PER_REQUEST }, (_, i) => ({
      credentialHash: randomBytes(32).toString('hex'),
      station: election.stations[i % election.stations.length]?.id,
    }));
    const res = await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/credentials`, { entries: many });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ election: A, loaded: MAX_CREDENTIALS_PER_REQUEST, stations: election.stations.length });
    const tooMany = await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/credentials`, { entries: [...many, many[0]] });
    expect(errorOf(tooMany)).toMatchObject({
      code: 'invalid-request',
      details: [{ path: 'entries', message: `send at most ${MAX_CREDENTIALS_PER_REQUEST} entries per request` }],
    });
  });

  it('freezes the credentials once the election opens: loading or generating more is a 409, and nothing is added', async () => {
    expect((await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/state`, { state: 'open' })).status).toBe(200);
    const before = await snapshot();
    // The audit's attack: one more voter (or a second card for one) slipped in during the vote.
    const extra = await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/credentials`, {
      entries: [{ credentialHash: 'c'.repeat(64), station: 'ST-00001' }],
    });
    expect(extra.status).toBe(409);
    expect(errorOf(extra)).toMatchObject({ code: 'not-editable', details: { state: 'open', reason: 'credentials-frozen' } });
    const job = await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/credentials/jobs`);
    expect(job.status).toBe(409);
    expect(errorOf(job)).toMatchObject({ code: 'not-editable', details: { state: 'open', reason: 'credentials-frozen' } });
    expect(await snapshot()).toEqual(before);
  });

  it('issues an enrolment token once, enrols the station with it, and revokes a station', async () => {
    const notEnrolled = await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/stations/ST-00002/revoke`);
    expect(notEnrolled.status).toBe(409);
    expect(errorOf(notEnrolled).code).toBe('station-not-revocable');
    expect(errorOf(await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/stations/ST-99999/enrolment-token`)).code).toBe(
      'unknown-station',
    );

    const before = await lastAuditId();
    const issued = await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/stations/ST-00001/enrolment-token`);
    expect(issued.status).toBe(201);
    const { token, expiresAt } = issued.body as { token: string; expiresAt: string };
    expect(token.length).toBeGreaterThanOrEqual(20);
    const enrol = await request(app)
      .post('/api/v1/stations/enrol')
      .send({ election: A, station: 'ST-00001', token, publicKey: keys.publicKey });
    expect(enrol.status).toBe(200);

    const other = await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/stations/ST-00002/enrolment-token`, { ttlHours: 1 });
    const otherToken = (other.body as { token: string }).token;
    expect(
      (
        await request(app)
          .post('/api/v1/stations/enrol')
          .send({ election: A, station: 'ST-00002', token: otherToken, publicKey: generateStationKeyPair().publicKey })
      ).status,
    ).toBe(200);
    const revoked = await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/stations/ST-00002/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ election: A, station: 'ST-00002', revokedAt: expect.any(String) as unknown });
    expect(errorOf(await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/stations/ST-00002/revoke`)).code).toBe(
      'station-not-revocable',
    );

    const audit = await auditSince(before);
    expect(audit.map((r) => [r.action, r.detail.station])).toEqual([
      ['station.enrolment_token_issued', 'ST-00001'],
      ['station.enrolled', 'ST-00001'],
      ['station.enrolment_token_issued', 'ST-00002'],
      ['station.enrolled', 'ST-00002'],
      ['station.revoked', 'ST-00002'],
    ]);
    expect(audit[0]?.detail).toEqual({ election: A, station: 'ST-00001', expiresAt });
    expect(JSON.stringify(audit)).not.toContain(token);
  });

  it('shows each station’s sync health: batches, gaps and alerts', async () => {
    const at1 = voters.filter((v) => v.station === 'ST-00001');
    const first = batch(
      1,
      null,
      at1.slice(0, 2).map((v) => envelopeFor(election, v)),
    );
    // Sequence 2 never arrives; sequence 3 repeats a credential already used in sequence 1.
    const third = batch(
      3,
      first.batchHash,
      [at1[2], at1[0]].map((v) => envelopeFor(election, v!)),
    );
    for (const m of [first, third]) {
      const res = await request(app).post('/api/v1/sync/batches').send(m.signed);
      expect(res.status).toBe(202);
      sent.set(m.signed.header.sequence, m);
    }
    const equivocation = batch(1, null, [envelopeFor(election, at1[3]!)]);
    expect(errorOf(await request(app).post('/api/v1/sync/batches').send(equivocation.signed)).code).toBe('sequence-conflict');

    const res = await as(agents.official, 'get', `/api/v1/admin/elections/${A}/stations`);
    expect(res.status).toBe(200);
    const stations = (res.body as { stations: { station: string }[] }).stations;
    expect(stations).toHaveLength(election.stations.length);
    expect(stations.find((s) => s.station === 'ST-00001')).toEqual({
      station: 'ST-00001',
      riding: election.stations[0]?.riding,
      enrolled: true,
      enrolledAt: expect.any(String) as unknown,
      revoked: false,
      revokedAt: null,
      lastSyncAt: clock.toISOString(),
      batches: { received: 2, processed: 0, pending: 2 },
      highestSequence: 3,
      closed: false,
      missingSequences: [{ from: 2, to: 2 }],
      missingCount: 1,
      alerts: 1,
    });
    expect(stations.find((s) => s.station === 'ST-00002')).toMatchObject({
      enrolled: true,
      revoked: true,
      batches: { received: 0, processed: 0, pending: 0 },
      highestSequence: 0,
      missingSequences: [],
      alerts: 0,
    });
    expect(stations.find((s) => s.station === 'ST-00003')).toMatchObject({ enrolled: false, revoked: false, lastSyncAt: null });

    const alerts = await as(agents.official, 'get', `/api/v1/admin/elections/${A}/alerts`);
    expect(alerts.body).toEqual({
      election: A,
      alerts: [
        {
          id: expect.any(Number) as unknown,
          station: 'ST-00001',
          kind: 'equivocation',
          detail: expect.objectContaining({ sequence: 1 }) as unknown,
          raisedAt: expect.any(String) as unknown,
        },
      ],
      next: null,
    });
  });

  it('refuses to certify while stations are not closed, or batches unprocessed or missing, unless overridden with a reason', async () => {
    const certify = (body: unknown) => as(agents.admin, 'post', `/api/v1/admin/elections/${A}/state`, body);
    expect((await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/state`, { state: 'closed' })).status).toBe(200);
    const silent = (station: string) => ({ station, reported: false, closed: false, unprocessed: 0, missing: 0 });
    const others = election.stations.filter((s) => s.id !== 'ST-00001').map((s) => silent(s.id));

    const pending = await certify({ state: 'certified' });
    expect(pending.status).toBe(409);
    expect(errorOf(pending)).toMatchObject({
      code: 'batches-pending',
      details: { stations: [{ station: 'ST-00001', reported: true, closed: false, unprocessed: 2, missing: 1 }, ...others] },
    });

    // The validator processes what arrived; the gap remains, and no station has closed.
    const deps = { db, dedup, elections: ctx.elections, pipelineKey: ctx.pipelineKey };
    for (const m of sent.values()) await processBatch(deps, election, m.message);
    const gap = await certify({ state: 'certified' });
    expect(errorOf(gap)).toMatchObject({
      code: 'batches-pending',
      details: { stations: [{ station: 'ST-00001', reported: true, closed: false, unprocessed: 0, missing: 1 }, ...others] },
    });
    // Nothing is complete, so no riding is.
    const results = (await as(agents.official, 'get', `/api/v1/elections/${A}/results`)).body as {
      ridingsReporting: { complete: number };
      stations: { total: number; reporting: number; closed: number };
    };
    expect(results.ridingsReporting.complete).toBe(0);
    expect(results.stations).toEqual({ total: election.stations.length, reporting: 1, closed: 0 });

    const rejections = await as(agents.official, 'get', `/api/v1/admin/elections/${A}/rejections`);
    expect(rejections.body).toEqual({
      election: A,
      totals: { 'invalid-credential': 0, 'wrong-station': 0, duplicate: 1, 'invalid-ballot': 0, all: 1 },
      stations: [{ station: 'ST-00001', 'invalid-credential': 0, 'wrong-station': 0, duplicate: 1, 'invalid-ballot': 0, all: 1 }],
      duplicateAttempts: { credentials: 1, attempts: 1 },
      ridings: [
        {
          riding: election.stations.find((s) => s.id === 'ST-00001')?.riding,
          'invalid-credential': 0,
          'wrong-station': 0,
          duplicate: 1,
          'invalid-ballot': 0,
          all: 1,
        },
      ],
      bucketMinutes: 5,
      timeline: expect.any(Array) as unknown,
    });
    const timeline = (rejections.body as { timeline: { at: string; duplicates: number; invalid: number }[] }).timeline;
    expect(timeline.reduce((n, b) => n + b.duplicates, 0)).toBe(1);
    expect(timeline.every((b) => /^\d{4}-\d\d-\d\dT\d\d:\d[05]:00\.000Z$/.test(b.at))).toBe(true);

    const recount = await as(agents.official, 'get', `/api/v1/admin/elections/${A}/recount`);
    expect(recount.status).toBe(200);
    expect(recount.body).toMatchObject({ election: A, equal: true, differences: [] });
    expect((recount.body as { ballots: number }).ballots).toBeGreaterThan(0);

    const noReason = await certify({ state: 'certified', override: true });
    expect(errorOf(noReason)).toMatchObject({
      code: 'invalid-request',
      details: [{ path: 'reason', message: 'an override needs a reason' }],
    });
    expect(await count("SELECT count(*) AS n FROM elections WHERE id = $1 AND state = 'closed'", [A])).toBe(1);

    const before = await lastAuditId();
    const reason = 'Kiosk of ST-00001 lost batch 2 in a power failure; its paper closing report was reconciled by hand.';
    const overridden = await certify({ state: 'certified', override: true, reason });
    expect(overridden.status).toBe(200);
    expect(overridden.body).toEqual({ election: A, state: 'certified', previous: 'closed', override: true });
    expect(await auditSince(before)).toEqual([
      {
        actor: 'admin-one',
        action: 'election.certified_with_override',
        detail: {
          election: A,
          reason,
          stations: [{ station: 'ST-00001', reported: true, closed: false, unprocessed: 0, missing: 1 }, ...others],
        },
      },
      { actor: 'admin-one', action: 'election.state_changed', detail: { election: A, from: 'closed', to: 'certified', override: true } },
    ]);

    const late = await as(agents.admin, 'post', `/api/v1/admin/elections/${A}/credentials`, {
      entries: [{ credentialHash: 'b'.repeat(64), station: 'ST-00001' }],
    });
    expect(errorOf(late)).toMatchObject({ code: 'not-editable', details: { state: 'certified' } });
  });
});

describe('officials and the audit log', () => {
  it('lets an admin create officials with a role, refusing weak passwords and taken names', async () => {
    const before = await snapshot();
    const weak = await as(agents.admin, 'post', '/api/v1/admin/officials', { username: 'newbie', password: 'short', role: 'official' });
    expect(weak.status).toBe(400);
    expect(errorOf(weak)).toMatchObject({
      code: 'invalid-request',
      details: [{ path: 'password', message: 'a password needs at least 12 characters' }],
    });
    expect(JSON.stringify(weak.body)).not.toContain('short');
    // The audit's password: long enough, but on every list of common passwords.
    const common = await as(agents.admin, 'post', '/api/v1/admin/officials', {
      username: 'newbie',
      password: 'password1234',
      role: 'official',
    });
    expect(common.status).toBe(400);
    expect(errorOf(common)).toMatchObject({
      code: 'invalid-request',
      details: [{ path: 'password', message: 'this password is on a list of common passwords: choose another' }],
    });
    expect(await snapshot()).toEqual(before);

    const created = await as(agents.admin, 'post', '/api/v1/admin/officials', { username: 'newbie', password: PASSWORD, role: 'official' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'newbie', role: 'official', failedLogins: 0, lockedUntil: null, disabledAt: null });
    expect(
      errorOf(await as(agents.admin, 'post', '/api/v1/admin/officials', { username: 'newbie', password: PASSWORD, role: 'admin' })).code,
    ).toBe('official-exists');
    expect((await loginAs('newbie')).role).toBe('official');

    const list = await as(agents.admin, 'get', '/api/v1/admin/officials');
    const officials = (list.body as { officials: { username: string; role: string }[] }).officials;
    expect(officials.map((o) => [o.username, o.role])).toEqual(
      expect.arrayContaining([
        ['newbie', 'official'],
        ['admin-one', 'admin'],
      ]),
    );
    expect(JSON.stringify(list.body)).not.toContain('scrypt');
    expect((await auditSince(before.audit)).map((r) => [r.actor, r.action, r.detail])).toEqual([
      ['admin-one', 'official.created', { username: 'newbie', role: 'official' }],
      ['newbie', 'auth.login', { role: 'official', client: 'loopback' }],
    ]);
  });

  it('shows the audit log newest first, a page at a time, to officials', async () => {
    const first = await as(agents.official, 'get', '/api/v1/admin/audit?limit=3');
    expect(first.status).toBe(200);
    const page = first.body as { entries: { id: number; actor: string; action: string }[]; next: number };
    expect(page.entries.map((e) => e.action)).toEqual(['auth.login', 'official.created', 'election.state_changed']);
    const second = await as(agents.official, 'get', `/api/v1/admin/audit?limit=3&before=${page.next}`);
    const older = (second.body as { entries: { id: number }[] }).entries;
    expect(older).toHaveLength(3);
    expect(Math.max(...older.map((e) => e.id))).toBeLessThan(Math.min(...page.entries.map((e) => e.id)));
    expect(errorOf(await as(agents.official, 'get', '/api/v1/admin/audit?limit=100000')).code).toBe('invalid-request');
  });

  it('lets an admin disable an official (their session ends, their logins are refused like any other) and enable them again, audited', async () => {
    unwrap(await createOfficial(db, NewOfficialSchema.parse({ username: 'leaving', password: PASSWORD, role: 'official' })));
    const leaving = await loginAs('leaving');
    expect((await as(leaving, 'get', '/api/v1/auth/me')).status).toBe(200);
    const before = await lastAuditId();

    const disabled = await as(agents.admin, 'post', '/api/v1/admin/officials/leaving/disable');
    expect(disabled.status).toBe(200);
    expect(disabled.body).toEqual({ username: 'leaving', disabledAt: clock.toISOString(), changed: true, sessionsEnded: 1 });
    // The open session is over at once, and the right password opens none.
    expect(errorOf(await as(leaving, 'get', '/api/v1/auth/me')).code).toBe('unauthenticated');
    const refused = await request(app).post('/api/v1/auth/login').send({ username: 'leaving', password: PASSWORD });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: { code: 'unauthenticated', message: 'Wrong username or password.' } });
    const listed = (await as(agents.admin, 'get', '/api/v1/admin/officials')).body as {
      officials: { username: string; disabledAt: string | null }[];
    };
    expect(listed.officials.find((o) => o.username === 'leaving')?.disabledAt).toBe(clock.toISOString());

    const self = await as(agents.admin, 'post', '/api/v1/admin/officials/admin-one/disable');
    expect(self.status).toBe(400);
    expect(errorOf(self).code).toBe('invalid-request');
    expect(errorOf(await as(agents.admin, 'post', '/api/v1/admin/officials/nobody-here/disable')).code).toBe('unknown-official');

    const enabled = await as(agents.admin, 'post', '/api/v1/admin/officials/leaving/enable');
    expect(enabled.body).toEqual({ username: 'leaving', disabledAt: null, changed: true, sessionsEnded: 0 });
    await loginAs('leaving');
    expect((await auditSince(before)).map((r) => [r.actor, r.action, r.detail])).toEqual([
      ['admin-one', 'official.disabled', { username: 'leaving', changed: true, sessionsEnded: 1 }],
      ['leaving', 'auth.login_failed', { reason: 'disabled', client: 'loopback', failures: 1 }],
      ['admin-one', 'official.enabled', { username: 'leaving', changed: true }],
      ['leaving', 'auth.login', { role: 'official', client: 'loopback' }],
    ]);
  });
});

describe('station kits', () => {
  it('name PUBLIC_URL (or the loopback address the API listens on) as the central URL, never the request’s Host header', async () => {
    const C = 'kit-url';
    const definition = syntheticElectionJson({ ridings: 1, stations: 1, voters: 10, id: C });
    expect((await as(agents.admin, 'post', '/api/v1/admin/elections', definition)).status).toBe(201);
    const station = unwrap(parseElection(definition)).stations[0]?.id ?? '';
    const started = await as(agents.admin, 'post', `/api/v1/admin/elections/${C}/credentials/jobs`);
    expect(started.status).toBe(202);
    for (let i = 0; i < 600; i += 1) {
      const latest = await as(agents.admin, 'get', `/api/v1/admin/elections/${C}/credentials/jobs/latest`);
      const phase = (latest.body as { job: { phase: string } | null }).job?.phase;
      if (phase === 'done') break;
      expect(phase).not.toBe('failed');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const pollWorkers = [
      { name: 'Alice', pin: '482916' },
      { name: 'Bob', pin: '730155' },
    ];
    const kitUrl = async (on: Express) => {
      const admin = await loginAs('admin-one', PASSWORD, on);
      const res = await request(on)
        .post(`/api/v1/admin/elections/${C}/stations/${station}/kit`)
        .set('Cookie', admin.cookie)
        .set('x-csrf-token', admin.csrf)
        // The audit's attack: a Host header of the attacker's choosing.
        .set('Host', 'central.attacker.example')
        .set('X-Forwarded-Host', 'central.attacker.example')
        .buffer(true)
        .parse((response, done) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => {
            done(null, Buffer.concat(chunks));
          });
        })
        .send({ pollWorkers });
      if (res.status !== 200) return { status: res.status, body: JSON.parse((res.body as Buffer).toString('utf8')) as unknown };
      const dir = mkdtempSync(join(tmpdir(), 'scrutin-kit-url-'));
      try {
        writeFileSync(join(dir, 'kit.tar'), res.body as Buffer);
        const kit = JSON.parse(execFileSync('tar', ['-xOf', 'kit.tar', `${station}/kit.json`], { cwd: dir, encoding: 'utf8' })) as {
          centralUrl: string;
          centralPublicKey: string;
          centralExportKey: string;
        };
        // The kit carries both central keys: receipts are checked with one, USB exports sealed to the other.
        expect(kit.centralPublicKey).toBe(ctx.centralKey.publicKey);
        expect(kit.centralExportKey).toBe(ctx.centralExportKey.publicKey);
        return { status: 200, centralUrl: kit.centralUrl };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    const configured = await kitUrl(createApp({ ...ctx, config: { ...ctx.config, publicUrl: 'https://elections.example.org' } }));
    expect(configured).toEqual({ status: 200, centralUrl: 'https://elections.example.org' });
    const local = await kitUrl(app);
    expect(local.status).toBe(200);
    expect(local.centralUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const unset = await kitUrl(createApp({ ...ctx, config: { ...ctx.config, host: '0.0.0.0' } }));
    expect(unset).toMatchObject({ status: 503, body: { error: { code: 'service-unavailable' } } });
  }, 120_000);
});
