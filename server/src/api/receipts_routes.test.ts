import { setTimeout as sleep } from 'node:timers/promises';
import { formatTrackingCode, sampleElectionJson, unwrap, type Envelope, type StationId, type TrackingCode } from '@scrutin/shared/node';
import { ReceiptSchema } from '@scrutin/shared/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveElection, setElectionState } from '../elections/store.ts';
import type { StationClient } from '../simulate/station_client.ts';
import { openSampleElection, openWithStation, startTestCentral, type TestCentral } from '../testing/central.ts';
import { envelopeFor, votersOf } from '../testing/fixtures.ts';
import { receiptsArePublic, trackingCodesIn } from '../results/receipts.ts';

/**
 * The public receipt check against the real services: ballots go in through the sync route and
 * the validator, and only the tracking codes of counted envelopes answer `counted`, only once
 * the polls have closed, and never with a station or a ballot.
 */
let clock = Date.now();
const election = openSampleElection(clock);
const voters = votersOf(election, 10);
const STATION = 'ST-00001' as StationId;
const mine = voters.filter((v) => v.station === STATION);
let t: TestCentral;
/** Receipt checks a client address may make a minute here (every request of this file comes from loopback). */
const RATE = 30;
let client: StationClient;

/** Codes of counted envelopes, and of the envelope refused as a duplicate (a card used twice). */
let counted: TrackingCode[] = [];
let duplicate: TrackingCode;
/** A well-formed code no envelope carried. */
let unknown: TrackingCode;

const receipt = (code: string, id: string = election.id) =>
  fetch(`${t.central.url}/api/v1/elections/${id}/receipts/${encodeURIComponent(code)}`);
const body = async (r: Response) => (await r.json()) as Record<string, unknown> & { error?: { code: string } };

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
  t = await startTestCentral({ withValidator: true, now: () => new Date(clock), env: { RECEIPT_RATE_PER_IP: String(RATE) } });
  client = await openWithStation(t, election, voters, STATION);
  const [a, b, c, d] = mine;
  if (a === undefined || b === undefined || c === undefined || d === undefined) throw new Error('the fixture has too few voters');
  const first: Envelope[] = [a, b, c].map((v) => envelopeFor(election, v));
  expect((await client.send(client.nextBatch(first))).kind).toBe('accepted');
  await waitForProcessed(1);
  // The second batch: a fresh card, and card `a` again (a duplicate, refused, its code not kept).
  const second: Envelope[] = [envelopeFor(election, d), envelopeFor(election, a)];
  expect((await client.send(client.nextBatch(second))).kind).toBe('accepted');
  await waitForProcessed(2);
  counted = [...first, second[0]].map((e) => (e as Envelope).tracking);
  duplicate = (second[1] as Envelope).tracking;
  const all = new Set<string>([...counted, duplicate]);
  unknown = (all.has('0000000000ZZ') ? '0000000000ZY' : '0000000000ZZ') as TrackingCode;
}, 60_000);

afterAll(async () => {
  await t.stop();
});

describe('GET /elections/:id/receipts/:code', () => {
  it('keeps only the codes of counted envelopes (the duplicate is refused and its code not stored)', async () => {
    const { rows } = await t.central.ctx.services.db.query<{ codes: Buffer }>(
      'SELECT codes FROM tracking_code_sets WHERE election_id = $1',
      [election.id],
    );
    expect(rows.flatMap((r) => trackingCodesIn(r.codes)).sort()).toEqual([...counted].sort());
  });

  it('answers 409 not-yet-public for every code, counted or not, while the polls are open', async () => {
    const answers = await Promise.all(
      [counted[0] ?? '', duplicate, unknown].map(async (code) => {
        const r = await receipt(code);
        return { status: r.status, body: await body(r) };
      }),
    );
    for (const a of answers) {
      expect(a.status).toBe(409);
      expect(a.body.error?.code).toBe('not-yet-public');
    }
    // The same answer, word for word, whatever the code.
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
  });

  it('refuses a code that does not parse with 400 invalid-request, open or closed', async () => {
    for (const bad of ['ABC', 'UUUU-UUUU-UUUU', `${counted[0] ?? ''}0`]) {
      const r = await receipt(bad);
      expect(r.status).toBe(400);
      expect((await body(r)).error?.code).toBe('invalid-request');
    }
  });

  it('answers 404 unknown-election for an unknown election and for a draft', async () => {
    const draft = unwrap(await saveElection(t.central.ctx.services.db, { ...(sampleElectionJson() as object), id: 'qc-draft-2026' }));
    for (const id of ['nowhere-2026', draft.id]) {
      const r = await receipt(counted[0] ?? '', id);
      expect(r.status).toBe(404);
      expect((await body(r)).error?.code).toBe('unknown-election');
    }
  });

  it('once the polls have closed by the clock: counted for a counted code, however it is typed', async () => {
    clock = Date.parse(election.closesAt) + 1000;
    for (const code of counted) {
      const r = await receipt(formatTrackingCode(code));
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toBe('no-store');
      const answer = await body(r);
      // Exactly these three fields: no station, no ballot, no time.
      expect(answer).toEqual({ election: election.id, code: formatTrackingCode(code), status: 'counted' });
      expect(ReceiptSchema.parse(answer)).toEqual(answer);
      expect(JSON.stringify(answer)).not.toContain(STATION);
    }
    // Lower case, no dashes, O for 0 and I/L for 1 as a voter may read them.
    const first = counted[0] ?? '';
    const typed = ` ${first.toLowerCase().replace(/0/g, 'o').replace(/1/g, 'l')} `;
    const r = await receipt(typed);
    expect(r.status).toBe(200);
    expect((await body(r)).code).toBe(formatTrackingCode(first as TrackingCode));
  });

  it('once closed: 404 not-found, the same answer for an unknown code and for the code of a refused duplicate', async () => {
    const answers = await Promise.all(
      [duplicate, unknown].map(async (code) => {
        const r = await receipt(code);
        return { status: r.status, body: await body(r) };
      }),
    );
    for (const a of answers) {
      expect(a.status).toBe(404);
      expect(a.body.error?.code).toBe('not-found');
    }
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(JSON.stringify(answers)).not.toContain(STATION);
  });

  it('is public as soon as an official closes the election, before closesAt', async () => {
    clock = Date.parse(election.closesAt) - 60_000;
    expect((await receipt(counted[0] ?? '')).status).toBe(409);
    await setElectionState(t.central.ctx.services.db, election.id, 'closed');
    const r = await receipt(counted[0] ?? '');
    expect(r.status).toBe(200);
    expect((await body(r)).status).toBe('counted');
  });

  it('limits each client address, with Retry-After', async () => {
    let limited: Response | undefined;
    for (let i = 0; i <= RATE && limited === undefined; i += 1) {
      const r = await receipt(unknown);
      if (r.status === 429) limited = r;
      else await r.body?.cancel();
    }
    expect(limited?.status).toBe(429);
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await body(limited as Response)).error?.code).toBe('rate-limited');
  });
});

describe('receiptsArePublic', () => {
  const closes = Date.parse(election.closesAt);
  it('follows the state, and the clock while open', () => {
    expect(receiptsArePublic(election, 'draft', new Date(closes + 1))).toBe(false);
    expect(receiptsArePublic(election, 'open', new Date(closes - 1))).toBe(false);
    expect(receiptsArePublic(election, 'open', new Date(closes))).toBe(true);
    expect(receiptsArePublic(election, 'closed', new Date(closes - 3_600_000))).toBe(true);
    expect(receiptsArePublic(election, 'certified', new Date(closes - 3_600_000))).toBe(true);
  });
});
