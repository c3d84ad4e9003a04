import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_URLS, testNamespace } from '../testing/services.ts';
import { RabbitBroker, type Disposition } from './broker.ts';
import { listDeadLetters, purgeDeadLetters, requeueDeadLetters } from './dead_letters.ts';
import { sealBatchMessage } from './messages.ts';
import { randomBytes } from 'node:crypto';
import type { ElectionId, Sha256Hex, StationId } from '@scrutin/shared/node';

/** The dead-letter queue procedure (`scrutin dlq`) on the real RabbitMQ, in its own namespace. */
const namespace = testNamespace();
const broker = new RabbitBroker(SERVICE_URLS.amqp, namespace);
const CREDENTIAL = 'c'.repeat(64);
/** A queue message of format 2: its identity in clear, its envelopes sealed (messages.ts). */
const BATCH_HASH = 'b'.repeat(64);
const queued = sealBatchMessage(
  randomBytes(32),
  {
    election: 'qc-2026' as ElectionId,
    station: 'ST-00042' as StationId,
    sequence: 7,
    batchHash: BATCH_HASH as Sha256Hex,
    receivedAtMs: 1,
  },
  [
    JSON.stringify({
      ballot: { election: 'qc-2026', riding: 'R1', selections: [{ choice: 'oui', contest: 'Q1', kind: 'referendum' }] },
      credential: CREDENTIAL,
      tracking: '7Q2M9K4XH3TD',
    }),
  ],
);
let handled: Disposition = 'dead-letter';
const seen: Buffer[] = [];

async function deadCount(n: number): Promise<void> {
  for (let i = 0; i < 200 && (await broker.depths()).deadLettered !== n; i += 1) await sleep(25);
  expect((await broker.depths()).deadLettered).toBe(n);
}

beforeAll(async () => {
  await broker.ensureConnected();
  await broker.consume((delivery) => {
    seen.push(delivery.content);
    return Promise.resolve(handled);
  }, 4);
  await broker.publish(queued, BATCH_HASH);
  await broker.publish(Buffer.from('not a batch at all'), 'poison');
  await deadCount(2);
});

afterAll(async () => {
  await broker.destroy();
});

describe('the dead-letter queue', () => {
  it('lists what is there by its identity and reason, never its envelopes, and leaves it there', async () => {
    const listing = await listDeadLetters(SERVICE_URLS.amqp, namespace);
    expect(listing.total).toBe(2);
    expect(listing.messages).toHaveLength(2);
    const real = listing.messages.find((m) => m.station !== null);
    expect(real).toMatchObject({
      id: BATCH_HASH,
      election: 'qc-2026',
      station: 'ST-00042',
      sequence: 7,
      envelopes: 1,
      reason: 'rejected',
    });
    expect(real?.deadLetteredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const poison = listing.messages.find((m) => m.station === null);
    expect(poison?.id).toMatch(/^raw:[0-9a-f]{64}$/);
    expect(poison).toMatchObject({ election: null, sequence: null, envelopes: null, bytes: 18, reason: 'rejected' });
    expect(JSON.stringify(listing)).not.toContain(CREDENTIAL);
    expect(JSON.stringify(listing)).not.toContain('oui');
    await deadCount(2);
  });

  it('sends a chosen message back to the batch queue, where a validator gets it again', async () => {
    const listing = await listDeadLetters(SERVICE_URLS.amqp, namespace);
    handled = 'ack';
    seen.length = 0;
    const moved = await requeueDeadLetters(SERVICE_URLS.amqp, namespace, { kind: 'ids', ids: new Set([BATCH_HASH]) });
    expect(moved.map((m) => m.id)).toEqual([BATCH_HASH]);
    await deadCount(1);
    for (let i = 0; i < 200 && seen.length === 0; i += 1) await sleep(25);
    // The very bytes that were dead-lettered, sealed part and all.
    expect(seen).toEqual([queued]);
    const left = await listDeadLetters(SERVICE_URLS.amqp, namespace);
    expect(left.messages.map((m) => m.id)).toEqual(listing.messages.filter((m) => m.station === null).map((m) => m.id));
  });

  it('removes only what it read, and says what it removed', async () => {
    expect(await purgeDeadLetters(SERVICE_URLS.amqp, namespace, { kind: 'ids', ids: new Set(['raw:unknown']) })).toEqual([]);
    await deadCount(1);
    const removed = await purgeDeadLetters(SERVICE_URLS.amqp, namespace, { kind: 'all' });
    expect(removed).toHaveLength(1);
    expect(removed[0]?.station).toBeNull();
    await deadCount(0);
    expect((await listDeadLetters(SERVICE_URLS.amqp, namespace)).total).toBe(0);
  });
});
