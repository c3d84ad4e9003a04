import { setTimeout as sleep } from 'node:timers/promises';
import { generateStationKeyPair, signBatch, type SignedBatch, type StationId } from '@scrutin/shared/node';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StationClient } from '../simulate/station_client.ts';
import { openSampleElection, openWithStation, startTestCentral, type TestCentral } from '../testing/central.ts';
import { envelopeFor, votersOf } from '../testing/fixtures.ts';

/**
 * Thousands of malformed, truncated, tampered and forged batches: every one is refused with
 * a 4xx and a machine-readable code, and the tally, the used credentials, the stored ballots
 * and the batch log are exactly as before. The server still accepts a good batch afterwards.
 */
const election = openSampleElection();
const voters = votersOf(election, 40);
const STATION = 'ST-00004' as StationId;
const mine = voters.filter((v) => v.station === STATION);
let t: TestCentral;
let client: StationClient;
let good: SignedBatch;

async function snapshot(): Promise<string> {
  const { db } = t.central.ctx.services;
  const parts = await Promise.all([
    db.query('SELECT contest_id, riding, option, count::text FROM tally_counts ORDER BY 1, 2, 3'),
    db.query('SELECT contest_id, pattern, count::text FROM ranking_patterns ORDER BY 1, 2'),
    db.query("SELECT encode(credential_hash, 'hex') AS h FROM credential_uses ORDER BY 1"),
    db.query('SELECT ballot_id::text, selections::text FROM ballots ORDER BY 1'),
    db.query("SELECT station_id, sequence, encode(batch_hash, 'hex'), status FROM batches ORDER BY 1, 2"),
    db.query('SELECT station_id, reason, count::text FROM rejected_envelopes ORDER BY 1, 2'),
  ]);
  return JSON.stringify(parts.map((p) => p.rows));
}

async function waitProcessed(n: number): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const { rows } = await t.central.ctx.services.db.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM batches WHERE status = 'processed'",
    );
    if (Number(rows[0]?.n) >= n) return;
    await sleep(50);
  }
  throw new Error('batch not processed');
}

beforeAll(async () => {
  t = await startTestCentral({ withValidator: true });
  client = await openWithStation(t, election, voters, STATION);
  // Some real ballots first, so "unchanged" means something.
  expect((await client.send(client.nextBatch(mine.slice(0, 10).map((v) => envelopeFor(election, v))))).kind).toBe('accepted');
  await waitProcessed(1);
  good = client.nextBatch(mine.slice(10, 15).map((v) => envelopeFor(election, v)));
});

afterAll(async () => {
  await t.stop();
});

async function post(body: string): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(`${t.central.url}/api/v1/sync/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const json = (await response.json().catch(() => ({}))) as { error?: { code?: string } };
  return { status: response.status, code: json.error?.code };
}

/** Replaces the value at a random path of a JSON value. */
function mutateAt(value: unknown, path: readonly number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const [head = 0, ...rest] = path;
  if (Array.isArray(value)) {
    if (value.length === 0) return replacement;
    const i = head % value.length;
    return (value as unknown[]).map((v, j) => (j === i ? mutateAt(v, rest, replacement) : v));
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[head % keys.length] as string;
  return { ...(value as Record<string, unknown>), [key]: mutateAt((value as Record<string, unknown>)[key], rest, replacement) };
}

const forger = generateStationKeyPair();

describe('fuzzing the batch endpoint', () => {
  it('refuses every malformed or forged batch with a typed 4xx and changes nothing', async () => {
    const before = await snapshot();
    const text = JSON.stringify(good);
    const bodies = fc.oneof(
      fc.json().map((j) => ({ kind: 'random json', body: j })),
      fc.nat({ max: text.length - 1 }).map((n) => ({ kind: 'truncated', body: text.slice(0, n) })),
      fc
        .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), fc.jsonValue())
        .map(([path, v]) => ({ kind: 'field replaced', body: JSON.stringify(mutateAt(good, path, v)) }))
        .filter((m) => m.body !== text),
      fc.tuple(fc.array(fc.nat(), { minLength: 2, maxLength: 8 }), fc.jsonValue()).map(([path, v]) => {
        // Tampered after signing by a forger who re-signs with their own key.
        const tampered = mutateAt({ ...good.header, envelopes: good.envelopes }, path, v) as SignedBatch['header'] &
          Pick<SignedBatch, 'envelopes'>;
        try {
          return { kind: 'forged', body: JSON.stringify(signBatch({ ...tampered, envelopes: tampered.envelopes }, forger.privateKeyPem)) };
        } catch {
          const { envelopes, ...header } = tampered;
          return { kind: 'forged', body: JSON.stringify({ header, signature: good.signature, envelopes }) };
        }
      }),
    );
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(bodies, async ({ kind, body }) => {
        const { status, code } = await post(body);
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
        // 202 only for a byte-different but still valid encoding of the good batch is impossible:
        // any accepted body here would be a replay of nothing; so all must be refused.
        expect(status, `${kind}: ${body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
        expect(code).toMatch(/^[a-z-]+$/);
      }),
      { numRuns: 3000, seed: 20261005 },
    );
    expect(await snapshot()).toBe(before);
    expect([...seen.values()].every((n) => n > 100)).toBe(true);

    // And the server still works.
    expect((await client.send(good)).kind).toBe('accepted');
    await waitProcessed(2);
    expect(await snapshot()).not.toBe(before);
  });
});
