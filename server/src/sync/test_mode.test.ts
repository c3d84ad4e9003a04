import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { signBatchExport, type SignedBatch, type StationId } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient } from '../simulate/station_client.ts';
import { openSampleElection, openWithStation, startTestCentral, type TestCentral } from '../testing/central.ts';
import { enrolmentToken, openElection } from '../testing/election_setup.ts';
import { envelopeFor, votersOf, type TestVoter } from '../testing/fixtures.ts';
import { SERVICE_URLS } from '../testing/services.ts';
import { NewOfficialSchema } from '@scrutin/shared/api';
import { saveElection } from '../elections/store.ts';
import { createOfficial } from '../officials/users.ts';
import { importBatches } from './import.ts';
import { intakeDepsOf } from './intake.ts';

/**
 * Test mode at central (docs/decisions/0010-test-mode.md) over HTTP and the USB import, against
 * the real services: a live election and its test rehearsal on one server, one station enrolled
 * in both with one key (the same hardware ran the logic-and-accuracy test and then polling day).
 * A batch whose signed header names the other mode is refused with 409 before anything is
 * queued or stored; a header relabelled after signing fails its signature.
 */
const live = openSampleElection();
const test = { ...openSampleElection(), id: `${live.id}-test` as typeof live.id, mode: 'test' as const };
const STATION = 'ST-00001' as StationId;
const liveVoters = votersOf(live, 12).filter((v) => v.station === STATION || v.station === 'ST-00002');
const testVoters = votersOf(test, 12).filter((v) => v.station === STATION || v.station === 'ST-00002');
const at = (voters: readonly TestVoter[]) => voters.filter((v) => v.station === STATION);
let t: TestCentral;
/** The station as its live kit drives it (mode live, election `live`). */
let liveStation: StationClient;
/** The same station (same key) as its test kit drives it (mode test, election `test`). */
let testStation: StationClient;
let redis: Redis;

const post = (body: unknown) =>
  fetch(`${t.central.url}/api/v1/sync/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const refusal = async (r: Response) => ({ status: r.status, code: ((await r.json()) as { error: { code: string } }).error.code });

/** Everything a batch could change: the rows it would add, the Redis marks, the station's chain at central. */
async function snapshot(): Promise<unknown> {
  const { db } = t.central.ctx.services;
  const counts: Record<string, number> = {};
  for (const table of [
    'batches',
    'ballots',
    'credential_uses',
    'tracking_code_sets',
    'rejected_envelopes',
    'duplicate_attempts',
    'tally_counts',
    'alerts',
    'station_counts',
  ]) {
    const { rows } = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
    counts[table] = Number(rows[0]?.n);
  }
  const redisKeys: Record<string, number> = {};
  // The rate limiter's counters (`:rl:` keys) count requests, not data: left out.
  for (const key of (await redis.keys(`*${t.config.namespace}*`)).filter((k) => !k.includes(':rl:')).sort()) {
    const type = await redis.type(key);
    redisKeys[key] = type === 'hash' ? await redis.hlen(key) : type === 'set' ? await redis.scard(key) : -1;
  }
  const chains = await Promise.all(
    [live.id, test.id].map(async (e) =>
      fetch(`${t.central.url}/api/v1/sync/status?election=${e}&station=${STATION}`).then((r) => r.json()),
    ),
  );
  return { counts, redisKeys, chains };
}

async function waitForProcessed(election: string, n: number): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const { rows } = await t.central.ctx.services.db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM batches WHERE election_id = $1 AND status = 'processed'",
      [election],
    );
    if (Number(rows[0]?.n) >= n) return;
    await sleep(50);
  }
  throw new Error(`fewer than ${n} batches of ${election} processed`);
}

const ouiOf = async (election: string): Promise<number> => {
  const results = (await (await fetch(`${t.central.url}/api/v1/elections/${election}/results`)).json()) as {
    referendums: { national: { counts: { oui: number } } }[];
  };
  return results.referendums[0]?.national.counts.oui ?? -1;
};

beforeAll(async () => {
  t = await startTestCentral({ withValidator: true });
  redis = new Redis(SERVICE_URLS.redis);
  liveStation = await openWithStation(t, live, liveVoters, STATION);
  await openElection(t.central, test, testVoters);
  testStation = new StationClient(t.central.url, test.id, STATION, liveStation.keys, 'test');
  await testStation.enrol(await enrolmentToken(t.central, test.id, STATION));
});

afterAll(async () => {
  redis.disconnect();
  await t.stop();
});

describe('test mode at central', () => {
  it('fixes the mode when the election is created: a draft replaced keeps it', async () => {
    const { db } = t.central.ctx.services;
    const draft = { ...live, id: 'qc-la-2026' as typeof live.id, mode: 'test' as const };
    expect(await saveElection(db, draft)).toMatchObject({ ok: true, value: { mode: 'test' } });
    expect(await saveElection(db, { ...draft, mode: 'live' })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-definition', issues: [{ path: 'mode' }] },
    });
    const { mode: _dropped, ...unnamed } = draft;
    expect(await saveElection(db, unnamed)).toMatchObject({ ok: false, error: { kind: 'invalid-definition' } });
    expect(await saveElection(db, { ...draft, name: { fr: 'Essai', en: 'Test' } })).toMatchObject({ ok: true });
    const { rows } = await db.query<{ mode: string }>(`SELECT definition->>'mode' AS mode FROM elections WHERE id = $1`, [draft.id]);
    expect(rows[0]?.mode).toBe('test');
  });

  it('takes a test batch into the test election, and a live one into the live election', async () => {
    const first = await testStation.send(
      testStation.nextBatch(
        at(testVoters)
          .slice(0, 3)
          .map((v) => envelopeFor(test, v, () => 0)),
      ),
    );
    expect(first.kind).toBe('accepted');
    await waitForProcessed(test.id, 1);
    // The results are read from a cache refreshed as batches commit: polled, not read once.
    await expect.poll(() => ouiOf(test.id)).toBe(3);
    expect(await ouiOf(live.id)).toBe(0);
  });

  it('refuses a test station’s batch in the live election (409), even with live credentials, and changes nothing', async () => {
    // The test kit's station signs a batch naming the live election, with live voters' envelopes.
    const intruder = new StationClient(t.central.url, live.id, STATION, liveStation.keys, 'test');
    const batch = intruder.nextBatch(
      at(liveVoters)
        .slice(0, 3)
        .map((v) => envelopeFor(live, v)),
    );
    const before = await snapshot();
    expect(await refusal(await post(batch))).toEqual({ status: 409, code: 'test-batch-in-live-election' });
    expect(await snapshot()).toEqual(before);
    expect(await ouiOf(live.id)).toBe(0);
  });

  it('refuses a live batch in the test election (409): a live kit’s ballots never land where results are shown early', async () => {
    const stray = new StationClient(t.central.url, test.id, STATION, liveStation.keys, 'live');
    // Sequence 2 is the test station's next: the refusal is about the mode, not the chain.
    stray.nextBatch(
      at(testVoters)
        .slice(3, 4)
        .map((v) => envelopeFor(test, v)),
    );
    const batch = stray.nextBatch(
      at(testVoters)
        .slice(3, 6)
        .map((v) => envelopeFor(test, v)),
    );
    expect(batch.header.sequence).toBe(2);
    const before = await snapshot();
    expect(await refusal(await post(batch))).toEqual({ status: 409, code: 'live-batch-in-test-election' });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a test batch relabelled live after signing: the mode is signed', async () => {
    const batch = new StationClient(t.central.url, live.id, STATION, liveStation.keys, 'test').nextBatch(
      at(liveVoters)
        .slice(0, 3)
        .map((v) => envelopeFor(live, v)),
    );
    const relabelled: SignedBatch = { ...batch, header: { ...batch.header, mode: 'live' } };
    const before = await snapshot();
    expect(await refusal(await post(relabelled))).toEqual({ status: 401, code: 'bad-signature' });
    expect(await refusal(await post({ ...batch, header: { ...batch.header, mode: undefined } }))).toEqual({
      status: 422,
      code: 'invalid-batch',
    });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses the same way on the USB import path, and the live chain goes on untouched', async () => {
    const intruder = new StationClient(t.central.url, live.id, STATION, liveStation.keys, 'test');
    const file = signBatchExport(
      {
        format: 'scrutin-batch-export',
        version: 2,
        election: live.id,
        station: STATION,
        exportedAt: new Date().toISOString(),
        batches: [
          intruder.nextBatch(
            at(liveVoters)
              .slice(0, 3)
              .map((v) => envelopeFor(live, v)),
          ),
        ],
      },
      liveStation.keys.privateKeyPem,
    );
    const before = await snapshot();
    const report = await importBatches(intakeDepsOf(t.central.ctx), file);
    expect(report.receipts).toEqual([]);
    expect(report.refused).toEqual([{ sequence: 1, code: 'test-batch-in-live-election', message: expect.any(String) as string }]);
    expect(await snapshot()).toEqual(before);

    // The live station's own first batch still takes sequence 1: the refusals left its chain as it was.
    const outcome = await liveStation.send(
      liveStation.nextBatch(
        at(liveVoters)
          .slice(0, 3)
          .map((v) => envelopeFor(live, v, () => 0)),
      ),
    );
    expect(outcome).toMatchObject({ kind: 'accepted', receipt: { body: { sequence: 1 } } });
    await waitForProcessed(live.id, 1);
    await expect.poll(() => ouiOf(live.id)).toBe(3);
    expect(await ouiOf(test.id)).toBe(3);
  });

  it('names a test election’s exports TEST-… and marks its NIST results report IsTest; a live one’s not', async () => {
    const username = 'official-test-mode';
    const password = 'a long enough passphrase';
    expect((await createOfficial(t.central.ctx.services.db, NewOfficialSchema.parse({ username, password, role: 'official' }))).ok).toBe(
      true,
    );
    const login = await fetch(`${t.central.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const download = async (election: string, file: string) => {
      const r = await fetch(`${t.central.url}/api/v1/admin/elections/${election}/exports/${file}`, { headers: { cookie } });
      expect(r.status).toBe(200);
      return { name: r.headers.get('content-disposition'), body: await r.text() };
    };
    const testCsv = await download(test.id, 'results.csv');
    expect(testCsv.name).toBe(`attachment; filename="TEST-${test.id}-results.csv"`);
    const testNist = await download(test.id, 'results.json');
    expect(testNist.name).toBe(`attachment; filename="TEST-${test.id}-results-nist-1500-100.json"`);
    expect(JSON.parse(testNist.body)).toMatchObject({ IsTest: true, TestType: 'logic-and-accuracy' });
    expect((await download(test.id, 'cvrs.json')).name).toBe(`attachment; filename="TEST-${test.id}-cvrs-nist-1500-103.json"`);

    expect((await download(live.id, 'results.csv')).name).toBe(`attachment; filename="${live.id}-results.csv"`);
    const liveNist = await download(live.id, 'results.json');
    expect(JSON.parse(liveNist.body)).not.toHaveProperty('IsTest');
  });
});
