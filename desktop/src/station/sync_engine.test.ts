import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kdfOf, parseNas, parseVoterCode, unwrap, type Sha256Hex } from '@scrutin/shared';
import { deriveCredential } from '@scrutin/shared/crypto';
import {
  BatchHeaderSchema,
  SignedBatchSchema,
  batchHash,
  generateStationKeyPair,
  signReceipt,
  verifyBatch,
  type PublicKey,
  type ReceiptBody,
} from '@scrutin/shared/protocol';
import { readAuditLog } from './audit_log.ts';
import {
  GOOD_PIN,
  IRV_STATION,
  NOW,
  TestClock,
  castFor,
  fixtureElection,
  makeCredentials,
  makeKit,
  openTestStation,
  removeTempDirs,
  tempDir,
  type CredentialsFixture,
} from './fixtures.test-support.ts';
import type { Station } from './station.ts';
import { backoffDelay, type SyncOptions } from './sync_engine.ts';

/**
 * The sync engine against a scripted central server speaking the protocol (docs/protocol.md),
 * with a real central key, so every failure mode can be produced on demand.
 */
function bodyText(init: Parameters<typeof fetch>[1]): string {
  if (typeof init?.body !== 'string') throw new Error('a JSON body was expected');
  return init.body;
}

type Mode = 'ok' | 'down' | 'busy' | 'forged-signature' | 'receipt-for-another-batch' | 'lose-answer';

class FakeCentral {
  readonly key = generateStationKeyPair();
  readonly url = 'https://central.test';
  mode: Mode = 'ok';
  stationKey: PublicKey | null = null;
  /** Sequence → batch hash, as received. */
  readonly received = new Map<number, { hash: Sha256Hex; envelopes: number; final?: boolean; receivedAt: string }>();
  posts = 0;
  statusCalls = 0;
  /** Central's clock offset from the station's, for clock-skew checks. */
  skewMs = 0;

  constructor(private readonly clock: TestClock) {}

  private answer(status: number, body: unknown): Response {
    return new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', date: new Date(this.clock.now() + this.skewMs).toUTCString() },
    });
  }

  readonly fetch: typeof fetch = (input, init) => Promise.resolve().then(() => this.handle(input, init));

  private handle(input: Parameters<typeof fetch>[0], init: Parameters<typeof fetch>[1]): Response {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (this.mode === 'down') throw new TypeError('fetch failed');
    if (url.pathname === '/api/v1/stations/enrol') {
      const body = JSON.parse(bodyText(init)) as { station: string; publicKey: PublicKey };
      this.stationKey = body.publicKey;
      return this.answer(200, {
        station: body.station,
        enrolledAt: new Date(this.clock.now()).toISOString(),
        centralPublicKey: this.key.publicKey,
      });
    }
    if (this.mode === 'busy') return this.answer(503, { error: { code: 'service-unavailable', message: 'queue down' } });
    if (url.pathname === '/api/v1/sync/status') {
      this.statusCalls += 1;
      const batches = [...this.received.entries()]
        .sort(([a], [b]) => a - b)
        .map(([sequence, b]) => ({ sequence, batchHash: b.hash, status: 'received' }));
      return this.answer(200, {
        election: url.searchParams.get('election'),
        station: url.searchParams.get('station'),
        lastSequence: batches.at(-1)?.sequence ?? 0,
        digest: '0'.repeat(64),
        missing: [],
        closed: false,
        batches,
      });
    }
    if (url.pathname === '/api/v1/sync/batches') {
      this.posts += 1;
      const batch = SignedBatchSchema.parse(JSON.parse(bodyText(init)));
      if (this.stationKey === null || !verifyBatch(batch, this.stationKey).ok)
        return this.answer(401, { error: { code: 'bad-signature', message: 'no' } });
      const hash = batchHash(batch.header);
      const seen = this.received.get(batch.header.sequence);
      if (seen !== undefined && seen.hash !== hash)
        return this.answer(409, { error: { code: 'sequence-conflict', message: 'equivocation' } });
      const entry = seen ?? {
        hash,
        envelopes: batch.header.envelopeCount,
        final: batch.header.final,
        receivedAt: new Date(this.clock.now()).toISOString(),
      };
      this.received.set(batch.header.sequence, entry);
      const body: ReceiptBody = {
        version: 2,
        election: batch.header.election,
        station: batch.header.station,
        sequence: batch.header.sequence,
        batchHash: hash,
        envelopeCount: entry.envelopes,
        receivedAt: entry.receivedAt,
      };
      switch (this.mode) {
        case 'forged-signature':
          return this.answer(202, signReceipt(body, generateStationKeyPair().privateKeyPem));
        case 'receipt-for-another-batch':
          return this.answer(202, signReceipt({ ...body, sequence: body.sequence + 1 }, this.key.privateKeyPem));
        case 'lose-answer':
          throw new Error('connection reset after the request was received');
        case 'ok':
          return this.answer(202, signReceipt(body, this.key.privateKeyPem));
        default:
          throw new Error('unexpected mode');
      }
    }
    return this.answer(404, { error: { code: 'not-found', message: url.pathname } });
  }
}

let credentials: CredentialsFixture;
beforeAll(async () => {
  credentials = await makeCredentials(fixtureElection());
});
afterAll(removeTempDirs);

const STATION = IRV_STATION;
const cards = () => credentials.cards(STATION);

async function setUp(
  sync: Partial<SyncOptions> = {},
  dataDir = tempDir(),
): Promise<{ station: Station; central: FakeCentral; clock: TestClock; dataDir: string }> {
  const clock = new TestClock(NOW);
  const central = new FakeCentral(clock);
  const station = openTestStation(dataDir, clock, central.fetch, { autoSync: false, random: () => 0.5, ...sync });
  await station.loadKit({
    path: await makeKit(credentials, { station: STATION, centralUrl: central.url, centralPublicKey: central.key.publicKey }),
  });
  await station.enrol({ token: 'x'.repeat(32), pin: GOOD_PIN });
  await station.openPolls({ pin: GOOD_PIN });
  return { station, central, clock, dataDir };
}

const synced = (station: Station) =>
  station.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM batches WHERE receipt IS NOT NULL').get()!.n;

describe('backoff', () => {
  it('is exponential with full jitter, capped', () => {
    const options = { backoffBaseMs: 1000, backoffCapMs: 60_000 };
    expect(backoffDelay(0, options, () => 0.999)).toBe(999);
    expect(backoffDelay(3, options, () => 0.5)).toBe(4000);
    expect(backoffDelay(20, options, () => 0.999)).toBe(59_940);
    expect(backoffDelay(200, options, () => 0.999)).toBeLessThan(60_000);
    expect(backoffDelay(5, options, () => 0)).toBe(0);
  });

  it('schedules each retry later while central is down, then syncs once it is back', async () => {
    const { station, central, clock } = await setUp();
    // k = 2: four ballots make one batch of two, two held back.
    await castFor(station, credentials.election, cards().slice(0, 4));
    central.mode = 'down';
    const waits: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const progress = (await station.syncNow({})).ok ? await station.status({}) : undefined;
      const sync = progress?.ok === true ? progress.value.sync : undefined;
      expect(sync).toMatchObject({ state: 'offline', pendingBallots: 4 });
      waits.push(Date.parse(sync!.nextAttemptAt!) - clock.now());
    }
    // random() = 0.5: half of 1 s, 2 s, 4 s, 8 s.
    expect(waits).toEqual([500, 1000, 2000, 4000]);
    central.mode = 'busy';
    expect(unwrap2(await station.syncNow({}))).toMatchObject({
      state: 'offline',
      lastError: { en: expect.stringMatching(/temporarily unavailable/) as unknown },
    });
    central.mode = 'ok';
    expect(unwrap2(await station.syncNow({}))).toMatchObject({
      state: 'waiting',
      syncedBallots: 2,
      pendingBallots: 2,
      nextAttemptAt: null,
      lastError: null,
    });
    station.close();
  });
});

function unwrap2<T>(r: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}

describe('holding ballots while the polls are open (the anonymity set, k = 2 here)', () => {
  it('keeps k ballots back, seals all but k once 2k wait, never on a timer; closing seals the rest, final', async () => {
    const { station, central, clock } = await setUp();
    await castFor(station, credentials.election, cards().slice(0, 3));
    expect(unwrap2(await station.syncNow({}))).toMatchObject({ state: 'waiting', pendingBallots: 3 });
    // No timer: six hours later the three are still held.
    clock.value += 6 * 3_600_000;
    expect(unwrap2(await station.syncNow({}))).toMatchObject({ state: 'waiting', pendingBallots: 3 });
    expect(central.posts).toBe(0);
    await castFor(station, credentials.election, cards().slice(3, 4), 3);
    expect(unwrap2(await station.syncNow({}))).toMatchObject({ state: 'waiting', syncedBallots: 2, pendingBallots: 2 });
    await castFor(station, credentials.election, cards().slice(4, 7), 4);
    expect(unwrap2(await station.syncNow({}))).toMatchObject({ state: 'waiting', syncedBallots: 5, pendingBallots: 2 });
    await station.closePolls({ pin: GOOD_PIN });
    expect(unwrap2(await station.syncNow({}))).toMatchObject({ state: 'idle', syncedBallots: 7, batchesSynced: 3 });
    expect([...central.received.values()].map((b) => [b.envelopes, b.final])).toEqual([
      [2, false],
      [3, false],
      [2, true],
    ]);
    station.close();
  });

  it('splits a large backlog at close into near-equal batches of at most maxBatch, shuffled and chained, the last final', async () => {
    const { station, central } = await setUp({ maxBatch: 8 });
    await castFor(station, credentials.election, cards().slice(0, 17));
    await station.closePolls({ pin: GOOD_PIN });
    expect(unwrap2(await station.syncNow({}))).toMatchObject({ state: 'idle', syncedBallots: 17, batchesSynced: 3 });
    expect([...central.received.values()].map((b) => [b.envelopes, b.final])).toEqual([
      [6, false],
      [6, false],
      [5, true],
    ]);
    const rows = station.db.prepare<[], { signed_batch: string }>('SELECT signed_batch FROM batches ORDER BY sequence').all();
    const headers = rows.map((r) => BatchHeaderSchema.parse((JSON.parse(r.signed_batch) as { header: unknown }).header));
    expect(headers.map((h) => h.previousBatchHash)).toEqual([null, batchHash(headers[0]!), batchHash(headers[1]!)]);
    station.close();
  });
});

describe('the station at rest (adversary B: a stolen kiosk)', () => {
  it('deletes a batch’s envelopes with its receipt, so neither the database nor its WAL holds a synced credential, tracking code or ballot', async () => {
    const { station, dataDir } = await setUp();
    const used = cards().slice(0, 6);
    const receipts = await castFor(station, credentials.election, used);
    await station.closePolls({ pin: GOOD_PIN });
    expect(unwrap2(await station.syncNow({}))).toMatchObject({ state: 'idle', syncedBallots: 6 });
    // What the station keeps of a synced batch: its signed header and its receipt.
    const kept = station.db.prepare<[], { signed_batch: string }>('SELECT signed_batch FROM batches').all();
    for (const row of kept) expect(Object.keys(JSON.parse(row.signed_batch) as object).sort()).toEqual(['header', 'signature']);
    expect(station.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()?.n).toBe(0);
    station.close();
    const election = credentials.election;
    const secrets = used.map((card) =>
      deriveCredential(election.id, unwrap(parseNas(card.nas)), unwrap(parseVoterCode(card.code)), kdfOf(election)),
    );
    const files = ['station.sqlite', 'station.sqlite-wal'].map((f) => join(dataDir, f));
    for (const file of files) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        continue; // no WAL left at all
      }
      const text = bytes.toString('latin1');
      for (const secret of secrets) expect(text.includes(secret), `${file} holds a credential`).toBe(false);
      for (const receipt of receipts) expect(text.includes(receipt.replace(/-/g, '')), `${file} holds a tracking code`).toBe(false);
      expect(text.includes('"selections"'), `${file} holds a ballot`).toBe(false);
    }
  });
});

describe('receipts', () => {
  it('never marks a batch synced on a forged receipt or a receipt for another batch', async () => {
    const { station, central } = await setUp();
    await castFor(station, credentials.election, cards().slice(0, 3));
    await station.closePolls({ pin: GOOD_PIN });
    central.mode = 'forged-signature';
    const forged = unwrap2(await station.syncNow({}));
    expect(forged).toMatchObject({
      state: 'error',
      syncedBallots: 0,
      pendingBallots: 3,
      lastError: { en: expect.stringMatching(/receipt for batch 1 is not valid/) as unknown },
    });
    expect(synced(station)).toBe(0);
    central.mode = 'receipt-for-another-batch';
    expect(unwrap2(await station.syncNow({}))).toMatchObject({ syncedBallots: 0 });
    expect(synced(station)).toBe(0);
    const refusals = readAuditLog(station.db)
      .filter((e) => e.event === 'receipt-refused')
      .map((e) => (e.details as { reason: string }).reason);
    expect(refusals).toEqual(['receipt-bad-signature', 'receipt-other-batch:sequence']);
    central.mode = 'ok';
    expect(unwrap2(await station.syncNow({}))).toMatchObject({ state: 'idle', syncedBallots: 3 });
    expect(synced(station)).toBe(1);
    station.close();
  });
});

describe('permanent refusals and reconciliation', () => {
  it('stops on a sequence conflict instead of looping, and says so', async () => {
    const clock = new TestClock(NOW);
    const central = new FakeCentral(clock);
    // Central already holds other content under sequence 1, but its status does not show it yet.
    central.received.set(1, { hash: 'f'.repeat(64) as Sha256Hex, envelopes: 1, receivedAt: new Date(NOW).toISOString() });
    const hideStatus: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('/sync/status'))
        return new Response(
          JSON.stringify({
            election: 'qc-demo-2026',
            station: STATION,
            lastSequence: 0,
            digest: '0'.repeat(64),
            missing: [],
            closed: false,
            batches: [],
          }),
          { status: 200 },
        );
      return central.fetch(input, init);
    };
    const fresh = openTestStation(tempDir(), clock, hideStatus, { autoSync: false });
    await fresh.loadKit({
      path: await makeKit(credentials, { station: STATION, centralUrl: central.url, centralPublicKey: central.key.publicKey }),
    });
    await fresh.enrol({ token: 'x'.repeat(32), pin: GOOD_PIN });
    await fresh.openPolls({ pin: GOOD_PIN });
    await castFor(fresh, credentials.election, cards().slice(5, 7));
    await fresh.closePolls({ pin: GOOD_PIN });
    const posts = central.posts;
    const halted = unwrap2(await fresh.syncNow({}));
    expect(halted).toMatchObject({
      state: 'error',
      nextAttemptAt: null,
      lastError: { en: expect.stringMatching(/refuses this station’s batches \(sequence-conflict\)/) as unknown },
    });
    expect(central.posts).toBe(posts + 1);
    expect(readAuditLog(fresh.db).filter((e) => e.event === 'sync-halted')).toHaveLength(1);
    // A manual retry tries once more, and stops again.
    expect(unwrap2(await fresh.syncNow({}))).toMatchObject({ state: 'error' });
    expect(central.posts).toBe(posts + 2);
    fresh.close();
  });

  it('stops when central holds another batch under one of its sequences (reconciliation)', async () => {
    const { station, central } = await setUp();
    await castFor(station, credentials.election, cards().slice(0, 2));
    await station.closePolls({ pin: GOOD_PIN });
    central.received.set(1, { hash: 'e'.repeat(64) as Sha256Hex, envelopes: 2, receivedAt: new Date(NOW).toISOString() });
    expect(unwrap2(await station.syncNow({}))).toMatchObject({
      state: 'error',
      lastError: { en: expect.stringMatching(/holds a batch 1 different/) as unknown },
    });
    expect(central.posts).toBe(0);
    station.close();
  });

  it('after a restart, gets the receipt of a batch central received but whose answer was lost, and stops if central lost one it acknowledged', async () => {
    const { station, central, clock, dataDir } = await setUp();
    await castFor(station, credentials.election, cards().slice(0, 4));
    await station.closePolls({ pin: GOOD_PIN });
    central.mode = 'lose-answer';
    expect(unwrap2(await station.syncNow({}))).toMatchObject({ state: 'offline', syncedBallots: 0 });
    expect(central.received.size).toBe(1);
    station.close();

    central.mode = 'ok';
    const restarted = openTestStation(dataDir, clock, central.fetch, { autoSync: false });
    expect(unwrap2(await restarted.syncNow({}))).toMatchObject({ state: 'idle', syncedBallots: 4, batchesSynced: 1 });
    // One reconciliation per run.
    expect(central.statusCalls).toBe(2);
    expect(central.received.size).toBe(1);
    restarted.close();

    // Central lost its copy (restored from an older backup). The station deleted the envelopes
    // with the receipt, so it cannot resend them: it stops and says why.
    central.received.clear();
    const again = openTestStation(dataDir, clock, central.fetch, { autoSync: false });
    expect(unwrap2(await again.syncNow({}))).toMatchObject({
      state: 'error',
      lastError: { en: expect.stringMatching(/no longer holds batch 1/) as unknown },
    });
    expect(central.received.size).toBe(0);
    again.close();
  });

  it('reports the clock skew with central and warns beyond the threshold', async () => {
    const { station, central } = await setUp({ clockWarningMs: 120_000 });
    const warnings: number[] = [];
    station.subscribe((e) => {
      if (e.kind === 'clock-warning') warnings.push(e.skewMs);
    });
    const near = unwrap2(await station.checkConnection({}));
    expect(near).toMatchObject({ reachable: true, enrolled: true, clockWarning: false, lastAcknowledgedSequence: 0 });
    expect(Math.abs(near.clockSkewMs!)).toBeLessThanOrEqual(1000);
    central.skewMs = 5 * 60_000;
    const far = unwrap2(await station.checkConnection({}));
    expect(far.clockWarning).toBe(true);
    expect(far.clockSkewMs).toBeGreaterThan(4 * 60_000);
    expect(warnings).toHaveLength(1);
    expect(unwrap2(await station.status({})).clockSkewMs).toBe(far.clockSkewMs);
    central.mode = 'down';
    expect(unwrap2(await station.checkConnection({}))).toMatchObject({ reachable: false, lastAcknowledgedSequence: null });
    station.close();
  });

  it('does nothing without enrolment, and says why', async () => {
    const clock = new TestClock(NOW);
    const central = new FakeCentral(clock);
    const station = openTestStation(tempDir(), clock, central.fetch, { autoSync: false });
    expect(await station.syncNow({})).toMatchObject({ ok: false, error: { kind: 'no-kit' } });
    await station.loadKit({
      path: await makeKit(credentials, { station: STATION, centralUrl: central.url, centralPublicKey: central.key.publicKey }),
    });
    expect(await station.syncNow({})).toMatchObject({
      ok: false,
      error: { kind: 'not-enrolled', message: { en: expect.stringMatching(/not enrolled/) as unknown } },
    });
    const [drive] = unwrap2(await station.listDrives({ pin: GOOD_PIN })).drives;
    expect(await station.exportBatches({ pin: GOOD_PIN, drive: drive!.id })).toMatchObject({ ok: false, error: { kind: 'not-enrolled' } });
    station.close();
  });
});
