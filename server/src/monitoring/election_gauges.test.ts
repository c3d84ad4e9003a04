import { openSampleElection, unwrap, type ElectionDefinition } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, postgresDatabase, type Database } from '../db/database.ts';
import { saveElection, setElectionState } from '../elections/store.ts';
import { createMetrics } from '../metrics.ts';
import { createTestDatabase, type TestDatabase } from '../testing/services.ts';
import { countCertificationBlocked, countSilentStations, startElectionGauges } from './election_gauges.ts';

/** The gauges read from Postgres (silent stations, certification blocked), on the real Postgres. */
let testDb: TestDatabase;
let db: Database;
let election: ElectionDefinition;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = postgresDatabase(testDb.url, 2);
  await migrate(db);
  // Polls opened an hour ago.
  election = openSampleElection();
  unwrap(await saveElection(db, election));
});

afterAll(async () => {
  await db.close();
  await testDb.drop();
});

const stations = () => election.stations.map((s) => s.id);

async function batch(
  station: string,
  sequence: number,
  options: { agoSeconds?: number; processed?: boolean; final?: boolean } = {},
): Promise<void> {
  await db.query(
    `INSERT INTO batches (election_id, station_id, sequence, batch_hash, envelope_count, status, received_at, final)
     VALUES ($1, $2, $3::int, decode(md5($2::text || $3::text), 'hex'), 1, $4, now() - make_interval(secs => $5::int), $6)`,
    [
      election.id,
      station,
      sequence,
      options.processed === true ? 'processed' : 'received',
      options.agoSeconds ?? 0,
      options.final === true,
    ],
  );
}

describe('silent stations', () => {
  it('counts none while the election is a draft', async () => {
    expect(await countSilentStations(db, 600)).toBe(0);
  });

  it('counts every station of an open election without a recent batch, once the polls have been open that long', async () => {
    await setElectionState(db, election.id, 'open');
    const all = stations();
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(await countSilentStations(db, 600)).toBe(all.length);
    // The polls opened an hour ago: with a two-hour threshold nobody is silent yet.
    expect(await countSilentStations(db, 7200)).toBe(0);

    const [a = '', b = '', c = ''] = all;
    await batch(a, 1);
    await batch(b, 1, { agoSeconds: 1200 });
    expect(await countSilentStations(db, 600)).toBe(all.length - 1);
    await batch(b, 2, { agoSeconds: 60 });
    expect(await countSilentStations(db, 600)).toBe(all.length - 2);
    await db.query('UPDATE stations SET revoked_at = now() WHERE election_id = $1 AND station_id = $2', [election.id, c]);
    expect(await countSilentStations(db, 600)).toBe(all.length - 3);
  });
});

describe('certification blocked', () => {
  it('counts a closed election until every station has closed its polls and been counted, with no gap', async () => {
    const [a = '', b = '', ...others] = stations();
    expect(await countCertificationBlocked(db)).toBe(0); // open, not closed
    await setElectionState(db, election.id, 'closed');
    expect(await countCertificationBlocked(db)).toBe(1); // a's sequence 1 and b's 1 and 2 are only received
    await db.query(`UPDATE batches SET status = 'processed' WHERE election_id = $1`, [election.id]);
    expect(await countCertificationBlocked(db)).toBe(1); // every batch counted, but no station has closed its polls
    await batch(a, 2, { processed: true, final: true });
    await batch(b, 3, { processed: true, final: true });
    for (const station of others.slice(1)) await batch(station, 1, { processed: true, final: true });
    expect(await countCertificationBlocked(db)).toBe(1); // one station never reported
    await batch(others[0] ?? '', 1, { processed: true, final: true });
    expect(await countCertificationBlocked(db)).toBe(0);
    await batch(a, 4, { processed: true }); // a: 1, 2, 4 — sequence 3 missing
    expect(await countCertificationBlocked(db)).toBe(1);
    await batch(a, 3, { processed: true });
    expect(await countCertificationBlocked(db)).toBe(0);
    // No silent station once the election is closed.
    expect(await countSilentStations(db, 600)).toBe(0);
  });

  it('is refreshed into the gauges on an interval', async () => {
    const metrics = createMetrics(false);
    const [a = ''] = stations();
    await batch(a, 6, { processed: true }); // sequence 5 missing
    const gauges = startElectionGauges({ db, metrics, log: () => undefined, intervalMs: 50, silentAfterSeconds: 600 });
    try {
      const read = async () => (await metrics.certificationBlocked.get()).values[0]?.value;
      for (let i = 0; i < 100 && (await read()) !== 1; i += 1) await new Promise((r) => setTimeout(r, 20));
      expect(await read()).toBe(1);
      await batch(a, 5, { processed: true });
      for (let i = 0; i < 100 && (await read()) !== 0; i += 1) await new Promise((r) => setTimeout(r, 20));
      expect(await read()).toBe(0);
      expect((await metrics.stationsSilent.get()).values[0]?.value).toBe(0);
    } finally {
      await gauges.stop();
    }
  });
});
