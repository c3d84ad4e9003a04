import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { sampleElection, syntheticElectionJson, unwrap } from '@scrutin/shared/node';
import { CONSOLE_API, NewOfficialSchema } from '@scrutin/shared/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveElection, setElectionState } from '../elections/store.ts';
import { createOfficial } from '../officials/users.ts';
import { startTestCentral, type TestCentral } from '../testing/central.ts';
import { ensureConsoleBuilt } from './console_static.ts';
import { LOGIN_RATE_LIMIT } from './officials_routes.ts';

/**
 * The central server's HTTP surface under the audit's attacks (issue 12, "Central"), on a
 * real server (real sockets, Postgres, Redis, RabbitMQ): the per-address login limit across
 * loopback addresses, draft elections, /metrics and /readyz, and bad paths — each answered
 * 4xx, never 5xx, and never logged as a server failure.
 */

const PASSWORD = 'a long enough passphrase';
const DRAFT = 'draft-secret';
const open = sampleElection();
const logLines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== ''),
    );
    done();
  },
});
let t: TestCentral;
let base: string;
let officialCookie: string;

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/** One raw HTTP request (no URL normalisation by a client library), optionally from a chosen local address. */
function send(
  method: string,
  path: string,
  options: { body?: string | Buffer; headers?: Record<string, string>; localAddress?: string; url?: string } = {},
): Promise<Answer> {
  const url = new URL(options.url ?? base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: {
          ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }),
          ...options.headers,
        },
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        agent: false,
      },
      (res) => {
        // A results stream never ends: its status and headers are the answer.
        if (String(res.headers['content-type']).startsWith('text/event-stream')) {
          res.destroy();
          resolve({ status: res.statusCode ?? 0, body: '', headers: res.headers });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const failuresLogged = () => logLines.filter((l) => l.includes('request.failed') || /"level":(50|60)/.test(l) || l.includes('"stack"'));

beforeAll(async () => {
  await ensureConsoleBuilt();
  t = await startTestCentral({ logDestination: capture, env: { LOG_LEVEL: 'info', METRICS_PORT: '0' } });
  base = t.central.url;
  const { db } = t.central.ctx.services;
  unwrap(await createOfficial(db, NewOfficialSchema.parse({ username: 'watcher', password: PASSWORD, role: 'observer' })));
  unwrap(await saveElection(db, syntheticElectionJson({ ridings: 2, stations: 2, voters: 20, id: DRAFT })));
  unwrap(await saveElection(db, open));
  await setElectionState(db, open.id, 'open');
  const login = await send('POST', '/api/v1/auth/login', {
    body: JSON.stringify({ username: 'watcher', password: PASSWORD }),
    headers: { 'content-type': 'application/json' },
    localAddress: '127.0.0.9',
  });
  expect(login.status).toBe(200);
  const cookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).find((c) => c.startsWith('scrutin_session='));
  officialCookie = cookie?.split(';')[0] ?? '';
}, 240_000);

afterAll(async () => {
  await t.stop();
});

describe('the per-address login limit', () => {
  it('cannot be bypassed by moving to another loopback address, nor by a forged X-Forwarded-For', async () => {
    const attempt = (i: number, localAddress: string, headers: Record<string, string> = {}) =>
      send('POST', '/api/v1/auth/login', {
        body: JSON.stringify({ username: `stranger-${i}`, password: 'whatever it is' }),
        headers: { 'content-type': 'application/json', ...headers },
        localAddress,
      });
    // Failures spread over 127.0.0.1, 127.0.0.2, …, each with a made-up X-Forwarded-For (no proxy is trusted).
    for (let i = 0; i < LOGIN_RATE_LIMIT.limit; i += 1) {
      const res = await attempt(i, `127.0.0.${String(2 + (i % 50))}`, { 'x-forwarded-for': `203.0.113.${String(i)}` });
      expect(res.status, `attempt ${String(i)}`).toBe(401);
    }
    for (const address of ['127.0.0.200', '127.1.2.3']) {
      const limited = await attempt(99, address, { 'x-forwarded-for': '203.0.113.250' });
      expect(limited.status).toBe(429);
      expect((JSON.parse(limited.body) as { error: { code: string } }).error.code).toBe('rate-limited');
    }
    // Each refusal spends one scrypt at N = 2^17: slow on a loaded machine.
  }, 300_000);
});

describe('draft elections', () => {
  const paths = [
    `/api/v1/elections/${DRAFT}`,
    `/api/v1/elections/${DRAFT}/results`,
    `/api/v1/elections/${DRAFT}/results/ridings/R-001`,
    `/api/v1/elections/${DRAFT}/results/referendums/Q1`,
    `/api/v1/elections/${DRAFT}/turnout`,
    `/api/v1/elections/${DRAFT}/events`,
  ];

  it('are neither listed nor readable without an official’s session: 404 unknown-election, as if they did not exist', async () => {
    const list = JSON.parse((await send('GET', '/api/v1/elections')).body) as { elections: { id: string }[] };
    expect(list.elections.map((e) => e.id)).toEqual([open.id]);
    const missing = await send('GET', '/api/v1/elections/no-such-election');
    for (const path of paths) {
      const res = await send('GET', path);
      expect(res.status, path).toBe(404);
      const body = JSON.parse(res.body) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unknown-election');
      expect(body.error.message).toBe(
        (JSON.parse(missing.body) as { error: { message: string } }).error.message.replace('no-such-election', DRAFT),
      );
    }
    expect((await send('GET', `/api/v1/elections/${open.id}`)).status).toBe(200);
  });

  it('are listed and readable with an official’s session', async () => {
    const list = JSON.parse((await send('GET', '/api/v1/elections', { headers: { cookie: officialCookie } })).body) as {
      elections: { id: string }[];
    };
    expect(list.elections.map((e) => e.id).sort()).toEqual([DRAFT, open.id].sort());
    for (const path of [paths[0], paths[1], paths[4]]) {
      expect((await send('GET', path ?? '', { headers: { cookie: officialCookie } })).status, path).toBe(200);
    }
  });
});

describe('metrics and probes', () => {
  it('keeps /healthz public, and serves /metrics and /readyz on the admin listener only', async () => {
    expect((await send('GET', '/healthz')).status).toBe(200);
    for (const path of ['/metrics', '/readyz']) {
      const res = await send('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('scrutin_');
    }
    const admin = t.central.metricsUrl;
    expect(admin).toBeDefined();
    const metrics = await send('GET', '/metrics', { url: admin });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('scrutin_dependency_up');
    const ready = await send('GET', '/readyz', { url: admin });
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready' });
  });
});

describe('bad paths', () => {
  it('answers a missing console asset, a path climbing out of a folder and malformed percent-encoding with 4xx, and logs no failure', async () => {
    const before = failuresLogged().length;
    for (const [path, status] of [
      ['/console/assets/missing-abc123.js', 404],
      ['/console/assets/..%2f..%2f..%2fpackage.json', 404],
      ['/console/assets/..%2F..%2Findex.html', 404],
      ['/console/assets/%2e%2e/%2e%2e/package.json', 404],
      ['/console/assets/..%5c..%5cpackage.json', 404],
      ['/%E0%A4%A', 404],
      ['/console/assets/%E0%A4%A', 400],
      ['/api/v1/elections/%E0%A4%A', 400],
      [`/api/v1/elections/${open.id}/results/ridings/%E0%A4%A`, 400],
      ['/api/v1/admin/officials/%E0%A4%A/disable', 400],
      ['/api/v1/..%2f..%2fetc%2fpasswd', 404],
      ['/nowhere', 404],
    ] as const) {
      const res = await send('GET', path);
      expect(res.status, path).toBe(status);
      expect(res.body, path).not.toMatch(/at .+\.(ts|js):\d+/);
      expect(() => JSON.parse(res.body) as unknown, path).not.toThrow();
    }
    expect(failuresLogged().slice(before)).toEqual([]);
  });
});

/** A small deterministic generator, so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every route of the officials' and public API, from the contract the routers are mounted from. */
const ROUTES = Object.values(CONSOLE_API).map((e) => e.path);

describe('a fuzz of the HTTP surface', () => {
  it('never answers 5xx to random paths, methods, headers and bodies, and logs no failure', async () => {
    const seed = 20261203;
    const random = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const segments = [
      'api',
      'v1',
      'elections',
      open.id,
      DRAFT,
      'results',
      'ridings',
      'referendums',
      'turnout',
      'events',
      'auth',
      'login',
      'logout',
      'me',
      'admin',
      'officials',
      'disable',
      'enable',
      'unlock',
      'role',
      'credentials',
      'jobs',
      'latest',
      'stations',
      'ST-00001',
      'kit',
      'enrolment-token',
      'revoke',
      'state',
      'exports',
      'audit',
      'sync',
      'batches',
      'status',
      'central-key',
      'console',
      'assets',
      'index.html',
      'healthz',
      'metrics',
      'readyz',
      '..',
      '.',
      '%2e%2e',
      '..%2f',
      '%00',
      '%E0%A4%A',
      '%ff',
      '%',
      '%%',
      '~',
      ';',
      '%C0%AE',
      'a'.repeat(300),
      '%F0%9F%92%A5',
      '?x=%E0%A4%A',
      '?limit=-1',
      '?before=abc&limit=999999',
      '#frag',
    ];
    const VALID = [open.id, DRAFT, 'ST-00001', 'watcher', 'R-001', '00000000-0000-0000-0000-000000000000'];
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
    const contentTypes = [
      'application/json',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ];
    const bodies = [
      '',
      '{',
      'null',
      '[]',
      '{"username":"watcher","password":"x"}',
      '{"state":"open"}',
      '{"entries":[{"credentialHash":"zz","station":"ST-00001"}]}',
      '{"__proto__":{"admin":true}}',
      JSON.stringify({ deep: JSON.parse('['.repeat(200) + ']'.repeat(200)) as unknown }),
      '\u0000\u0001\u0002',
      'x'.repeat(70_000),
    ];
    const seen = new Map<number, number>();
    const before = failuresLogged().length;
    for (let i = 0; i < 400; i += 1) {
      const depth = 1 + Math.floor(random() * 6);
      // Mostly the real routes with their parameters fuzzed, sometimes anything at all.
      const path =
        random() < 0.6
          ? `/api/v1${pick(ROUTES).replace(/:[a-z]+/g, () => (random() < 0.5 ? pick(VALID) : pick(segments)))}`
          : `/${Array.from({ length: depth }, () => pick(segments)).join('/')}`;
      const method = pick(methods);
      const body = method === 'GET' || method === 'HEAD' ? undefined : pick(bodies);
      const headers: Record<string, string> = { 'content-type': pick(contentTypes) };
      if (random() < 0.3) headers.cookie = random() < 0.5 ? officialCookie : `scrutin_session=${pick(segments)}`;
      if (random() < 0.2) headers['x-csrf-token'] = pick(segments);
      if (random() < 0.2) headers['x-forwarded-for'] = pick(['::1', '127.0.0.1, 10.0.0.1', 'garbage', '']);
      let res: Answer;
      try {
        res = await send(method, path, { ...(body === undefined ? {} : { body }), headers });
      } catch (error) {
        throw new Error(`seed ${String(seed)}, case ${String(i)}: ${method} ${path}: ${String(error)}`);
      }
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      expect(res.status, `seed ${String(seed)}, case ${String(i)}: ${method} ${path}`).toBeLessThan(500);
    }
    expect(failuresLogged().slice(before)).toEqual([]);
    // The fuzz reached more than one kind of answer (not 400 times the same refusal).
    expect(seen.size).toBeGreaterThan(3);
  }, 300_000);
});
