import { createHash, randomBytes } from 'node:crypto';
import { generateStationKeyPair, type ElectionId, type StationId } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrations, pgliteDatabase, type Database } from '../db/database.ts';
import { enrol, issueToken } from './enrolment.ts';

/**
 * Migration 0004 (enrolment hardening) on a database of version 3 that holds the state the
 * audit exploited: an unused token of a station already enrolled. After the migration that
 * token can no longer replace the station's key, while a station never enrolled keeps its token.
 */
const ELECTION = 'qc-migrate-2026' as ElectionId;
const ENROLLED = 'ST-00001' as StationId;
const WAITING = 'ST-00002' as StationId;
const before = migrations().filter((m) => m.version < 4);
let db: Database;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  db = await pgliteDatabase();
  await migrate(db, before);
  await db.query(`INSERT INTO elections (id, definition, state) VALUES ($1, '{}', 'open')`, [ELECTION]);
  for (const station of [ENROLLED, WAITING])
    await db.query(`INSERT INTO stations (election_id, station_id, riding) VALUES ($1, $2, 'RIDING')`, [ELECTION, station]);
  // Tokens issued by version 3 (the same hash of the same token), before the migration.
  for (const station of [ENROLLED, WAITING]) tokens[station] = await issueTokenV3(station);
  await db.query(`UPDATE stations SET public_key = $3, enrolled_at = now() WHERE election_id = $1 AND station_id = $2`, [
    ELECTION,
    ENROLLED,
    generateStationKeyPair().publicKey,
  ]);
  expect(await migrate(db)).toEqual(
    migrations()
      .filter((m) => m.version >= 4)
      .map((m) => m.version),
  );
});

afterAll(async () => {
  await db.close();
});

/** A token as version 3 stored it: no issuer, no invalidation columns yet. */
async function issueTokenV3(station: StationId): Promise<string> {
  const token = randomBytes(24).toString('base64url');
  await db.query(
    `INSERT INTO enrolment_tokens (token_hash, election_id, station_id, expires_at) VALUES ($1, $2, $3, now() + interval '1 day')`,
    [createHash('sha256').update(token, 'utf8').digest(), ELECTION, station],
  );
  return token;
}

describe('migration 0004_enrolment_hardening', () => {
  it('invalidates the unused tokens of stations already enrolled', async () => {
    const { rows } = await db.query<{ station_id: string; invalidated_reason: string | null }>(
      'SELECT station_id, invalidated_reason FROM enrolment_tokens ORDER BY station_id',
    );
    expect(rows).toEqual([
      { station_id: ENROLLED, invalidated_reason: 'station-enrolled' },
      { station_id: WAITING, invalidated_reason: null },
    ]);
    const takeover = await enrol(db, {
      election: ELECTION,
      station: ENROLLED,
      token: tokens[ENROLLED] ?? '',
      publicKey: generateStationKeyPair().publicKey,
    });
    expect(takeover).toEqual({ ok: false, error: { kind: 'station-already-enrolled', enrolledAt: expect.any(String) as unknown } });
  });

  it('keeps the token of a station never enrolled, which then enrols and refuses new tokens', async () => {
    const key = generateStationKeyPair().publicKey;
    const enrolled = await enrol(db, { election: ELECTION, station: WAITING, token: tokens[WAITING] ?? '', publicKey: key });
    expect(enrolled).toMatchObject({ ok: true, value: { station: WAITING, replay: false, rekeyed: null } });
    expect(await issueToken(db, { election: ELECTION, station: WAITING })).toMatchObject({
      ok: false,
      error: { kind: 'station-already-enrolled' },
    });
  });
});
