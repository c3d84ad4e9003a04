import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSampleElection, unwrap, type StationId } from '@scrutin/shared';
import { generateStationKeyPair } from '@scrutin/shared/protocol';
import { readAuditLog, stationKey, verifyAuditLog } from '@scrutin/desktop';
import {
  GOOD_PIN,
  makeCredentials,
  makeKit,
  openTestStation,
  removeTempDirs,
  tempDir,
  TestClock,
  type CredentialsFixture,
} from '@scrutin/desktop/testing';
import { enrolmentToken, openElection, startTestCentral, type TestCentral } from '@scrutin/server/testing';

const election = openSampleElection();
let central: TestCentral;
let credentials: CredentialsFixture;

beforeAll(async () => {
  central = await startTestCentral();
  // Open, with no credentials loaded: enrolment does not need them.
  await openElection(central.central, election);
  credentials = await makeCredentials(election);
});
afterAll(async () => {
  await central.stop();
  removeTempDirs();
});

async function kitFor(station: StationId, centralPublicKey = central.central.ctx.centralKey.publicKey): Promise<string> {
  return makeKit(credentials, { station, centralUrl: central.central.url, centralPublicKey });
}

async function enrolledKey(station: StationId): Promise<string | null> {
  const { rows } = await central.central.ctx.services.db.query<{ public_key: string | null }>(
    'SELECT public_key FROM stations WHERE election_id = $1 AND station_id = $2',
    [election.id, station],
  );
  return rows[0]?.public_key ?? null;
}

const token = (station: StationId) => enrolmentToken(central.central, election.id, station);

describe('enrolment against a real central server', () => {
  it('makes the key on the station and registers its public key with a one-time token', async () => {
    const station = openTestStation(tempDir(), new TestClock(Date.now()));
    const id = 'ST-00001' as StationId;
    expect(await station.enrol({ token: 'x'.repeat(32), pin: GOOD_PIN })).toMatchObject({ ok: false, error: { kind: 'no-kit' } });
    unwrap(await station.loadKit({ path: await kitFor(id) }));
    const enrolled = unwrap(await station.enrol({ token: await token(id), pin: GOOD_PIN }));
    const key = stationKey(station.db)!;
    expect(enrolled.publicKey).toBe(key.publicKey);
    expect(key.enrolledAt).toBe(enrolled.enrolledAt);
    expect(await enrolledKey(id)).toBe(key.publicKey);
    expect(unwrap(await station.status({}))).toMatchObject({ publicKey: key.publicKey, enrolledAt: enrolled.enrolledAt });
    const log = readAuditLog(station.db);
    expect(log.map((e) => e.event)).toEqual(['kit-loaded', 'pin-accepted', 'station-key-generated', 'enrolment-succeeded']);
    expect(JSON.stringify(log)).not.toContain('PRIVATE KEY');
    expect(verifyAuditLog(station.db).ok).toBe(true);
    station.close();
  });

  it('works again after a restart half-way: the same key with the same token is accepted', async () => {
    const id = 'ST-00002' as StationId;
    const dataDir = tempDir();
    const clock = new TestClock(Date.now());
    // The request reaches central, but the station dies before it reads the answer.
    const lostAnswer: typeof fetch = async (input, init) => {
      await fetch(input, init);
      throw new Error('the station was switched off');
    };
    const first = openTestStation(dataDir, clock, lostAnswer);
    unwrap(await first.loadKit({ path: await kitFor(id) }));
    const oneTimeToken = await token(id);
    expect(await first.enrol({ token: oneTimeToken, pin: GOOD_PIN })).toMatchObject({ ok: false, error: { kind: 'central-unreachable' } });
    const key = stationKey(first.db)!.publicKey;
    expect(await enrolledKey(id)).toBe(key);
    first.close();

    const restarted = openTestStation(dataDir, clock);
    expect(unwrap(await restarted.status({}))).toMatchObject({ publicKey: key, enrolledAt: null });
    expect(unwrap(await restarted.enrol({ token: oneTimeToken, pin: GOOD_PIN })).publicKey).toBe(key);
    expect(stationKey(restarted.db)!.enrolledAt).not.toBeNull();
    restarted.close();
  });

  it('refuses a bad token, a token of another station, and a central key that is not the kit’s', async () => {
    const id = 'ST-00003' as StationId;
    const station = openTestStation(tempDir(), new TestClock(Date.now()));
    unwrap(await station.loadKit({ path: await kitFor(id) }));
    const bad = await station.enrol({ token: 'kX3v9Qm2Zr8LwT1cYp5HnB7dFs0GjA4e', pin: GOOD_PIN });
    expect(bad).toMatchObject({ ok: false, error: { kind: 'enrolment-refused', code: 'bad-enrolment-token', status: 403 } });
    if (!bad.ok) expect(bad.error.message.en).toMatch(/new token/);
    expect(await station.enrol({ token: await token('ST-00005' as StationId), pin: GOOD_PIN })).toMatchObject({
      ok: false,
      error: { kind: 'enrolment-refused', code: 'bad-enrolment-token' },
    });
    expect(await enrolledKey(id)).toBeNull();
    expect(stationKey(station.db)?.enrolledAt).toBeNull();
    station.close();

    const wrongKey = openTestStation(tempDir(), new TestClock(Date.now()));
    unwrap(await wrongKey.loadKit({ path: await kitFor('ST-00006' as StationId, generateStationKeyPair().publicKey) }));
    expect(await wrongKey.enrol({ token: await token('ST-00006' as StationId), pin: GOOD_PIN })).toMatchObject({
      ok: false,
      error: { kind: 'central-key-mismatch' },
    });
    expect(stationKey(wrongKey.db)?.enrolledAt).toBeNull();
    wrongKey.close();
  });
});
