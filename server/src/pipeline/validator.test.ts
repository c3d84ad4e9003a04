import { randomBytes } from 'node:crypto';
import {
  batchHash,
  canonicalEnvelopeJson,
  credentialHash,
  generateStationKeyPair,
  parseElection,
  sampleElection,
  signBatch,
  unwrap,
  type Envelope,
  type Sha256Hex,
  type StationId,
} from '@scrutin/shared/node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, postgresDatabase, type Database } from '../db/database.ts';
import { loadCredentials, rebuildDedup, saveElection } from '../elections/store.ts';
import { envelopeFor, testVoter, votersOf, type TestVoter } from '../testing/fixtures.ts';
import { createTestDatabase, SERVICE_URLS, testNamespace, type TestDatabase } from '../testing/services.ts';
import { RedisDedupStore } from './dedup.ts';
import { sealBatchMessage, type BatchMessage } from './messages.ts';
import { handleBatchMessage, processBatch } from './validator.ts';
import { ElectionCatalogue } from '../elections/catalogue.ts';
import { trackingCodesIn } from '../results/receipts.ts';

const election = sampleElection();
const keys = generateStationKeyPair();
const ns = testNamespace();
let testDb: TestDatabase;
let db: Database;
let dedup: RedisDedupStore;
let catalogue: ElectionCatalogue;
const voters = votersOf(election, 20);
const at = (station: string) => voters.filter((v) => v.station === station);
const sequences = new Map<string, { sequence: number; previous: Sha256Hex | null }>();

const pipelineKey = randomBytes(32);

function message(station: StationId, envelopes: Envelope[]): BatchMessage {
  const chain = sequences.get(station) ?? { sequence: 0, previous: null };
  const batch = signBatch(
    {
      election: election.id,
      station,
      mode: 'live',
      sequence: chain.sequence + 1,
      previousBatchHash: chain.previous,
      final: false,
      envelopes,
    },
    keys.privateKeyPem,
  );
  const hash = batchHash(batch.header);
  sequences.set(station, { sequence: chain.sequence + 1, previous: hash });
  return { election: election.id, station, sequence: batch.header.sequence, batchHash: hash, receivedAtMs: Date.now(), envelopes };
}

/** The message as the API queues it: sealed with the pipeline key. */
function sealed(m: BatchMessage): Buffer {
  return sealBatchMessage(
    pipelineKey,
    { election: m.election, station: m.station, sequence: m.sequence, batchHash: m.batchHash, receivedAtMs: m.receivedAtMs },
    m.envelopes.map((e) => canonicalEnvelopeJson(e)),
  );
}

/** A queued message with its identity line changed and its sealed bytes kept. */
function withIdentity(queued: Buffer, change: (identity: Record<string, unknown>) => Record<string, unknown>): Buffer {
  const end = queued.indexOf(0x0a);
  const identity = JSON.parse(queued.toString('utf8', 0, end)) as Record<string, unknown>;
  return Buffer.concat([Buffer.from(`${JSON.stringify(change(identity))}\n`), queued.subarray(end + 1)]);
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: string }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

const deps = () => ({ db, dedup, elections: catalogue, pipelineKey });

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = postgresDatabase(testDb.url, 4);
  await migrate(db);
  unwrap(await saveElection(db, election));
  dedup = new RedisDedupStore(SERVICE_URLS.redis, ns);
  await loadCredentials(
    db,
    dedup,
    election.id,
    voters.map((v) => ({ credential: v.credentialHash, station: v.station })),
  );
  catalogue = new ElectionCatalogue(db, (json) => unwrap(parseElection(json)));
});

afterAll(async () => {
  const redis = new Redis(SERVICE_URLS.redis);
  const stale = await redis.keys(`*${ns}*`);
  if (stale.length > 0) await redis.del(...stale);
  redis.disconnect();
  await dedup.close();
  await db.close();
  await testDb.drop();
});

describe('validator', () => {
  const station = 'ST-00001' as StationId;

  it('accepts fresh credentials, stores anonymous ballots and updates the tallies', async () => {
    const batch = message(
      station,
      at(station)
        .slice(0, 5)
        .map((v) => envelopeFor(election, v)),
    );
    const outcome = await processBatch(deps(), election, batch);
    expect(outcome).toEqual({ alreadyProcessed: false, accepted: 5, duplicates: 0, invalid: 0 });
    expect(await count('SELECT count(*) AS n FROM ballots')).toBe(5);
    expect(await count("SELECT sum(count) AS n FROM tally_counts WHERE contest_id = 'L2025-001'")).toBe(5);
    expect(await count('SELECT ballots AS n FROM station_counts WHERE station_id = $1', [station])).toBe(5);
    // The stored ballot holds no credential, batch or time.
    const { rows } = await db.query('SELECT * FROM ballots LIMIT 1');
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual(['ballot_id', 'election_id', 'riding', 'selections']);
    expect(JSON.stringify(rows)).not.toContain(at(station)[0]?.credential);
  });

  it('opens sealed queue messages, and dead-letters one sealed with another key or altered in any byte', async () => {
    const m = message(
      station,
      at(station)
        .slice(15, 17)
        .map((v) => envelopeFor(election, v)),
    );
    const queued = sealed(m);
    // The queue shows who sent the batch, never a credential, a tracking code or a choice.
    const identityLine = queued.toString('utf8', 0, queued.indexOf(0x0a));
    expect(JSON.parse(identityLine)).toEqual({
      version: 2,
      election: election.id,
      station,
      sequence: m.sequence,
      batchHash: m.batchHash,
      envelopeCount: 2,
      receivedAtMs: m.receivedAtMs,
    });
    const text = queued.toString('latin1');
    for (const e of m.envelopes) {
      expect(text).not.toContain(e.credential);
      expect(text).not.toContain(e.tracking);
      expect(queued.includes(Buffer.from(e.credential, 'hex'))).toBe(false);
    }
    expect(text).not.toContain('selections');
    const flipped = Buffer.from(queued);
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] ?? 0) ^ 1;
    expect(await handleBatchMessage(deps(), flipped)).toBe('dead-letter');
    expect(await handleBatchMessage(deps(), queued.subarray(0, queued.length - 1))).toBe('dead-letter');
    expect(
      await handleBatchMessage(
        deps(),
        withIdentity(queued, (i) => ({ ...i, station: 'ST-00002' })),
      ),
    ).toBe('dead-letter');
    expect(
      await handleBatchMessage(
        deps(),
        withIdentity(queued, (i) => ({ ...i, sequence: m.sequence + 1 })),
      ),
    ).toBe('dead-letter');
    expect(await handleBatchMessage({ ...deps(), pipelineKey: randomBytes(32) }, queued)).toBe('dead-letter');
    expect(
      await handleBatchMessage(
        deps(),
        withIdentity(queued, (i) => ({ ...i, extra: 1 })),
      ),
    ).toBe('dead-letter');
    // Not a message of ours at all: no identity line, or the identity alone.
    expect(await handleBatchMessage(deps(), Buffer.from('{"poison":true}'))).toBe('dead-letter');
    expect(await handleBatchMessage(deps(), queued.subarray(0, queued.indexOf(0x0a) + 1))).toBe('dead-letter');
    const before = await count('SELECT count(*) AS n FROM ballots');
    expect(await handleBatchMessage(deps(), queued)).toBe('ack');
    expect(await count('SELECT count(*) AS n FROM ballots')).toBe(before + 2);
  });

  it('gives ballots fresh central ids and writes uses, ballots and tracking codes in no order a cast order can show', async () => {
    const envelopes = at(station)
      .slice(17, 20)
      .map((v) => envelopeFor(election, v));
    await processBatch(deps(), election, message(station, envelopes));
    // Within the batch (the anonymity set), every partition's heap order of its uses is
    // check-value order, whatever order the envelopes came in.
    const mine = new Set(envelopes.map((e) => credentialHash(e.credential)));
    for (let p = 0; p < 8; p += 1) {
      const { rows } = await db.query<{ h: string }>(`SELECT encode(credential_hash, 'hex') AS h FROM credential_uses_p${p} ORDER BY ctid`);
      const hashes = rows.map((r) => r.h).filter((h) => mine.has(h as never));
      expect(hashes).toEqual([...hashes].sort());
    }
    // The batch's codes: one row, in code order (8-byte values), nothing else beside them.
    const sets = await db.query<{ codes: Buffer }>('SELECT codes FROM tracking_code_sets WHERE election_id = $1', [election.id]);
    const batchSet = sets.rows.map((r) => trackingCodesIn(r.codes)).find((codes) => codes.some((c) => c === envelopes[0]?.tracking));
    expect(batchSet).toEqual(envelopes.map((e) => e.tracking).sort());
    const columns = await db.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name IN ('credential_uses', 'tracking_code_sets') ORDER BY column_name",
    );
    expect(columns.rows.map((r) => r.column_name)).toEqual(['codes', 'credential_hash', 'election_id', 'election_id', 'seq']);
  });

  it('keeps a tracking code two voters happened to draw, once for each of them', async () => {
    const other = 'ST-00004' as StationId;
    const [first, second] = at(other)
      .slice(0, 2)
      .map((v) => envelopeFor(election, v));
    if (first === undefined || second === undefined) throw new Error('two voters of ST-00004 expected');
    const shared = { ...second, tracking: first.tracking };
    expect((await processBatch(deps(), election, message(other, [first, shared]))).accepted).toBe(2);
    const sets = await db.query<{ codes: Buffer }>('SELECT codes FROM tracking_code_sets WHERE election_id = $1', [election.id]);
    expect(sets.rows.flatMap((r) => trackingCodesIn(r.codes)).filter((c) => c === first.tracking)).toHaveLength(2);
  });

  it('counts nothing twice when the same batch is delivered again', async () => {
    const batch = message(
      station,
      at(station)
        .slice(5, 8)
        .map((v) => envelopeFor(election, v)),
    );
    await processBatch(deps(), election, batch);
    const before = await count('SELECT count(*) AS n FROM ballots');
    expect(await processBatch(deps(), election, batch)).toEqual({ alreadyProcessed: true, accepted: 0, duplicates: 0, invalid: 0 });
    expect(await count('SELECT count(*) AS n FROM ballots')).toBe(before);
  });

  it('recognises its own credentials after a crash between the Redis step and the commit', async () => {
    const envelopes = at(station)
      .slice(8, 11)
      .map((v) => envelopeFor(election, v));
    const batch = message(station, envelopes);
    // The first attempt marked the credentials in Redis, then the validator died.
    await dedup.checkAndMark(
      election.id,
      station,
      batch.batchHash,
      envelopes.map((e) => credentialHash(e.credential)),
    );
    expect(await processBatch(deps(), election, batch)).toEqual({ alreadyProcessed: false, accepted: 3, duplicates: 0, invalid: 0 });
  });

  it('refuses reused, unknown and other-station credentials (wrong-station, its own reason), and repeats inside a batch', async () => {
    const used = at(station)[0] as TestVoter;
    const fresh = at(station)[11] as TestVoter;
    const elsewhere = at('ST-00002')[0] as TestVoter;
    const unknown = testVoter(station);
    const envelopes = [used, fresh, fresh, unknown, { ...elsewhere, station }].map((v) => envelopeFor(election, v));
    const outcome = await processBatch(deps(), election, message(station, envelopes));
    expect(outcome).toEqual({ alreadyProcessed: false, accepted: 1, duplicates: 2, invalid: 2 });
    expect(await count("SELECT count AS n FROM rejected_envelopes WHERE station_id = $1 AND reason = 'duplicate'", [station])).toBe(2);
    expect(
      await count("SELECT count AS n FROM rejected_envelopes WHERE station_id = $1 AND reason = 'invalid-credential'", [station]),
    ).toBe(1);
    expect(await count("SELECT count AS n FROM rejected_envelopes WHERE station_id = $1 AND reason = 'wrong-station'", [station])).toBe(1);
    // The other station's voter can still vote there: nothing was marked.
    expect(
      await count('SELECT count(*) AS n FROM credential_uses WHERE credential_hash = $1', [Buffer.from(elsewhere.credentialHash, 'hex')]),
    ).toBe(0);
    expect(await count('SELECT sum(attempts) AS n FROM duplicate_attempts')).toBe(2);
  });

  it('lets Postgres overrule a stale Redis in both directions (the general path), counting each credential once', async () => {
    const redis = new Redis(SERVICE_URLS.redis);
    const tag = `{${ns}:${election.id}:st:${station}}`;
    const reused = at(station)[3] as TestVoter;
    const forgotten = at(station)[13] as TestVoter;
    // Redis lost the use of `reused` and the validity of `forgotten`.
    await redis.hdel(`${tag}:used`, Buffer.from(reused.credentialHash, 'hex'));
    await redis.srem(`${tag}:valid`, Buffer.from(forgotten.credentialHash, 'hex'));
    redis.disconnect();
    const events: string[] = [];
    const outcome = await processBatch(
      { ...deps(), onEvent: (event) => events.push(event) },
      election,
      message(
        station,
        [reused, forgotten, at(station)[14] as TestVoter].map((v) => envelopeFor(election, v)),
      ),
      { redelivered: false },
    );
    expect(outcome).toEqual({ alreadyProcessed: false, accepted: 2, duplicates: 1, invalid: 0 });
    expect(events).toContain('validator.dedup_overruled');
    expect(
      await count('SELECT count(*) AS n FROM credential_uses WHERE credential_hash = $1', [Buffer.from(forgotten.credentialHash, 'hex')]),
    ).toBe(1);
  });

  it('keeps one vote per credential when Redis lost everything, and rebuilds it from Postgres', async () => {
    const redis = new Redis(SERVICE_URLS.redis);
    const keysNow = await redis.keys(`*${ns}*`);
    await redis.del(...keysNow);
    redis.disconnect();
    expect(await dedup.isLoaded(election.id)).toBe(false);
    // Postgres alone still refuses a reused credential...
    const reuse = message(station, [envelopeFor(election, at(station)[1] as TestVoter)]);
    expect(await processBatch(deps(), election, reuse)).toMatchObject({ accepted: 0, duplicates: 1 });
    // ...and the rebuild restores the fast path.
    expect(await rebuildDedup(db, dedup, election.id)).toBe(voters.length);
    const verdicts = await dedup.checkAndMark(election.id, station, reuse.batchHash, [
      (at(station)[2] as TestVoter).credentialHash,
      (at(station)[12] as TestVoter).credentialHash,
    ]);
    expect(verdicts).toEqual(['duplicate', 'first-use']);
  });

  it('leaves the tally equal to a recount of the stored ballots, and a recount catches a tampered tally', async () => {
    const { recountFromBallots } = await import('../results/tally_store.ts');
    const recount = await recountFromBallots(db, election);
    expect(recount).toMatchObject({ equal: true, differences: [] });
    expect(recount.ballots).toBeGreaterThan(10);
    await db.query(
      "UPDATE tally_counts SET count = count + 1 WHERE contest_id = 'L2025-001' AND option = 'oui' AND riding = 'ABITIBI-OUEST'",
    );
    const tampered = await recountFromBallots(db, election);
    expect(tampered.equal).toBe(false);
    expect(tampered.differences).toEqual([expect.stringMatching(/^L2025-001 ABITIBI-OUEST oui: live \d+, recount \d+$/)]);
    await db.query(
      "UPDATE tally_counts SET count = count - 1 WHERE contest_id = 'L2025-001' AND option = 'oui' AND riding = 'ABITIBI-OUEST'",
    );
    const stored = await count('SELECT count(*) AS n FROM ballots');
    expect(await count("SELECT sum(count) AS n FROM tally_counts WHERE contest_id = 'L2025-001'")).toBe(stored);
    expect(await count('SELECT sum(ballots) AS n FROM station_counts')).toBe(stored);
    expect(await count('SELECT count(*) AS n FROM credential_uses')).toBe(stored);
  });
});

describe('poison messages', () => {
  it('dead-letters a message that can never be processed, with an alert, and counts nothing', async () => {
    const { InProcessBroker } = await import('./broker.ts');
    const { startValidator } = await import('./worker.ts');
    const { createMetrics } = await import('../metrics.ts');
    const broker = new InProcessBroker();
    const metrics = createMetrics(false);
    await startValidator({ db, dedup, broker, elections: catalogue, pipelineKey, metrics, log: () => undefined, prefetch: 1 });
    const before = await count('SELECT count(*) AS n FROM ballots');
    await broker.publish(Buffer.from('{"not":"a batch"}'));
    for (let i = 0; i < 100 && (await broker.depths()).deadLettered === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(await broker.depths()).toEqual({ queued: 0, deadLettered: 1 });
    expect(await count("SELECT count(*) AS n FROM alerts WHERE kind = 'dead-letter'")).toBe(1);
    expect((await metrics.registry.getSingleMetricAsString('scrutin_dead_letters_total')).trim().split('\n').at(-1)).toBe(
      'scrutin_dead_letters_total 1',
    );
    expect(await count('SELECT count(*) AS n FROM ballots')).toBe(before);
    await broker.close();
  });

  it('quarantines a batch that cannot be committed: its voters keep their vote, it waits sealed, and is counted once fixed', async () => {
    const { InProcessBroker } = await import('./broker.ts');
    const { startValidator } = await import('./worker.ts');
    const { createMetrics } = await import('../metrics.ts');
    const broker = new InProcessBroker();
    const station = 'ST-00003' as StationId;
    const mine = at(station).slice(0, 3);
    const m = message(
      station,
      mine.map((v) => envelopeFor(election, v)),
    );
    await db.query(
      "INSERT INTO batches (election_id, station_id, sequence, batch_hash, envelope_count) VALUES ($1, $2, $3, decode($4, 'hex'), $5)",
      [election.id, station, m.sequence, m.batchHash, 3],
    );
    // A permanent failure in the commit (a broken schema, a bug): the same error every time.
    await db.exec(`CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
                   CREATE TRIGGER test_refuse BEFORE INSERT ON tracking_code_sets FOR EACH ROW EXECUTE FUNCTION test_refuse();`);
    try {
      await startValidator({
        db,
        dedup,
        broker,
        elections: catalogue,
        pipelineKey,
        metrics: createMetrics(false),
        log: () => undefined,
        prefetch: 1,
      });
      await broker.publish(sealed(m));
      for (let i = 0; i < 200 && (await broker.depths()).deadLettered === 0; i += 1) await new Promise((r) => setTimeout(r, 25));
      expect(await broker.depths()).toEqual({ queued: 0, deadLettered: 1 });
    } finally {
      await db.exec('DROP TRIGGER test_refuse ON tracking_code_sets; DROP FUNCTION test_refuse();');
      await broker.close();
    }
    const { rows } = await db.query<{ status: string; quarantine_reason: string }>(
      'SELECT status, quarantine_reason FROM batches WHERE station_id = $1 AND sequence = $2',
      [station, m.sequence],
    );
    expect(rows[0]).toEqual({ status: 'quarantined', quarantine_reason: 'sqlstate P0001' });
    expect(await count("SELECT count(*) AS n FROM alerts WHERE kind = 'quarantine' AND station_id = $1", [station])).toBe(1);
    // The marks were released: another batch of the same voters counts them.
    const verdicts = await dedup.checkAndMark(
      election.id,
      station,
      'c'.repeat(64) as Sha256Hex,
      mine.map((v) => v.credentialHash),
    );
    expect(verdicts).toEqual(['first-use', 'first-use', 'first-use']);
    await dedup.release(
      election.id,
      station,
      'c'.repeat(64) as Sha256Hex,
      mine.map((v) => v.credentialHash),
    );
    // Once fixed, the quarantined batch itself is processed as new (officials requeue it).
    expect(await processBatch(deps(), election, m)).toEqual({ alreadyProcessed: false, accepted: 3, duplicates: 0, invalid: 0 });
    expect(await count("SELECT count(*) AS n FROM batches WHERE status = 'processed' AND station_id = $1", [station])).toBe(1);
  });
});
