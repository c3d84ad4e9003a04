import { setTimeout as sleep } from 'node:timers/promises';
import {
  batchHash,
  MAX_SEQUENCE,
  newBallotId,
  SEQUENCE_WINDOW,
  signBatch,
  type Credential,
  type Envelope,
  type Sha256Hex,
  type SignedBatch,
  type StationId,
} from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient } from '../simulate/station_client.ts';
import { openSampleElection, openWithStation, startTestCentral, type TestCentral } from '../testing/central.ts';
import { enrolmentToken } from '../testing/election_setup.ts';
import { envelopeFor, testVoter, votersOf, type TestVoter } from '../testing/fixtures.ts';

/**
 * The sync protocol (format 2) over HTTP against the real services, and every attack the audit
 * of issue 12 reproduced against format 1, each now refused. The sample election's anonymity
 * set is k = 2, so a batch needs two envelopes (one only as a station's only, final batch).
 */
const election = openSampleElection();
const voters = votersOf(election, 60);
const STATION = 'ST-00001' as StationId;
const at = (s: string) => voters.filter((v) => v.station === s);
let t: TestCentral;
let client: StationClient;
let next = 0;
/** The next unused voters of STATION. */
const fresh = (n: number): TestVoter[] => {
  const out = at(STATION).slice(next, next + n);
  next += n;
  return out;
};
const envelopes = (n: number, pick?: (options: number) => number): Envelope[] => fresh(n).map((v) => envelopeFor(election, v, pick));

/** Waits until every batch received is processed (and at least `count` are). */
async function waitForProcessed(count: number): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const { rows } = await t.central.ctx.services.db.query<{ done: string; waiting: string }>(
      "SELECT count(*) FILTER (WHERE status = 'processed')::text AS done, count(*) FILTER (WHERE status = 'received')::text AS waiting FROM batches",
    );
    if (Number(rows[0]?.done) >= count && Number(rows[0]?.waiting) === 0) return;
    await sleep(50);
  }
  throw new Error(`fewer than ${count} batches processed`);
}

async function count(sql: string): Promise<number> {
  const { rows } = await t.central.ctx.services.db.query<{ n: string }>(sql);
  return Number(rows[0]?.n ?? 0);
}

const post = (body: string, type = 'application/json') =>
  fetch(`${t.central.url}/api/v1/sync/batches`, { method: 'POST', headers: { 'content-type': type }, body });
const refusal = async (r: Response) => ({ status: r.status, code: ((await r.json()) as { error: { code: string } }).error.code });
const statusOf = async (election: string, station: string) =>
  fetch(`${t.central.url}/api/v1/sync/status?election=${election}&station=${station}`);

beforeAll(async () => {
  t = await startTestCentral({ withValidator: true });
  client = await openWithStation(t, election, voters, STATION);
});

afterAll(async () => {
  await t.stop();
});

describe('station sync over HTTP (format 2)', () => {
  it('answers 202 with a central receipt, counts the ballots, and shows them in the results', async () => {
    const outcome = await client.send(client.nextBatch(envelopes(10, () => 0)));
    expect(outcome.kind).toBe('accepted');
    if (outcome.kind !== 'accepted') return;
    expect(outcome.receipt.body).toMatchObject({ version: 2, station: STATION, sequence: 1, envelopeCount: 10 });
    await waitForProcessed(1);
    const results = (await (await fetch(`${t.central.url}/api/v1/elections/${election.id}/results`)).json()) as {
      referendums: { national: { counts: { oui: number } } }[];
      ridings: { riding: string; ballots: number }[];
    };
    expect(results.referendums[0]?.national.counts.oui).toBe(10);
    expect(results.ridings.find((r) => r.riding === 'ABITIBI-OUEST')?.ballots).toBe(10);
  });

  it('gives the same receipt for the same batch again and counts it once', async () => {
    const batch = client.nextBatch(envelopes(2));
    const first = await client.send(batch);
    const again = await client.send(batch);
    expect(again).toEqual(first);
    await waitForProcessed(2);
    expect(await count('SELECT count(*)::text AS n FROM ballots')).toBe(12);
  });

  it('refuses other content under a used sequence number and raises an equivocation alert', async () => {
    const other = new StationClient(t.central.url, election.id, STATION, client.keys);
    const forged = other.nextBatch(envelopes(2));
    expect(await client.send(forged)).toMatchObject({ kind: 'refused', status: 409, code: 'sequence-conflict' });
    const { rows } = await t.central.ctx.services.db.query<{ kind: string }>('SELECT kind FROM alerts');
    expect(rows.map((r) => r.kind)).toContain('equivocation');
  });

  it('lists gaps as ranges, and refuses a fork filling a gap (either chain direction) with an alert, then takes the real batch', async () => {
    const gapFirst = client.nextBatch(envelopes(2)); // sequence 3
    const gapSecond = client.nextBatch(envelopes(2)); // sequence 4
    const after = client.nextBatch(envelopes(2)); // sequence 5
    expect((await client.send(after)).kind).toBe('accepted');
    const status = (await (await statusOf(election.id, STATION)).json()) as { lastSequence: number; missing: unknown };
    expect(status).toMatchObject({ lastSequence: 5, missing: [{ from: 3, to: 4 }] });

    // A batch for sequence 4 that names the real sequence 3 but is not the one sequence 5 names.
    const equivocations = await count("SELECT count(*)::text AS n FROM alerts WHERE kind = 'equivocation'");
    const fork = signBatch(
      {
        election: election.id,
        station: STATION,
        mode: 'live',
        sequence: 4,
        previousBatchHash: batchHash(gapFirst.header),
        final: false,
        envelopes: envelopes(2),
      },
      client.keys.privateKeyPem,
    );
    expect(await client.send(fork)).toMatchObject({ kind: 'refused', status: 409, code: 'chain-mismatch' });
    expect(await count("SELECT count(*)::text AS n FROM alerts WHERE kind = 'equivocation'")).toBe(equivocations + 1);
    // The real batches still go in, in either order.
    expect((await client.send(gapSecond)).kind).toBe('accepted');
    expect((await client.send(gapFirst)).kind).toBe('accepted');
    expect(await (await statusOf(election.id, STATION)).json()).toMatchObject({ lastSequence: 5, missing: [], closed: false });
  });

  it('bounds sequences: no jump beyond the window, nothing above the maximum, never a 500', async () => {
    const jump = signBatch(
      {
        election: election.id,
        station: STATION,
        mode: 'live',
        sequence: 5 + SEQUENCE_WINDOW + 1,
        previousBatchHash: 'a'.repeat(64) as Sha256Hex,
        final: false,
        envelopes: envelopes(2),
      },
      client.keys.privateKeyPem,
    );
    expect(await client.send(jump)).toMatchObject({ status: 409, code: 'sequence-out-of-window' });
    const tooFar = { ...jump, header: { ...jump.header, sequence: MAX_SEQUENCE + 1 } };
    expect(await refusal(await post(JSON.stringify(tooFar)))).toEqual({ status: 422, code: 'invalid-batch' });
    const overflow = { ...jump, header: { ...jump.header, sequence: 2 ** 31 } };
    expect(await refusal(await post(JSON.stringify(overflow)))).toEqual({ status: 422, code: 'invalid-batch' });
  });

  it('refuses a batch smaller than the anonymity set, except a station’s only batch sealed final', async () => {
    expect(await client.send(client.nextBatch(envelopes(1)))).toMatchObject({ status: 422, code: 'batch-too-small' });
    const small = new StationClient(t.central.url, election.id, 'ST-00003' as StationId);
    await small.enrol(await enrolmentToken(t.central, election.id, 'ST-00003' as StationId));
    const only = envelopeFor(election, at('ST-00003')[0]!);
    expect(await small.send(small.nextBatch([only], true))).toMatchObject({ kind: 'accepted' });
    // After its final batch a station sends nothing more.
    expect(
      await small.send(small.nextBatch([envelopeFor(election, at('ST-00003')[1]!), envelopeFor(election, at('ST-00003')[2]!)])),
    ).toMatchObject({
      status: 409,
      code: 'station-closed',
    });
    expect(await (await statusOf(election.id, 'ST-00003')).json()).toMatchObject({ closed: true });
  });

  it('refuses any field the format does not define, before or after signing, with 422 and never forwards it', async () => {
    const before = await count('SELECT count(*)::text AS n FROM batches');
    const batch: SignedBatch = client.nextBatch(envelopes(2));
    const tampered = [
      { ...batch, extra: true },
      { ...batch, header: { ...batch.header, note: 'x' } },
      { ...batch, envelopes: batch.envelopes.map((e, i) => (i === 0 ? { ...e, nas: '046454286' } : e)) },
      { ...batch, envelopes: batch.envelopes.map((e, i) => (i === 0 ? { ...e, ballot: { ...e.ballot, id: newBallotId() } } : e)) },
      { ...batch, envelopes: batch.envelopes.map((e, i) => (i === 0 ? { ...e, ballot: { ...e.ballot, voter: 'x' } } : e)) },
    ];
    for (const body of tampered) expect(await refusal(await post(JSON.stringify(body)))).toEqual({ status: 422, code: 'invalid-batch' });
    expect(await count('SELECT count(*)::text AS n FROM batches')).toBe(before);
    // The untouched batch still goes in.
    expect((await client.send(batch)).kind).toBe('accepted');
  });

  it('answers 404 for the status of an unknown station or election', async () => {
    expect((await statusOf(election.id, 'ST-99999')).status).toBe(404);
    expect((await statusOf('no-such-election', STATION)).status).toBe(404);
  });

  it('counts nothing for a stolen kit: the check values it holds are not credentials', async () => {
    await waitForProcessed(6);
    const ballots = await count('SELECT count(*)::text AS n FROM ballots');
    // What a kit's shard lists for two unvoted voters, sent as if it were their credentials.
    const stolen = fresh(2).map((v) => ({ ...envelopeFor(election, v), credential: v.credentialHash as string as Credential }));
    expect((await client.send(client.nextBatch(stolen))).kind).toBe('accepted');
    await waitForProcessed(7);
    expect(await count('SELECT count(*)::text AS n FROM ballots')).toBe(ballots);
    expect(await count("SELECT coalesce(sum(count), 0)::text AS n FROM rejected_envelopes WHERE reason = 'invalid-credential'")).toBe(2);
  });

  it('records a card of another station as wrong-station, and leaves it usable at its own station', async () => {
    const elsewhere = at('ST-00002').slice(0, 2);
    expect((await client.send(client.nextBatch(elsewhere.map((v) => envelopeFor(election, v))))).kind).toBe('accepted');
    await waitForProcessed(8);
    expect(await count("SELECT coalesce(sum(count), 0)::text AS n FROM rejected_envelopes WHERE reason = 'wrong-station'")).toBe(2);
    expect(await count('SELECT count(*)::text AS n FROM credential_uses')).toBe(await count('SELECT count(*)::text AS n FROM ballots'));
  });

  it('refuses bad requests with typed errors and changes nothing', async () => {
    const before = await count('SELECT count(*)::text AS n FROM batches');
    expect(await refusal(await post('{"header":'))).toEqual({ status: 400, code: 'malformed-json' });
    expect(await refusal(await post('{}', 'text/plain'))).toEqual({ status: 415, code: 'unsupported-media-type' });
    expect(await refusal(await post(JSON.stringify({ pad: 'x'.repeat(5 * 1024 * 1024) })))).toEqual({
      status: 413,
      code: 'body-too-large',
    });
    expect(await refusal(await post('{"header":{}}'))).toEqual({ status: 422, code: 'invalid-batch' });

    const stranger = new StationClient(t.central.url, election.id, STATION);
    expect(
      await stranger.send(stranger.nextBatch([testVoter(STATION), testVoter(STATION)].map((v) => envelopeFor(election, v)))),
    ).toMatchObject({
      status: 401,
      code: 'bad-signature',
    });
    const notEnrolled = new StationClient(t.central.url, election.id, 'ST-00002' as StationId);
    expect(
      await notEnrolled.send(
        notEnrolled.nextBatch(
          at('ST-00002')
            .slice(2, 4)
            .map((v) => envelopeFor(election, v)),
        ),
      ),
    ).toMatchObject({
      status: 403,
      code: 'station-not-enrolled',
    });
    const ghost = new StationClient(t.central.url, election.id, 'ST-99999' as StationId);
    expect(
      await ghost.send(
        ghost.nextBatch(
          at(STATION)
            .slice(0, 2)
            .map((v) => envelopeFor(election, v)),
        ),
      ),
    ).toMatchObject({
      status: 404,
      code: 'unknown-station',
    });
    // A ballot of another riding's style in this station's batch.
    const foreign = envelopeFor(election, testVoter('ST-00016' as StationId));
    expect(await client.send(client.nextBatch([foreign, foreign]))).toMatchObject({ status: 422, code: 'invalid-ballots' });
    expect(await count('SELECT count(*)::text AS n FROM batches')).toBe(before);
  });

  it('checks a forged 1,000-envelope batch’s signature before any per-envelope work', async () => {
    const stranger = new StationClient(t.central.url, election.id, STATION);
    const voter = testVoter(STATION);
    const big = stranger.nextBatch(Array.from({ length: 1000 }, () => envelopeFor(election, voter)));
    // Even with a Merkle root that cannot match, the answer is the signature's.
    const broken = { ...big, header: { ...big.header, merkleRoot: 'f'.repeat(64) } };
    expect(await refusal(await post(JSON.stringify(broken)))).toEqual({ status: 401, code: 'bad-signature' });
    expect((await t.central.ctx.services.broker.depths()).deadLettered).toBe(0);
  });
});
