import { openSampleElection, unwrap, type ElectionDefinition } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, postgresDatabase, type Database } from '../db/database.ts';
import { saveElection } from '../elections/store.ts';
import { createTestDatabase, type TestDatabase } from '../testing/services.ts';
import { turnout } from './turnout.ts';

let testDb: TestDatabase;
let db: Database;
let election: ElectionDefinition;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = postgresDatabase(testDb.url, 1);
  await migrate(db);
  election = openSampleElection();
  unwrap(await saveElection(db, election));
});

afterAll(async () => {
  await db.close();
  await testDb.drop();
});

describe('turnout', () => {
  it("sums each riding's stations and the whole election, ridings in the definition's order", async () => {
    const counted = election.stations.map((s, i) => ({ station: s.id, riding: s.riding, ballots: 7 * i + 3 }));
    for (const c of counted.slice(1)) {
      await db.query('INSERT INTO station_counts (election_id, station_id, riding, ballots) VALUES ($1, $2, $3, $4)', [
        election.id,
        c.station,
        c.riding,
        c.ballots,
      ]);
    }
    const shown = await turnout(db, election);
    // The first station has reported nothing: it counts 0, and its registered voters still count.
    const ballotsOf = (station: string) =>
      station === counted[0]?.station ? 0 : (counted.find((c) => c.station === station)?.ballots ?? 0);
    expect(shown.stations.map((s) => s.ballots)).toEqual(election.stations.map((s) => ballotsOf(s.id)));
    expect(shown.ridings.map((r) => r.riding)).toEqual(election.ridings.map((r) => r.code));
    for (const riding of election.ridings) {
      const of = election.stations.filter((s) => s.riding === riding.code);
      expect(shown.ridings.find((r) => r.riding === riding.code)).toEqual({
        riding: riding.code,
        registeredVoters: of.reduce((n, s) => n + s.registeredVoters, 0),
        ballots: of.reduce((n, s) => n + ballotsOf(s.id), 0),
      });
    }
    expect(shown.total).toEqual({
      registeredVoters: election.stations.reduce((n, s) => n + s.registeredVoters, 0),
      ballots: counted.slice(1).reduce((n, c) => n + c.ballots, 0),
    });
    expect(new Set(election.stations.map((s) => s.riding)).size).toBeGreaterThan(1);
  });
});
