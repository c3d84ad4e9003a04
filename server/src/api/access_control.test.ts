import { parseElection, sampleElection, sampleElectionJson, unwrap } from '@scrutin/shared/node';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../app/context.ts';
import { migrate, postgresDatabase, type Database } from '../db/database.ts';
import { saveElection, setElectionState } from '../elections/store.ts';
import { CONSOLE_API, NewOfficialSchema, ROLES, type Role } from '@scrutin/shared/api';
import { createOfficial } from '../officials/users.ts';
import { RedisDedupStore } from '../pipeline/dedup.ts';
import { testAppContext } from '../testing/app_context.ts';
import { createTestDatabase, SERVICE_URLS, testNamespace, type TestDatabase } from '../testing/services.ts';
import { adminRoutes } from './admin_routes.ts';
import { createApp } from './app.ts';
import { exportsRoutes } from './exports_routes.ts';
import { officialsRoutes } from './officials_routes.ts';
import { receiptsRoutes } from './receipts_routes.ts';
import { resultsRoutes } from './results_routes.ts';
import { routesOf, type RouteEntry } from './route_list.ts';
import { syncRoutes } from './sync_routes.ts';

/**
 * Access control over every route the routers actually hold, read from the routers
 * themselves: a route added tomorrow is checked without anyone listing it. Every officials'
 * route (under /auth and /admin, login aside) must carry a role guard; without a session it
 * answers 401, and for each role below its own it answers 403; neither changes anything.
 */

const PASSWORD = 'a long enough passphrase';
const election = sampleElection();
let testDb: TestDatabase;
let db: Database;
let ctx: AppContext;
let app: Express;
const ns = testNamespace();
const cookies = {} as Record<Role, { cookie: string; csrf: string }>;

/** A concrete URL for a route pattern: any value will do, the guard answers before the handler. */
const concrete = (path: string) =>
  path
    .replace(':id', election.id)
    .replace(':station', 'ST-00001')
    .replace(':contest', 'DEP-SHERBROOKE')
    .replace(':username', 'someone-else')
    .replace(':job', '00000000-0000-0000-0000-000000000000');

async function snapshot() {
  const n = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  return {
    audit: await n('SELECT count(*)::text AS n FROM audit_log'),
    elections: await n('SELECT count(*)::text AS n FROM elections'),
    officials: await n('SELECT count(*)::text AS n FROM officials'),
    roles: (await db.query<{ r: string }>("SELECT string_agg(username || ':' || role, ',' ORDER BY username) AS r FROM officials")).rows[0]
      ?.r,
    sessions: await n('SELECT count(*)::text AS n FROM sessions'),
    tokens: await n('SELECT count(*)::text AS n FROM enrolment_tokens'),
    credentials: await n('SELECT count(*)::text AS n FROM credentials'),
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = postgresDatabase(testDb.url, 4);
  await migrate(db);
  ctx = await testAppContext({
    db,
    databaseUrl: testDb.url,
    namespace: ns,
    dedup: new RedisDedupStore(SERVICE_URLS.redis, ns),
    name: 'access-control-test',
    now: () => new Date('2026-10-05T12:00:00-04:00'),
  });
  app = createApp(ctx);
  unwrap(await saveElection(db, election));
  for (const role of ROLES) {
    unwrap(await createOfficial(db, NewOfficialSchema.parse({ username: `${role}-one`, password: PASSWORD, role })));
    const res = await request(app)
      .post('/api/v1/auth/login')
      .send({ username: `${role}-one`, password: PASSWORD });
    const header = res.headers['set-cookie'] as unknown as string[];
    cookies[role] = {
      cookie: header.find((c) => c.startsWith('scrutin_session='))?.split(';')[0] ?? '',
      csrf: (res.body as { csrfToken: string }).csrfToken,
    };
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

describe('the route list read from the routers', () => {
  it('puts a role guard on every officials route but login, and none on the public and station routes', () => {
    const officials = [...routesOf(officialsRoutes(ctx)), ...routesOf(exportsRoutes(ctx)), ...routesOf(adminRoutes(ctx))];
    const unguarded = officials.filter((r) => r.role === undefined).map((r) => `${r.method} ${r.path}`);
    expect(unguarded).toEqual(['post /api/v1/auth/login']);
    expect(officials.length).toBeGreaterThan(25);
    const publicRoutes = [...routesOf(resultsRoutes(ctx)), ...routesOf(receiptsRoutes(ctx)), ...routesOf(syncRoutes(ctx))];
    expect(publicRoutes.filter((r) => r.role !== undefined)).toEqual([]);
    expect(publicRoutes.every((r) => !r.path.includes('/admin'))).toBe(true);
  });

  it('holds exactly the endpoints of the API contract, each with the contract’s role', () => {
    const mounted = [...routesOf(officialsRoutes(ctx)), ...routesOf(exportsRoutes(ctx)), ...routesOf(adminRoutes(ctx))]
      .concat(routesOf(resultsRoutes(ctx)), routesOf(receiptsRoutes(ctx)))
      .map((r) => `${r.method.toUpperCase()} ${r.path} ${r.role ?? '-'}`)
      .sort();
    const contract = Object.values(CONSOLE_API)
      .map((e) => `${e.method} /api/v1${e.path} ${'role' in e ? e.role : '-'}`)
      .sort();
    expect(mounted).toEqual(contract);
  });
});

// Built at collection time from a context-free read of the routers (handlers are never run).
const guarded: RouteEntry[] = [];

describe('access control on every guarded route', () => {
  beforeAll(() => {
    guarded.push(
      ...[...routesOf(officialsRoutes(ctx)), ...routesOf(exportsRoutes(ctx)), ...routesOf(adminRoutes(ctx))].filter(
        (r) => r.role !== undefined,
      ),
    );
  });

  it('answers 401 without a session, and with a forged one, changing nothing', async () => {
    expect(guarded.length).toBeGreaterThan(25);
    const before = await snapshot();
    for (const r of guarded) {
      const bare = await request(app)
        [r.method](concrete(r.path))
        .set('content-type', 'application/json')
        .send(r.method === 'post' ? '{}' : undefined);
      expect([r.path, bare.status, (bare.body as { error?: { code?: string } }).error?.code]).toEqual([r.path, 401, 'unauthenticated']);
      const forged = await request(app)
        [r.method](concrete(r.path))
        .set('Cookie', `scrutin_session=${'A'.repeat(43)}`);
      expect([r.path, forged.status]).toEqual([r.path, 401]);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('answers 403 to every role below the route’s own, changing nothing', async () => {
    const before = await snapshot();
    let checked = 0;
    for (const r of guarded) {
      const required = r.role ?? 'admin';
      for (const low of ROLES.slice(0, ROLES.indexOf(required))) {
        const agent = cookies[low];
        const req = request(app)[r.method](concrete(r.path)).set('Cookie', agent.cookie);
        const res =
          r.method === 'post' ? await req.set('x-csrf-token', agent.csrf).set('content-type', 'application/json').send('{}') : await req;
        expect([r.path, low, res.status, (res.body as { error?: { code?: string } }).error?.code]).toEqual([r.path, low, 403, 'forbidden']);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses every guarded POST without the session’s CSRF token, changing nothing', async () => {
    const before = await snapshot();
    for (const r of guarded.filter((g) => g.method === 'post')) {
      const res = await request(app)
        .post(concrete(r.path))
        .set('Cookie', cookies.admin.cookie)
        .set('content-type', 'application/json')
        .send('{}');
      expect([r.path, res.status, (res.body as { error?: { code?: string } }).error?.code]).toEqual([r.path, 403, 'csrf-token-invalid']);
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe('headers of the console and the API', () => {
  it('serves a strict Content Security Policy and httpOnly, SameSite=Strict session cookies', async () => {
    const res = await request(app).get('/console/');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:|\*/);
    const login = await request(app).post('/api/v1/auth/login').send({ username: 'observer-one', password: PASSWORD });
    const cookie = (login.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('scrutin_session=')) ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/api\/v1/);
  });
});

describe('the results embargo', () => {
  it('keeps the votes of an open election from the public and observers until the polls close, never the turnout', async () => {
    const embargoed = unwrap(parseElection({ ...(sampleElectionJson({ embargo: true }) as object), id: 'qc-embargo-2026' }));
    unwrap(await saveElection(ctx.services.db, embargoed));
    await setElectionState(ctx.services.db, embargoed.id, 'open');
    const base = `/api/v1/elections/${embargoed.id}`;
    const votes = [`${base}/results`, `${base}/results/ridings/SHERBROOKE`, `${base}/events`];
    for (const path of votes) {
      for (const who of [undefined, 'observer'] as const) {
        const req = request(app).get(path);
        const res = who === undefined ? await req : await req.set('cookie', cookies[who].cookie);
        expect(res.status, `${who ?? 'public'} ${path}`).toBe(409);
        expect(res.body).toMatchObject({ error: { code: 'not-yet-public', details: { closesAt: embargoed.closesAt } } });
      }
    }
    expect((await request(app).get(`${base}/turnout`)).status).toBe(200);
    // Officials see the results throughout the day.
    expect((await request(app).get(`${base}/results`).set('cookie', cookies.official.cookie)).status).toBe(200);
    // Once the polls are closed, everyone does.
    await setElectionState(ctx.services.db, embargoed.id, 'closed');
    expect((await request(app).get(`${base}/results`)).status).toBe(200);
  });
});
