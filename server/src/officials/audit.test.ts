import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, pgliteDatabase, postgresDatabase, type Database } from '../db/database.ts';
import { createTestDatabase, type TestDatabase } from '../testing/services.ts';
import { listAudit, recordAudit } from './audit.ts';

describe.each([
  ['postgres', (url: string) => Promise.resolve(postgresDatabase(url, 4))],
  ['pglite', (_url: string) => pgliteDatabase()],
] as const)('the audit log on %s', (_engine, open) => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await open(testDb.url);
    await migrate(db);
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  const rows = async () =>
    (await db.query<{ actor: string; action: string; detail: unknown }>('SELECT actor, action, detail FROM audit_log ORDER BY id')).rows;

  it('records entries and cannot update, delete or truncate them', async () => {
    await recordAudit(db, 'alice', 'election.saved', { election: 'qc-demo-2026', created: true });
    const before = await rows();
    expect(before).toEqual([{ actor: 'alice', action: 'election.saved', detail: { election: 'qc-demo-2026', created: true } }]);

    await expect(db.query("UPDATE audit_log SET actor = 'mallory'")).rejects.toThrow(/audit_log is append-only: UPDATE refused/);
    await expect(db.query('DELETE FROM audit_log')).rejects.toThrow(/audit_log is append-only: DELETE refused/);
    await expect(db.query('TRUNCATE audit_log')).rejects.toThrow(/audit_log is append-only: TRUNCATE refused/);
    await expect(
      db.transaction(async (tx) => {
        await tx.query("UPDATE audit_log SET detail = '{}'");
      }),
    ).rejects.toThrow(/append-only/);
    expect(await rows()).toEqual(before);
  });

  it('lists entries newest first, a page at a time (in id order, past 9 and 10 too)', async () => {
    for (let i = 0; i < 11; i += 1) await recordAudit(db, 'bob', 'station.revoked', { n: i });
    const first = await listAudit(db, { limit: 4 });
    expect(first.entries.map((e) => e.detail)).toEqual([{ n: 10 }, { n: 9 }, { n: 8 }, { n: 7 }]);
    expect(first.next).toBe(first.entries.at(-1)?.id);
    const rest = await listAudit(db, { limit: 20, before: first.next ?? undefined });
    expect(rest.entries.map((e) => e.detail)).toEqual([
      { n: 6 },
      { n: 5 },
      { n: 4 },
      { n: 3 },
      { n: 2 },
      { n: 1 },
      { n: 0 },
      { election: 'qc-demo-2026', created: true },
    ]);
    expect(rest.next).toBeNull();
    expect(rest.entries[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
