import { generateStationKeyPair, type StationId } from '@scrutin/shared/node';
import { NewOfficialSchema } from '@scrutin/shared/api';
import { unwrap } from '@scrutin/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOfficial } from '../officials/users.ts';
import { StationClient } from '../simulate/station_client.ts';
import { openElection } from '../testing/election_setup.ts';
import { openSampleElection, startTestCentral, type TestCentral } from '../testing/central.ts';
import { envelopeFor, votersOf } from '../testing/fixtures.ts';

/**
 * Issue 12, "Station takeover": each attack of the audit, replayed over HTTP against a
 * central server on the real services, now refused.
 */
const election = openSampleElection();
const voters = votersOf(election, 10);
const at = (s: string) => voters.filter((v) => v.station === s);
/** Two envelopes of `station`'s voters: the sample election's anonymity set is k = 2. */
const two = (station: StationId) =>
  at(station)
    .slice(0, 2)
    .map((v) => envelopeFor(election, v));
const ST1 = 'ST-00001' as StationId;
const ST2 = 'ST-00002' as StationId;
const ST3 = 'ST-00003' as StationId;
const PASSWORD = 'a long enough passphrase';
let t: TestCentral;
let session = { cookie: '', csrf: '' };

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly body: Record<string, unknown>;
}

async function call(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${t.central.url}/api/v1${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  return { status: response.status, code: (json.error as { code?: string } | undefined)?.code, body: json };
}

const admin = (path: string, body: unknown = {}) =>
  call('POST', `/admin/elections/${election.id}/stations/${path}`, body, { cookie: session.cookie, 'x-csrf-token': session.csrf });
const issue = async (station: StationId) => admin(`${station}/enrolment-token`);
const tokenFor = async (station: StationId) => {
  const issued = await issue(station);
  expect(issued.status).toBe(201);
  return issued.body.token as string;
};
const enrolWith = (station: StationId, token: string, publicKey = generateStationKeyPair().publicKey, electionId: string = election.id) =>
  call('POST', '/stations/enrol', { election: electionId, station, token, publicKey });
const stationRow = async (station: StationId) =>
  (
    await t.central.ctx.services.db.query<{ public_key: string | null; revoked: boolean; key_generation: number }>(
      'SELECT public_key, revoked_at IS NOT NULL AS revoked, key_generation FROM stations WHERE election_id = $1 AND station_id = $2',
      [election.id, station],
    )
  ).rows[0];
const auditOf = async (station: StationId) =>
  (
    await t.central.ctx.services.db.query<{ actor: string; action: string; detail: Record<string, unknown> }>(
      "SELECT actor, action, detail FROM audit_log WHERE detail->>'station' = $1 ORDER BY id",
      [station],
    )
  ).rows;
const rekeys = async (event: 'revoked' | 're_enrolled') =>
  (await t.central.ctx.metrics.stationRekeys.get()).values.find((v) => v.labels.event === event)?.value ?? 0;

beforeAll(async () => {
  t = await startTestCentral({ withValidator: false });
  await openElection(t.central, election, voters);
  unwrap(
    await createOfficial(
      t.central.ctx.services.db,
      NewOfficialSchema.parse({ username: 'returning-officer', password: PASSWORD, role: 'admin' }),
    ),
  );
  const login = await fetch(`${t.central.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'returning-officer', password: PASSWORD }),
  });
  session = {
    cookie: login.headers.get('set-cookie')?.split(';')[0] ?? '',
    csrf: ((await login.json()) as { csrfToken: string }).csrfToken,
  };
});

afterAll(async () => {
  await t.stop();
});

describe('enrolment cannot take a station over', () => {
  it('refuses a token for an enrolled station at issue and at enrol, and keeps the station’s key', async () => {
    const spare = await tokenFor(ST1); // handed out before the station enrolled, then stolen
    const station = new StationClient(t.central.url, election.id, ST1);
    await station.enrol(await tokenFor(ST1));

    const tokensBefore = await t.central.ctx.services.db.query('SELECT 1 FROM enrolment_tokens');
    const refused = await issue(ST1);
    expect(refused).toMatchObject({ status: 409, code: 'station-already-enrolled' });
    expect((await t.central.ctx.services.db.query('SELECT 1 FROM enrolment_tokens')).rows).toHaveLength(tokensBefore.rows.length);

    // The attack: a later enrolment with another key silently replaced the station's key.
    const takeover = await enrolWith(ST1, spare);
    expect(takeover).toMatchObject({ status: 409, code: 'station-already-enrolled' });
    expect((await stationRow(ST1))?.public_key).toBe(station.keys.publicKey);
    expect((await station.send(station.nextBatch(two(ST1)))).kind).toBe('accepted');

    // The spare token was invalidated by the enrolment: after a revocation it is still refused.
    expect((await admin(`${ST1}/revoke`)).status).toBe(200);
    expect(await enrolWith(ST1, spare)).toMatchObject({ status: 403, code: 'bad-enrolment-token' });
    expect((await stationRow(ST1))?.revoked).toBe(true);
  });

  it('takes a token once: the same key may replay it, another key or a later use may not', async () => {
    const token = await tokenFor(ST2);
    const keys = generateStationKeyPair();
    const first = await enrolWith(ST2, token, keys.publicKey);
    expect(first.status).toBe(200);
    const replay = await enrolWith(ST2, token, keys.publicKey);
    expect(replay).toMatchObject({ status: 200, body: { enrolledAt: first.body.enrolledAt } });
    expect(await enrolWith(ST2, token)).toMatchObject({ status: 409, code: 'station-already-enrolled' });

    // Revoked, the used token does not bring the station back, not even with its own key.
    expect((await admin(`${ST2}/revoke`)).status).toBe(200);
    expect(await enrolWith(ST2, token, keys.publicKey)).toMatchObject({ status: 403, code: 'bad-enrolment-token' });
    expect((await auditOf(ST2)).filter((e) => e.action === 'station.enrolled')).toHaveLength(1);
  });

  it('refuses an expired token with 410 token-expired, and tokens last ENROLMENT_TOKEN_TTL_HOURS by default', async () => {
    const issued = await issue(ST3);
    const hours = (Date.parse(issued.body.expiresAt as string) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    await t.central.ctx.services.db.query(
      "UPDATE enrolment_tokens SET expires_at = now() - interval '1 second' WHERE election_id = $1 AND station_id = $2",
      [election.id, ST3],
    );
    const expired = await enrolWith(ST3, issued.body.token as string);
    expect(expired).toMatchObject({ status: 410, code: 'token-expired' });
    expect((await stationRow(ST3))?.public_key).toBeNull();
  });

  it('re-keys only by an official’s revocation and a new token, audited, alerted and counted', async () => {
    const station = 'ST-00004' as StationId;
    const old = new StationClient(t.central.url, election.id, station);
    await old.enrol(await tokenFor(station));
    const revokedBefore = await rekeys('revoked');
    const reEnrolledBefore = await rekeys('re_enrolled');

    expect((await admin(`${station}/revoke`)).status).toBe(200);
    const fresh = new StationClient(t.central.url, election.id, station);
    await fresh.enrol(await tokenFor(station));

    expect(await rekeys('revoked')).toBe(revokedBefore + 1);
    expect(await rekeys('re_enrolled')).toBe(reEnrolledBefore + 1);
    expect(await stationRow(station)).toMatchObject({ public_key: fresh.keys.publicKey, revoked: false, key_generation: 1 });
    const audit = await auditOf(station);
    expect(audit.map((e) => [e.actor, e.action])).toEqual([
      ['returning-officer', 'station.enrolment_token_issued'],
      [`(station ${station})`, 'station.enrolled'],
      ['returning-officer', 'station.revoked'],
      ['returning-officer', 'station.enrolment_token_issued'],
      [`(station ${station})`, 'station.re_enrolled'],
    ]);
    expect(audit.at(-1)?.detail).toMatchObject({ generation: 1, tokenIssuedBy: 'returning-officer', publicKey: fresh.keys.publicKey });
    const alerts = await t.central.ctx.services.db.query<{ kind: string }>('SELECT kind FROM alerts WHERE station_id = $1', [station]);
    expect(alerts.rows).toEqual([{ kind: 'station-rekeyed' }]);
    const metrics = await t.central.ctx.metrics.registry.metrics();
    expect(metrics).toMatch(/^scrutin_station_rekeys_total\{event="re_enrolled"\} [1-9]/m);

    // The old key is now a stranger; the new one syncs.
    expect(await old.send(old.nextBatch(two(station)))).toMatchObject({ status: 401, code: 'bad-signature' });
    expect((await fresh.send(fresh.nextBatch(two(station)))).kind).toBe('accepted');
  });

  it('answers 404 for an unknown election or station on the enrolment and status routes', async () => {
    const token = 'k'.repeat(32);
    expect(await enrolWith('ST-99999' as StationId, token)).toMatchObject({ status: 404, code: 'unknown-station' });
    expect(await enrolWith(ST1, token, undefined, 'no-such-election')).toMatchObject({ status: 404, code: 'unknown-election' });
    expect(await call('GET', `/sync/status?election=${election.id}&station=ST-99999`)).toMatchObject({
      status: 404,
      code: 'unknown-station',
    });
    expect(await call('GET', `/sync/status?election=no-such-election&station=${ST1}`)).toMatchObject({
      status: 404,
      code: 'unknown-election',
    });
    expect((await call('GET', `/sync/status?election=${election.id}&station=${ST1}`)).status).toBe(200);
  });
});
