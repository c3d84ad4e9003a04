import { createHash } from 'node:crypto';
import type { Channel, GetMessage } from 'amqplib';
import { z } from 'zod';
import { topologyNames } from './broker.ts';
import { connectToAnyNode } from './broker_topology.ts';
import { queueMessageIdentity } from './messages.ts';

/**
 * The dead-letter queue, for operators (`scrutin dlq`, docs/runbooks/dlq.md): list what is
 * in it, send messages back to the batch queue once their cause is fixed, or remove them.
 *
 * A dead-lettered batch still holds its envelopes, each a credential hash beside a ballot:
 * nothing here ever prints or returns them. A message is described by what identifies it
 * (election, station, sequence, batch hash, envelope count, size) and why it was
 * dead-lettered, and is named by its batch hash, or by a hash of its bytes when it is not
 * a batch at all.
 */
export interface DeadLetter {
  /** The batch hash, or `raw:` and the SHA-256 of the message when it is not a batch. */
  readonly id: string;
  readonly election: string | null;
  readonly station: string | null;
  readonly sequence: number | null;
  readonly envelopes: number | null;
  readonly bytes: number;
  /** RabbitMQ's reason: `rejected` (the validator refused it), `delivery_limit`, ... */
  readonly reason: string | null;
  readonly deadLetteredAt: string | null;
}

export interface DeadLetterListing {
  readonly total: number;
  readonly messages: readonly DeadLetter[];
}

const DeathSchema = z.array(z.object({ reason: z.string().max(64), time: z.unknown().optional() })).min(1);

export function describeDeadLetter(message: Pick<GetMessage, 'content' | 'properties'>): DeadLetter {
  // The clear part of a queue message (messages.ts): its batch's identity; the envelopes stay sealed.
  const identity = queueMessageIdentity(message.content);
  const headers: Record<string, unknown> = message.properties.headers ?? {};
  const deaths = DeathSchema.safeParse(headers['x-death']);
  const first = deaths.success ? deaths.data[0] : undefined;
  const reason = first?.reason ?? (typeof headers['x-first-death-reason'] === 'string' ? headers['x-first-death-reason'] : null);
  return {
    id: identity?.batchHash ?? `raw:${createHash('sha256').update(message.content).digest('hex')}`,
    election: identity?.election ?? null,
    station: identity?.station ?? null,
    sequence: identity?.sequence ?? null,
    envelopes: identity?.envelopeCount ?? null,
    bytes: message.content.length,
    reason,
    deadLetteredAt: timeOf(first?.time),
  };
}

/** AMQP timestamps arrive as seconds since the epoch (a number, or amqplib's {'!': 'timestamp', value}). */
function timeOf(value: unknown): string | null {
  const seconds =
    typeof value === 'number' ? value : typeof value === 'object' && value !== null && 'value' in value ? Number(value.value) : NaN;
  return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : null;
}

/** Which messages an operation applies to: all, or those whose id is listed. */
export type DeadLetterSelection = { readonly kind: 'all' } | { readonly kind: 'ids'; readonly ids: ReadonlySet<string> };

async function withChannel<T>(amqpUrl: string, work: (channel: Channel) => Promise<T>): Promise<T> {
  const connection = await connectToAnyNode(amqpUrl);
  try {
    const channel = await connection.createChannel();
    return await work(channel);
  } finally {
    // Closing returns every message fetched but not acknowledged to its queue.
    await connection.close().catch(() => undefined);
  }
}

/** Every message of the queue, fetched without acknowledgement (they return on close). */
async function fetchAll(channel: Channel, queue: string, limit: number): Promise<GetMessage[]> {
  const messages: GetMessage[] = [];
  while (messages.length < limit) {
    const message = await channel.get(queue, { noAck: false });
    if (message === false) break;
    messages.push(message);
  }
  return messages;
}

/**
 * Lists up to `limit` messages of the dead-letter queue and leaves them there. (Each listing
 * is one delivery of each message listed; the dead-letter queue has no delivery limit.)
 */
export async function listDeadLetters(amqpUrl: string, namespace: string, limit = 100): Promise<DeadLetterListing> {
  const { deadLetterQueue } = topologyNames(namespace);
  return withChannel(amqpUrl, async (channel) => {
    const { messageCount } = await channel.checkQueue(deadLetterQueue);
    const messages = await fetchAll(channel, deadLetterQueue, limit);
    return { total: messageCount, messages: messages.map(describeDeadLetter) };
  });
}

/**
 * Removes the selected messages from the dead-letter queue and returns what was removed.
 * Only messages actually read are removed: one that arrives meanwhile stays for the next look.
 */
export async function purgeDeadLetters(amqpUrl: string, namespace: string, selection: DeadLetterSelection): Promise<DeadLetter[]> {
  const { deadLetterQueue } = topologyNames(namespace);
  return withChannel(amqpUrl, async (channel) => {
    const removed: DeadLetter[] = [];
    for (const message of await fetchAll(channel, deadLetterQueue, Number.MAX_SAFE_INTEGER)) {
      const described = describeDeadLetter(message);
      if (!selected(selection, described)) continue;
      channel.ack(message);
      removed.push(described);
    }
    // An ack is not confirmed by the broker: a round trip after it makes sure it has been applied.
    await channel.checkQueue(deadLetterQueue);
    return removed;
  });
}

/**
 * Sends the selected messages back to the batch queue (once the cause of their failure is
 * fixed): each is published again, confirmed by the broker, and only then removed from the
 * dead-letter queue. The validator recognises a batch it has already counted.
 */
export async function requeueDeadLetters(amqpUrl: string, namespace: string, selection: DeadLetterSelection): Promise<DeadLetter[]> {
  const { exchange, deadLetterQueue } = topologyNames(namespace);
  const connection = await connectToAnyNode(amqpUrl);
  try {
    const channel = await connection.createChannel();
    const publisher = await connection.createConfirmChannel();
    const moved: DeadLetter[] = [];
    for (const message of await fetchAll(channel, deadLetterQueue, Number.MAX_SAFE_INTEGER)) {
      const described = describeDeadLetter(message);
      if (!selected(selection, described)) continue;
      await new Promise<void>((resolve, reject) => {
        publisher.publish(
          exchange,
          'batch',
          message.content,
          { persistent: true, contentType: 'application/json', mandatory: true, messageId: described.id },
          (error) => {
            if (error === null || error === undefined) resolve();
            else reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
      channel.ack(message);
      moved.push(described);
    }
    await channel.checkQueue(deadLetterQueue);
    return moved;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

function selected(selection: DeadLetterSelection, message: DeadLetter): boolean {
  switch (selection.kind) {
    case 'all':
      return true;
    case 'ids':
      return selection.ids.has(message.id);
  }
}
