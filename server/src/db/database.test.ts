import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/services.ts';
import { migrate, migrations, pgliteDatabase, postgresDatabase, type Database } from './database.ts';

describe.each([
  ['postgres', (url: string) => Promise.resolve(postgresDatabase(url, 4))],
  ['pglite', (_url: string) => pgliteDatabase()],
] as const)('migrations on %s', (_engine, open) => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await open(testDb.url);
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  it('applies every migration once, and none the second time', async () => {
    expect(await migrate(db)).toEqual(migrations().map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
    const { rows } = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_inherits WHERE inhparent = 'ballots'::regclass");
    expect(rows[0]?.n).toBe('8');
  });

  it('refuses a database from a newer Scrutin', async () => {
    await db.query("INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')");
    await expect(migrate(db)).rejects.toThrow(/newer than this Scrutin/);
    await db.query('DELETE FROM schema_migrations WHERE version = 9999');
  });

  it('rolls a failed transaction back whole', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO audit_log (actor, action, detail) VALUES ('t', 'x', '{}')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_log');
    expect(rows[0]?.n).toBe('0');
  });
});

describe('postgresDatabase', () => {
  it("names the process's role on its connections (application_name), for pg_stat_activity and the benchmarks", async () => {
    const testDb = await createTestDatabase();
    const named = postgresDatabase(testDb.url, 1, 'scrutin-worker');
    try {
      const { rows } = await named.query<{ name: string; seen: string }>(
        `SELECT current_setting('application_name') AS name,
                (SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS seen`,
      );
      expect(rows[0]).toEqual({ name: 'scrutin-worker', seen: 'scrutin-worker' });
    } finally {
      await named.close();
      await testDb.drop();
    }
  });
});
