import { newTrackingCode, trackingCodeOfValue, trackingCodeValue, type ElectionId, type TrackingCode } from '@scrutin/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrations, postgresDatabase, type Database, type Queryable } from '../db/database.ts';
import { createTestDatabase, type TestDatabase } from '../testing/services.ts';
import { packTrackingCodes, RECEIPT_RELOAD_INTERVAL_MS, ReceiptChecker, trackingCodesIn } from './receipts.ts';

const E = 'E-RECEIPTS' as ElectionId;
const OTHER = 'E-OTHER' as ElectionId;

let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = postgresDatabase(testDb.url, 2);
  await migrate(db);
}, 60_000);

afterAll(async () => {
  await db.close();
  await testDb.drop();
});

const fresh = (n: number): TrackingCode[] => Array.from({ length: n }, newTrackingCode);

async function store(election: ElectionId, codes: readonly TrackingCode[]): Promise<void> {
  await db.query('INSERT INTO tracking_code_sets (election_id, codes) VALUES ($1, $2)', [election, packTrackingCodes(codes)]);
}

/** The test database, counting the queries made through it. */
function countingQueries(): { queries: string[]; counting: Queryable } {
  const queries: string[] = [];
  const counting: Queryable = {
    query: <R extends object>(text: string, params?: readonly unknown[], name?: string) => {
      queries.push(text);
      return db.query<R>(text, params, name);
    },
    exec: (sql: string) => db.exec(sql),
  };
  return { queries, counting };
}

describe('a tracking code as a number', () => {
  it('spells the same code back, and orders codes as their text does', () => {
    const codes = [...fresh(500), '000000000000' as TrackingCode, 'ZZZZZZZZZZZZ' as TrackingCode];
    for (const code of codes) expect(trackingCodeOfValue(trackingCodeValue(code))).toBe(code);
    expect(trackingCodeValue('ZZZZZZZZZZZZ' as TrackingCode)).toBe(2n ** 60n - 1n);
    const byValue = [...codes].sort((a, b) => (trackingCodeValue(a) < trackingCodeValue(b) ? -1 : 1));
    expect(byValue).toEqual([...codes].sort());
  });

  it('packs a batch as 8 bytes a code, in code order whatever order they were cast in, duplicates kept', () => {
    const codes = fresh(250);
    const cast = [...codes, codes[7] as TrackingCode];
    const packed = packTrackingCodes(cast);
    expect(packed.length).toBe(251 * 8);
    expect(trackingCodesIn(packed)).toEqual([...cast].sort());
    expect(packTrackingCodes([...cast].reverse())).toEqual(packed);
    expect(packTrackingCodes(['ZZZZZZZZZZZZ', '000000000001', '00000Z000000'] as TrackingCode[]).toString('hex')).toBe(
      '0000000000000001' + '00000007c0000000' + '0fffffffffffffff',
    );
  });
});

describe('ReceiptChecker', () => {
  it('finds every stored code, and none that was not stored nor one of another election', async () => {
    const counted = fresh(300);
    const elsewhere = fresh(20);
    await store(E, counted.slice(0, 150));
    await store(E, counted.slice(150));
    await store(OTHER, elsewhere);
    const checker = new ReceiptChecker(db);
    for (const code of counted) expect(await checker.isCounted(E, code)).toBe(true);
    for (const code of [...fresh(50), ...elsewhere]) expect(await checker.isCounted(E, code)).toBe(false);
    for (const code of elsewhere) expect(await checker.isCounted(OTHER, code)).toBe(true);
  });

  it('finds a code of a batch stored after its first check (a late USB import), and keeps finding the older ones', async () => {
    let clock = 0;
    const checker = new ReceiptChecker(db, () => clock);
    const early = fresh(30);
    await store(E, early);
    expect(await checker.isCounted(E, early[0] as TrackingCode)).toBe(true);
    // Twenty late batches, each checked once stored: more loads than the checker keeps apart
    // before merging them. A set stored within the reload interval is found once it has passed.
    const late: TrackingCode[] = [];
    for (let i = 0; i < 20; i += 1) {
      const batch = fresh(25);
      expect(await checker.isCounted(E, batch[3] as TrackingCode)).toBe(false);
      await store(E, batch);
      expect(await checker.isCounted(E, batch[3] as TrackingCode)).toBe(false);
      clock += RECEIPT_RELOAD_INTERVAL_MS;
      expect(await checker.isCounted(E, batch[3] as TrackingCode)).toBe(true);
      late.push(...batch);
    }
    for (const code of [...early, ...late]) expect(await checker.isCounted(E, code)).toBe(true);
    expect(await checker.isCounted(E, fresh(1)[0] as TrackingCode)).toBe(false);
  });

  it('answers concurrent checks with one load', async () => {
    const codes = fresh(100);
    await store(E, codes);
    const checker = new ReceiptChecker(db);
    const { queries, counting } = countingQueries();
    const shared = new ReceiptChecker(counting);
    expect(await Promise.all(codes.slice(0, 40).map((c) => shared.isCounted(E, c)))).toEqual(Array(40).fill(true));
    expect(queries).toHaveLength(1);
    expect(await checker.isCounted(E, codes[99] as TrackingCode)).toBe(true);
  });

  it('queries Postgres at most once per reload interval, however many codes that are not found come in', async () => {
    await store(E, fresh(50));
    let clock = 10_000;
    const { queries, counting } = countingQueries();
    const checker = new ReceiptChecker(counting, () => clock);
    // A flood from many addresses (the per-address limit does not bound it): 300 guesses at
    // once, then 300 one after the other, all within one interval.
    expect(await Promise.all(fresh(300).map((c) => checker.isCounted(E, c)))).toEqual(Array(300).fill(false));
    for (const code of fresh(300)) expect(await checker.isCounted(E, code)).toBe(false);
    clock += RECEIPT_RELOAD_INTERVAL_MS - 1;
    expect(await checker.isCounted(E, fresh(1)[0] as TrackingCode)).toBe(false);
    expect(queries).toHaveLength(1);
    clock += 1;
    expect(await checker.isCounted(E, fresh(1)[0] as TrackingCode)).toBe(false);
    expect(queries).toHaveLength(2);
  });

  it('refuses a stored set that is not whole codes', async () => {
    await expect(db.query("INSERT INTO tracking_code_sets (election_id, codes) VALUES ($1, '\\x0102'::bytea)", [E])).rejects.toThrow(
      /check/,
    );
    await expect(db.query("INSERT INTO tracking_code_sets (election_id, codes) VALUES ($1, ''::bytea)", [E])).rejects.toThrow(/check/);
  });
});

describe('migration 0009', () => {
  it('moves the codes already counted into one set per election, in code order, duplicates kept', async () => {
    const old = await createTestDatabase();
    const odb = postgresDatabase(old.url, 1);
    try {
      await migrate(
        odb,
        migrations().filter((m) => m.version <= 8),
      );
      const a = [...fresh(40), '000000000000' as TrackingCode, 'ZZZZZZZZZZZZ' as TrackingCode];
      const b = fresh(5);
      const rows = [...a.map((c) => [E, c]), ...b.map((c) => [OTHER, c]), [E, a[3]]];
      for (const [election, code] of rows)
        await odb.query('INSERT INTO tracking_codes (election_id, code) VALUES ($1, $2)', [election, code]);
      expect(await migrate(odb)).toEqual(
        migrations()
          .filter((m) => m.version > 8)
          .map((m) => m.version),
      );
      const sets = await odb.query<{ election_id: string; codes: Buffer }>(
        'SELECT election_id, codes FROM tracking_code_sets ORDER BY seq',
      );
      expect(sets.rows.map((r) => [r.election_id, trackingCodesIn(r.codes)])).toEqual([
        [OTHER, [...b].sort()],
        [E, [...a, a[3]].sort()],
      ]);
      const left = await odb.query("SELECT 1 FROM pg_class WHERE relname = 'tracking_codes'");
      expect(left.rows).toHaveLength(0);
      expect(await new ReceiptChecker(odb).isCounted(E, a[0] as TrackingCode)).toBe(true);
    } finally {
      await odb.close();
      await old.drop();
    }
  });
});
