import { request as httpRequest, type ClientRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateStationKeyPair, type StationId } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient } from '../simulate/station_client.ts';
import { enrolmentToken, openElection } from '../testing/election_setup.ts';
import { openSampleElection, startTestCentral, type TestCentral } from '../testing/central.ts';
import { envelopeFor, testVoter, votersOf } from '../testing/fixtures.ts';
import express from 'express';
import supertest from 'supertest';
import { createMetrics } from '../metrics.ts';
import { errorMiddleware } from './errors.ts';
import { claimedStation, createRequestLimits } from './request_limits.ts';

/**
 * Issue 12, "Costly forged requests": `/sync/batches` and `/stations/enrol` had no rate limit
 * and no cap, so one client could make central verify forged 1,000-envelope batches as fast as
 * it could send them. Each attack below now stops at its bound, typed, with Retry-After.
 */
const election = openSampleElection();
const voters = votersOf(election, 20);
const at = (s: string) => voters.filter((v) => v.station === s);
/** The i-th pair of envelopes of `station` (the sample election's anonymity set is k = 2). */
const pair = (station: string, i: number) =>
  at(station)
    .slice(2 * i, 2 * i + 2)
    .map((v) => envelopeFor(election, v));
const PER_IP = 5;
const PER_STATION = 3;
let t: TestCentral;
let address = 0;
const clients = new Map<StationId, StationClient>();
/** A client address of its own (TEST-NET-2), as the trusted proxy reports it. */
const freshAddress = () => `198.51.100.${(address += 1)}`;

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfter: string | null;
  readonly details: unknown;
}

async function post(path: string, body: unknown, from: string): Promise<Answer> {
  const response = await fetch(`${t.central.url}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const json = (await response.json()) as { error?: { code: string; message: string; details?: unknown } };
  return { status: response.status, code: json.error?.code, retryAfter: response.headers.get('retry-after'), details: json.error?.details };
}

const refusals = async (code: string) =>
  (await t.central.ctx.metrics.refusals.get()).values.find((v) => v.labels.code === code)?.value ?? 0;

/** A batch of 1,000 envelopes in `station`'s name, signed by a key that is not the station's. */
function forgedBatch(station: StationId): string {
  const forger = new StationClient(t.central.url, election.id, station);
  const envelopes = Array.from({ length: 1000 }, () => envelopeFor(election, testVoter(station)));
  return JSON.stringify(forger.nextBatch(envelopes));
}

beforeAll(async () => {
  t = await startTestCentral({
    env: {
      TRUST_PROXY: 'loopback',
      SYNC_RATE_PER_IP: String(PER_IP),
      SYNC_RATE_PER_STATION: String(PER_STATION),
      SYNC_MAX_CONCURRENCY: '2',
    },
  });
  await openElection(t.central, election, voters);
  for (const station of ['ST-00001', 'ST-00002'] as StationId[]) {
    const client = new StationClient(t.central.url, election.id, station);
    await client.enrol(await enrolmentToken(t.central, election.id, station));
    clients.set(station, client);
  }
});

afterAll(async () => {
  await t.stop();
});

describe('the station a request names', () => {
  it('reads the station a request names only from well-formed ids', () => {
    expect(claimedStation({ election: 'qc-demo-2026', station: 'ST-00001', token: 'x' })).toBe('qc-demo-2026/ST-00001');
    expect(claimedStation({ body: { election: 'qc-demo-2026', station: 'ST-00001' }, signature: 'x' })).toBe('qc-demo-2026/ST-00001');
    expect(claimedStation({ header: { election: 'qc-demo-2026', station: 'ST-00001' } })).toBe('qc-demo-2026/ST-00001');
    expect(claimedStation({ body: { election: 'qc-demo-2026', station: '../../x' } })).toBeUndefined();
    expect(claimedStation('ST-00001')).toBeUndefined();
  });
});

describe('the station routes’ cost bounds', () => {
  it('cuts a flood of forged 1,000-envelope batches from one address at SYNC_RATE_PER_IP, with 429 and Retry-After', async () => {
    const forged = forgedBatch('ST-00001' as StationId);
    const attacker = freshAddress();
    for (let i = 0; i < PER_IP; i += 1) expect((await post('/sync/batches', forged, attacker)).status).toBe(401);
    const before = await refusals('rate-limited');
    const limited = await post('/sync/batches', forged, attacker);
    expect(limited).toMatchObject({ status: 429, code: 'rate-limited' });
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(limited.retryAfter)).toBeLessThanOrEqual(60);
    expect(limited.details).toEqual({ retryAfterSeconds: Number(limited.retryAfter) });
    expect(await refusals('rate-limited')).toBe(before + 1);
    // The same budget covers enrolment and status: the attacker cannot switch routes.
    const enrol = { election: election.id, station: 'ST-00003', token: 'k'.repeat(32), publicKey: generateStationKeyPair().publicKey };
    expect(await post('/stations/enrol', enrol, attacker)).toMatchObject({ status: 429, code: 'rate-limited' });
    // Another address is not affected.
    expect((await post('/sync/batches', forged, freshAddress())).status).toBe(401);
  });

  it('does not let an IPv6 client escape by changing the low 64 bits of its address', async () => {
    const forged = forgedBatch('ST-00001' as StationId);
    for (let i = 1; i <= PER_IP; i += 1) expect((await post('/sync/batches', forged, `2001:db8:77:1::${i}`)).status).toBe(401);
    expect(await post('/sync/batches', forged, '2001:db8:77:1:ffff:ffff:ffff:ffff')).toMatchObject({ status: 429, code: 'rate-limited' });
    expect((await post('/sync/batches', forged, '2001:db8:77:2::1')).status).toBe(401);
  });

  it('limits a station to SYNC_RATE_PER_STATION answered batches a minute, whatever addresses it uses', async () => {
    const station = clients.get('ST-00001' as StationId)!;
    for (let i = 0; i < PER_STATION; i += 1) {
      expect(await post('/sync/batches', station.nextBatch(pair('ST-00001', i)), freshAddress())).toMatchObject({
        status: 202,
      });
    }
    const limited = await post('/sync/batches', station.nextBatch(pair('ST-00001', PER_STATION)), freshAddress());
    expect(limited).toMatchObject({ status: 429, code: 'rate-limited' });
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it('never charges a station for requests forged in its name', async () => {
    const station = clients.get('ST-00002' as StationId)!;
    const forged = forgedBatch('ST-00002' as StationId);
    for (let i = 0; i < PER_STATION * 3; i += 1) expect((await post('/sync/batches', forged, freshAddress())).status).toBe(401);
    for (let i = 0; i < PER_STATION; i += 1) {
      expect(await post('/sync/batches', station.nextBatch(pair('ST-00002', i)), freshAddress())).toMatchObject({
        status: 202,
      });
    }
  });

  it('takes in at most SYNC_MAX_CONCURRENCY batches at once: beyond, 503 busy before reading the body', async () => {
    const url = new URL(`${t.central.url}/api/v1/sync/batches`);
    const held: ClientRequest[] = [];
    for (let i = 0; i < 2; i += 1) {
      // A slow sender: a body announced but never finished holds its intake slot.
      const req = httpRequest(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '100000', 'x-forwarded-for': freshAddress() },
      });
      req.on('error', () => undefined);
      req.write('{"body":');
      held.push(req);
    }
    for (let i = 0; i < 100 && (await t.central.ctx.metrics.syncInFlight.get()).values[0]?.value !== 2; i += 1) await sleep(20);
    expect((await t.central.ctx.metrics.syncInFlight.get()).values[0]?.value).toBe(2);

    const busy = await post('/sync/batches', forgedBatch('ST-00003' as StationId), freshAddress());
    expect(busy).toMatchObject({ status: 503, code: 'busy', retryAfter: '2' });

    for (const req of held) req.destroy();
    for (let i = 0; i < 100 && (await t.central.ctx.metrics.syncInFlight.get()).values[0]?.value !== 0; i += 1) await sleep(20);
    expect(await post('/sync/batches', forgedBatch('ST-00003' as StationId), freshAddress())).toMatchObject({
      status: 403,
      code: 'station-not-enrolled',
    });
  });
});

describe('the counters in Redis', () => {
  it('are shared by every API replica: an address cannot spread its requests over replicas', async () => {
    const replicas = [createRequestLimits(t.config, createMetrics(false)), createRequestLimits(t.config, createMetrics(false))];
    try {
      const apps = replicas.map((limits) => {
        const app = express();
        app.set('trust proxy', 'loopback');
        app.post('/probe', limits.perAddress, (_req, res) => {
          res.status(204).end();
        });
        app.use(errorMiddleware(() => undefined));
        return supertest(app);
      });
      for (const limits of replicas) await limits.ready();
      const from = freshAddress();
      const statuses: number[] = [];
      for (let i = 0; i <= PER_IP; i += 1) statuses.push((await apps[i % 2]!.post('/probe').set('x-forwarded-for', from)).status);
      expect(statuses).toEqual([...Array<number>(PER_IP).fill(204), 429]);
    } finally {
      for (const limits of replicas) await limits.close();
    }
  });
});
