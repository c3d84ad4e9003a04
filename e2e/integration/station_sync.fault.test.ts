import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, openSampleElection, unwrap, type RidingCode, type StationId } from '@scrutin/shared';
import type { Station, SyncProgress } from '@scrutin/desktop';
import { GOOD_PIN, ballotFor, castFor, makeCredentials, removeTempDirs, type CredentialsFixture } from '@scrutin/desktop/testing';
import type { TestCentral } from '@scrutin/server/testing';
import { centralBallots, enrolledStation, startCentralFor } from './central.test-support.ts';
import { startFaultProxy, type FaultProxy } from './fault_proxy.test-support.ts';

/**
 * Sync under network faults, against the real central server (Postgres, Redis, RabbitMQ, the
 * validator): a proxy between the stations and central drops connections (before and after
 * central saw the request), delays, duplicates requests and cuts request and response bodies
 * half-way. The stations sync by themselves (autoSync, backoff with jitter) while voters vote;
 * in the end central has counted exactly the stations' ballots, each once.
 */
let credentials: CredentialsFixture;
let central: TestCentral;
let proxy: FaultProxy;
beforeAll(async () => {
  credentials = await makeCredentials(openSampleElection());
  central = await startCentralFor(credentials);
  proxy = await startFaultProxy(central.central.url, Number(process.env.FAULT_SEED ?? 7));
});
afterAll(async () => {
  await proxy.close();
  await central.stop();
  removeTempDirs();
});

/** Resolves when every ballot of the station is acknowledged; rejects if the engine stops. */
function allSynced(station: Station, timeoutMs: number): Promise<SyncProgress> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      void station.status({}).then((s) => {
        reject(new Error(`not synced in time: ${JSON.stringify(s.ok ? s.value.sync : s.error)}`));
      });
    }, timeoutMs);
    const check = (p: SyncProgress) => {
      if (p.pendingBallots === 0 && p.state === 'idle') {
        clearTimeout(timer);
        unsubscribe();
        resolve(p);
      } else if (p.state === 'error' && p.nextAttemptAt === null) {
        clearTimeout(timer);
        unsubscribe();
        reject(new Error(`sync stopped: ${JSON.stringify(p.lastError)}`));
      }
    };
    const unsubscribe = station.subscribe((e) => {
      if (e.kind === 'sync-progress') check(e.progress);
    });
    void station.status({}).then((s) => {
      if (s.ok) check(s.value.sync);
    });
  });
}

/** The choices castFor cast for the first `n` cards of a riding, canonical and sorted. */
const castChoices = (riding: string, n: number) =>
  Array.from({ length: n }, (_, i) => canonicalJson(ballotFor(credentials.election, riding as RidingCode, i).selections)).sort();

describe('sync under network faults', () => {
  it('ends with central counting exactly the stations’ ballots, once each', async () => {
    const sync = { autoSync: true, maxBatch: 8, backoffBaseMs: 20, backoffCapMs: 300, requestTimeoutMs: 3000 };
    const clock = { now: () => Date.now() };
    proxy.enabled = false;
    const stations = await Promise.all(
      (['ST-00007', 'ST-00016'] as StationId[]).map((id) =>
        enrolledStation(central, credentials, id, clock, { sync, centralUrl: proxy.url }),
      ),
    );
    proxy.enabled = true;
    const [montreal, sherbrooke] = stations as [Station, Station];
    // Voters vote while the stations sync through the faulty network.
    await Promise.all([
      castFor(montreal, credentials.election, credentials.cards('ST-00007' as StationId).slice(0, 90)),
      castFor(sherbrooke, credentials.election, credentials.cards('ST-00016' as StationId).slice(0, 70)),
    ]);
    for (const s of stations) unwrap(await s.closePolls({ pin: GOOD_PIN }));
    const done = await Promise.all(stations.map((s) => allSynced(s, 120_000)));
    expect(done.map((p) => p.syncedBallots)).toEqual([90, 70]);

    expect((await centralBallots(central, 'ST-00007' as StationId, 'MONTREAL-CENTRE', 90)).sort()).toEqual(
      castChoices('MONTREAL-CENTRE', 90),
    );
    expect((await centralBallots(central, 'ST-00016' as StationId, 'SHERBROOKE', 70)).sort()).toEqual(castChoices('SHERBROOKE', 70));
    const { rows } = await central.central.ctx.services.db.query<{ duplicates: string; invalid: string }>(
      'SELECT coalesce(sum(duplicates), 0)::text AS duplicates, coalesce(sum(invalid), 0)::text AS invalid FROM batches',
    );
    expect(rows[0]).toEqual({ duplicates: '0', invalid: '0' });
    // Every kind of fault happened.
    for (const [fault, n] of Object.entries(proxy.counts)) expect(n, `${fault} in ${JSON.stringify(proxy.counts)}`).toBeGreaterThan(0);
    for (const s of stations) s.close();
  });
});
