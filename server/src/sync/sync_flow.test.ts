import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { type CredentialHash, type StationId } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient } from '../simulate/station_client.ts';
import { openSampleElection, openWithStation, startTestCentral, type TestCentral } from '../testing/central.ts';
import { envelopeFor, votersOf } from '../testing/fixtures.ts';

const election = openSampleElection();
const voters = votersOf(election, 30);
const STATION = 'ST-00001' as StationId;
const at = (s: string) => voters.filter((v) => v.station === s);
let t: TestCentral;
let client: StationClient;

async function waitForProcessed(count: number): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const { rows } = await t.central.ctx.services.db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM batches WHERE status = 'processed'",
    );
    if (Number(rows[0]?.n) >= count) return;
    await sleep(50);
  }
  throw new Error(`fewer than ${count} batches processed`);
}

beforeAll(async () => {
  t = await startTestCentral({ withValidator: true });
  client = await openWithStation(t, election, voters, STATION);
});

afterAll(async () => {
  await t.stop();
});

describe('station sync over HTTP', () => {
  it('answers 202 with a central receipt, counts the ballots, and shows them in the results', async () => {
    const envelopes = at(STATION)
      .slice(0, 10)
      .map((v) => envelopeFor(election, v, () => 0));
    const outcome = await client.send(client.nextBatch(envelopes));
    expect(outcome.kind).toBe('accepted');
    if (outcome.kind !== 'accepted') return;
    expect(outcome.receipt.body).toMatchObject({ station: STATION, sequence: 1, envelopes: 10 });
    await waitForProcessed(1);
    const results = (await (await fetch(`${t.central.url}/api/v1/elections/${election.id}/results`)).json()) as {
      referendums: { national: { counts: { oui: number } } }[];
      ridings: { riding: string; ballots: number }[];
    };
    expect(results.referendums[0]?.national.counts.oui).toBe(10);
    expect(results.ridings.find((r) => r.riding === 'ABITIBI-OUEST')?.ballots).toBe(10);
  });

  it('gives the same receipt for the same batch again and counts it once', async () => {
    const batch = client.nextBatch(
      at(STATION)
        .slice(10, 12)
        .map((v) => envelopeFor(election, v)),
    );
    const first = await client.send(batch);
    const again = await client.send(batch);
    expect(again).toEqual(first);
    await waitForProcessed(2);
    const { rows } = await t.central.ctx.services.db.query<{ n: string }>('SELECT count(*)::text AS n FROM ballots');
    expect(rows[0]?.n).toBe('12');
  });

  it('refuses other content under a used sequence number and raises an equivocation alert', async () => {
    const other = new StationClient(t.central.url, election.id, STATION, client.keys);
    const forged = other.nextBatch([envelopeFor(election, at(STATION)[20]!)]);
    const outcome = await client.send(forged);
    expect(outcome).toMatchObject({ kind: 'refused', status: 409, code: 'sequence-conflict' });
    const { rows } = await t.central.ctx.services.db.query<{ kind: string }>('SELECT kind FROM alerts');
    expect(rows.map((r) => r.kind)).toContain('equivocation');
  });

  it('shows a station what has been acknowledged, and its gaps', async () => {
    const skipped = client.nextBatch([envelopeFor(election, at(STATION)[13]!)]);
    const after = client.nextBatch([envelopeFor(election, at(STATION)[14]!)]);
    expect((await client.send(after)).kind).toBe('accepted');
    const status = (await (await fetch(`${t.central.url}/api/v1/sync/status?election=${election.id}&station=${STATION}`)).json()) as {
      lastSequence: number;
      missing: number[];
    };
    expect(status).toMatchObject({ lastSequence: 4, missing: [3] });
    expect((await client.send(skipped)).kind).toBe('accepted');
  });

  it('refuses bad requests with typed errors and changes nothing', async () => {
    const { db } = t.central.ctx.services;
    const count = async () => (await db.query<{ n: string }>('SELECT count(*)::text AS n FROM batches')).rows[0]?.n;
    const before = await count();
    const post = (body: string, type = 'application/json') =>
      fetch(`${t.central.url}/api/v1/sync/batches`, { method: 'POST', headers: { 'content-type': type }, body });
    const code = async (r: Response) => ({ status: r.status, code: ((await r.json()) as { error: { code: string } }).error.code });

    expect(await code(await post('{"body":'))).toEqual({ status: 400, code: 'malformed-json' });
    expect(await code(await post('{}', 'text/plain'))).toEqual({ status: 415, code: 'unsupported-media-type' });
    expect(await code(await post(JSON.stringify({ pad: 'x'.repeat(5 * 1024 * 1024) })))).toEqual({ status: 413, code: 'body-too-large' });
    expect(await code(await post('{"body":{}}'))).toEqual({ status: 422, code: 'invalid-batch' });

    const stranger = new StationClient(t.central.url, election.id, STATION);
    expect(await stranger.send(stranger.nextBatch([envelopeFor(election, at(STATION)[25]!)]))).toMatchObject({
      status: 401,
      code: 'bad-signature',
    });
    const notEnrolled = new StationClient(t.central.url, election.id, 'ST-00002' as StationId);
    expect(await notEnrolled.send(notEnrolled.nextBatch([envelopeFor(election, at('ST-00002')[0]!)]))).toMatchObject({
      status: 403,
      code: 'station-not-enrolled',
    });
    const ghost = new StationClient(t.central.url, election.id, 'ST-99999' as StationId);
    expect(await ghost.send(ghost.nextBatch([envelopeFor(election, at(STATION)[0]!)]))).toMatchObject({
      status: 404,
      code: 'unknown-station',
    });

    // A ballot of another riding's style in this station's batch.
    const foreign = envelopeFor(election, {
      credential: randomBytes(32).toString('hex') as CredentialHash,
      station: 'ST-00016' as StationId,
    });
    const probe = new StationClient(t.central.url, election.id, STATION, client.keys);
    for (let i = 0; i < 10; i += 1) probe.nextBatch([envelopeFor(election, at(STATION)[0]!)]);
    expect(await probe.send(probe.nextBatch([foreign]))).toMatchObject({ status: 422, code: 'invalid-ballots' });
    expect(await count()).toBe(before);
  });

  it('counts a batch however its JSON text is laid out: the queue gets what the API parsed', async () => {
    // Whitespace around the batch travels as received; a byte-order mark (which the JSON
    // parser skips) makes the API serialise the parsed batch instead.
    const spaced = `\n  ${JSON.stringify(client.nextBatch([envelopeFor(election, at(STATION)[15]!)]))}  \n`;
    const marked = `\uFEFF${JSON.stringify(client.nextBatch([envelopeFor(election, at(STATION)[16]!)]))}`;
    expect((await client.send(spaced)).kind).toBe('accepted');
    expect((await client.send(marked)).kind).toBe('accepted');
    await waitForProcessed(6);
    const { rows } = await t.central.ctx.services.db.query<{ n: string }>('SELECT count(*)::text AS n FROM ballots');
    expect(rows[0]?.n).toBe('16');
    const dead = await t.central.ctx.services.broker.depths();
    expect(dead.deadLettered).toBe(0);
  });

  it('dead-letters a batch that reuses a stored ballot id, raises an alert, and goes on with the next', async () => {
    const first = envelopeFor(election, at(STATION)[17]!);
    expect((await client.send(client.nextBatch([first]))).kind).toBe('accepted');
    await waitForProcessed(7);
    const reused = envelopeFor(election, at(STATION)[18]!);
    const forged = { ...reused, ballot: { ...reused.ballot, id: first.ballot.id } };
    expect((await client.send(client.nextBatch([forged]))).kind).toBe('accepted');
    expect((await client.send(client.nextBatch([envelopeFor(election, at(STATION)[19]!)]))).kind).toBe('accepted');
    await waitForProcessed(8);
    const { db, broker } = t.central.ctx.services;
    for (let i = 0; i < 200 && (await broker.depths()).deadLettered < 1; i += 1) await sleep(50);
    expect((await broker.depths()).deadLettered).toBe(1);
    const alerts = await db.query<{ kind: string; station_id: string }>(
      "SELECT kind, station_id FROM alerts WHERE kind = 'ballot-id-reused'",
    );
    expect(alerts.rows).toEqual([{ kind: 'ballot-id-reused', station_id: STATION }]);
    const { rows } = await db.query<{ n: string }>('SELECT count(*)::text AS n FROM ballots');
    expect(rows[0]?.n).toBe('18');
  });
});
