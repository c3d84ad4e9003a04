import { randomBytes } from 'node:crypto';
import { syntheticElectionJson, unwrap, type CredentialHash, type StationId } from '@scrutin/shared/node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, postgresDatabase, type Database } from '../db/database.ts';
import { RedisDedupStore } from '../pipeline/dedup.ts';
import { createTestDatabase, SERVICE_URLS, testNamespace, type TestDatabase } from '../testing/services.ts';
import { changeElectionState } from './lifecycle.ts';
import { loadDraftCredentials, saveElection, type CredentialEntry } from './store.ts';

/**
 * Credentials are frozen once an election opens (issue 12): a load that is under way when an
 * admin opens the election stops at its next chunk, on the real Postgres and Redis.
 */
let testDb: TestDatabase;
let db: Database;
let dedup: RedisDedupStore;
const ns = testNamespace();

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = postgresDatabase(testDb.url, 4);
  await migrate(db);
  dedup = new RedisDedupStore(SERVICE_URLS.redis, ns);
});

afterAll(async () => {
  const redis = new Redis(SERVICE_URLS.redis);
  const stale = await redis.keys(`*${ns}*`);
  if (stale.length > 0) await redis.del(...stale);
  redis.disconnect();
  await dedup.close();
  await db.close();
  await testDb.drop();
});

describe('loading credentials while the election is a draft only', () => {
  it('stops a load under way at the next chunk once the election is opened, and refuses any load after', async () => {
    const election = unwrap(await saveElection(db, syntheticElectionJson({ ridings: 1, stations: 1, voters: 10, id: 'freeze-race' })));
    const station = election.stations[0]?.id as StationId;
    const entry = (): CredentialEntry => ({ credential: randomBytes(32).toString('hex') as CredentialHash, station });
    // 20,000 entries (one chunk), then the election opens, then more.
    async function* entries(): AsyncGenerator<CredentialEntry> {
      for (let i = 0; i < 20_000; i += 1) yield entry();
      unwrap(await changeElectionState(db, election.id, { state: 'open' }, 'an-admin'));
      for (let i = 0; i < 500; i += 1) yield entry();
    }
    const loaded = await loadDraftCredentials(db, dedup, election.id, entries());
    expect(loaded).toEqual({ ok: false, error: { kind: 'credentials-frozen', state: 'open' } });
    const count = async () =>
      Number(
        (await db.query<{ n: string }>('SELECT count(*)::text AS n FROM credentials WHERE election_id = $1', [election.id])).rows[0]?.n,
      );
    expect(await count()).toBe(20_000);

    expect(await loadDraftCredentials(db, dedup, election.id, [entry()])).toEqual({
      ok: false,
      error: { kind: 'credentials-frozen', state: 'open' },
    });
    expect(await count()).toBe(20_000);
  }, 120_000);
});
