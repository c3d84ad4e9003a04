import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centralFileSlices, sampleElection, unwrap, type ElectionDefinition } from '@scrutin/shared/node';
import {
  CONSOLE_API as API,
  MAX_CREDENTIALS_PER_REQUEST,
  NewOfficialSchema,
  pathOf,
  type Endpoint,
  type PathParams,
} from '@scrutin/shared/api';
import { generateCredentials } from '../credentials/generate.ts';
import { createOfficial } from '../officials/users.ts';
import { startTestCentral, type TestCentral } from '../testing/central.ts';

/**
 * The credentials routes on the real services, in production mode and in test mode (the
 * embedded demo's rules): voter cards never reach central, production refuses weak election
 * settings and in-server generation, and central loads the offline generator's central.csv.
 */

const PASSWORD = `credentials-${randomBytes(9).toString('base64url')}`;
const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** An admin session on a central server: cookie and CSRF token, as the console holds them. */
class Admin {
  private cookie = '';
  private csrf = '';
  constructor(private readonly url: string) {}

  async login(username: string): Promise<void> {
    const answer = await this.send(API.login, {}, { username, password: PASSWORD });
    expect(answer.status).toBe(200);
    this.csrf = (answer.body as { csrfToken: string }).csrfToken;
  }

  async send<E extends Endpoint>(endpoint: E, params: PathParams<E['path']>, body?: unknown): Promise<Answer> {
    return this.raw(endpoint.method, `/api/v1${pathOf(endpoint, params)}`, body);
  }

  async raw(method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', cookie: this.cookie, 'x-csrf-token': this.csrf },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie !== null) this.cookie = setCookie.split(';')[0] ?? '';
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }
}

async function adminOf(t: TestCentral): Promise<Admin> {
  unwrap(
    await createOfficial(t.central.ctx.services.db, NewOfficialSchema.parse({ username: 'admin-one', password: PASSWORD, role: 'admin' })),
  );
  const admin = new Admin(t.central.url);
  await admin.login('admin-one');
  return admin;
}

/** The sample election with production settings: the default KDF, k = 25, and a handful of voters. */
function productionElection(id: string): ElectionDefinition {
  const { credentials: _kdf, ...sample } = sampleElection();
  return {
    ...sample,
    id: id as ElectionDefinition['id'],
    secrecy: { anonymitySet: 25, embargo: true },
    // The production KDF costs tens of milliseconds a card: six cards keep the test short.
    stations: sample.stations.map((s, i) => ({ ...s, registeredVoters: i < 3 ? 2 : 0 })),
  };
}

const codeOf = (answer: Answer) => (answer.body as { error?: { code?: string } } | undefined)?.error?.code;

describe('credentials in production mode (SCRUTIN_MODE=production)', () => {
  let t: TestCentral;
  let admin: Admin;
  beforeAll(async () => {
    t = await startTestCentral({ env: { SCRUTIN_MODE: 'production' } });
    expect(t.config.mode).toBe('production');
    admin = await adminOf(t);
  }, 60_000);
  afterAll(async () => {
    await t.stop();
  });

  it('refuses an election whose KDF or anonymity set is below the floor, with a typed 422, storing nothing', async () => {
    const weak = sampleElection(); // the test KDF (scrypt 2^4, r 1) and k = 2
    const refused = await admin.send(API.saveElection, {}, weak);
    expect(refused.status).toBe(422);
    expect(codeOf(refused)).toBe('invalid-definition');
    const details = (refused.body as { error: { details: { path: string }[] } }).error.details;
    expect(details.map((d) => d.path)).toEqual(['credentials.kdf', 'secrecy.anonymitySet']);
    expect((await admin.raw('GET', `/api/v1/elections/${weak.id}`)).status).toBe(404);

    // One floor at a time: a strong KDF with k = 24 is still refused.
    const small = { ...productionElection('prod-small-k'), secrecy: { anonymitySet: 24, embargo: true } };
    const refusedK = await admin.send(API.saveElection, {}, small);
    expect(refusedK.status).toBe(422);
    expect((refusedK.body as { error: { details: { path: string }[] } }).error.details.map((d) => d.path)).toEqual([
      'secrecy.anonymitySet',
    ]);
    const cheapKdf = { ...productionElection('prod-cheap-kdf'), credentials: { kdf: { algorithm: 'scrypt', logN: 13, r: 8, p: 1 } } };
    expect(codeOf(await admin.send(API.saveElection, {}, cheapKdf))).toBe('invalid-definition');
  });

  it('accepts the production settings, refuses to generate credentials in the server, and serves no card', async () => {
    const election = productionElection('prod-election');
    expect((await admin.send(API.saveElection, {}, election)).status).toBe(201);

    const started = await admin.send(API.startCredentialJob, { id: election.id });
    expect(started.status).toBe(403);
    expect(codeOf(started)).toBe('forbidden');
    expect((started.body as { error: { message: string } }).error.message).toMatch(/scrutin credentials generate/);
    expect((await admin.send(API.latestCredentialJob, { id: election.id })).body).toEqual({ job: null, generation: 'offline' });

    // The old card download is gone: no route answers it.
    const cards = await admin.raw(
      'GET',
      `/api/v1/admin/elections/${election.id}/credentials/jobs/00000000-0000-0000-0000-000000000000/cards/ST-00001`,
    );
    expect(cards.status).toBe(404);
    expect(JSON.stringify(cards.body)).not.toMatch(/nas,code/);
  });

  it("loads the offline generator's central.csv, slice by slice, and nothing else", async () => {
    const election = productionElection('prod-load');
    expect((await admin.send(API.saveElection, {}, election)).status).toBe(201);
    // The authority's offline machine.
    const dir = mkdtempSync(join(tmpdir(), 'scrutin-offline-'));
    temporary.push(dir);
    const manifest = unwrap(await generateCredentials({ election, outDir: join(dir, 'out'), workers: 2 }));
    let loaded = 0;
    for await (const slice of centralFileSlices(createReadStream(join(dir, 'out', manifest.central.file)), MAX_CREDENTIALS_PER_REQUEST)) {
      const answer = await admin.send(API.loadCredentials, { id: election.id }, { entries: unwrap(slice) });
      expect(answer.status).toBe(200);
      loaded += (answer.body as { loaded: number }).loaded;
    }
    expect(loaded).toBe(6);
    const { rows } = await t.central.ctx.services.db.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM credentials WHERE election_id = $1',
      [election.id],
    );
    expect(rows[0]?.n).toBe('6');
  });
});

describe('credentials in test mode (the embedded demo rules)', () => {
  let t: TestCentral;
  let admin: Admin;
  beforeAll(async () => {
    t = await startTestCentral();
    expect(t.config.mode).toBe('test');
    admin = await adminOf(t);
  }, 60_000);
  afterAll(async () => {
    await t.stop();
  });

  it('accepts small test settings and generates in the server, writing no voter card', async () => {
    const election = sampleElection();
    expect((await admin.send(API.saveElection, {}, election)).status).toBe(201);
    const started = await admin.send(API.startCredentialJob, { id: election.id });
    expect(started.status).toBe(202);
    const jobId = (started.body as { id: string }).id;
    let job: { phase: string; loadedVoters: number } = { phase: 'generating', loadedVoters: 0 };
    for (let i = 0; i < 300 && (job.phase === 'generating' || job.phase === 'loading'); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = (await admin.send(API.credentialJob, { id: election.id, job: jobId })).body as typeof job;
    }
    expect(job).toMatchObject({ phase: 'done', loadedVoters: 3600 });
    const latest = (await admin.send(API.latestCredentialJob, { id: election.id })).body as { generation: string };
    expect(latest.generation).toBe('demo');

    const dir = t.central.ctx.credentialJobs.directoryOf(jobId);
    expect(dir).toBeDefined();
    expect(readdirSync(dir!).sort()).toEqual(['central.csv', 'manifest.json', 'shards']);
    expect(existsSync(join(dir!, 'cards'))).toBe(false);
  });
});
