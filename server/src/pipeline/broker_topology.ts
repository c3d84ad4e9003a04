import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage, type GetMessage, type Options } from 'amqplib';

/**
 * The RabbitMQ topology of the batch pipeline, and its migration.
 *
 * - `<ns>.batches`, a durable direct exchange; the API publishes each batch to it with the
 *   routing key `batch`, persistent, with publisher confirms.
 * - `<ns>.batches`, a durable **quorum** queue bound to it: replicated on a majority of the
 *   cluster's nodes, first in first out, so a station's batches leave it in the order they
 *   came. A batch whose validator keeps dying is redelivered at most `DELIVERY_LIMIT` times,
 *   then dead-lettered, **at least once** (the queue keeps it until the dead-letter queue has
 *   confirmed it; this needs `x-overflow: reject-publish`, which without a length limit never
 *   refuses anything).
 * - `<ns>.batches.dlx`, a fanout exchange, and `<ns>.batches.dead`, a quorum queue bound to it:
 *   the dead letters, which officials see (metric, alert) and purge or replay.
 *
 * A queue's type and arguments are fixed when it is declared: declaring it again with other
 * arguments fails (PRECONDITION_FAILED), and RabbitMQ cannot change them in place. A server
 * that meets a queue declared otherwise (a classic queue from an older version, another
 * delivery limit) does not start on it: it reports `TopologyMismatchError` until an operator
 * runs `scrutin broker migrate`, which moves the messages out, redeclares the queue and moves
 * them back (migrateTopology below; docs/runbooks/rabbitmq-node-lost.md).
 */
export interface Topology {
  readonly exchange: string;
  readonly queue: string;
  readonly deadLetterExchange: string;
  readonly deadLetterQueue: string;
}

export function topologyNames(namespace: string): Topology {
  return {
    exchange: `${namespace}.batches`,
    queue: `${namespace}.batches`,
    deadLetterExchange: `${namespace}.batches.dlx`,
    deadLetterQueue: `${namespace}.batches.dead`,
  };
}

/** Redeliveries after which a batch that keeps killing its validator is dead-lettered. */
export const DELIVERY_LIMIT = 20;

export const ROUTING_KEY = 'batch';

export function queueArguments(names: Topology): Record<string, string | number> {
  return {
    'x-queue-type': 'quorum',
    'x-dead-letter-exchange': names.deadLetterExchange,
    'x-delivery-limit': DELIVERY_LIMIT,
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish',
  };
}

/** How long a dead letter is kept before RabbitMQ drops it: time for officials to resolve it (docs/runbooks/dlq.md). */
export const DEAD_LETTER_TTL_MS = 14 * 24 * 3_600_000;
/** The most dead letters kept; beyond it a new one stays in the batch queue (at-least-once), never lost. */
export const DEAD_LETTER_MAX = 10_000;

/**
 * The dead-letter queue keeps messages as sealed as the batch queue (the envelopes under the
 * pipeline key), for at most DEAD_LETTER_TTL_MS and DEAD_LETTER_MAX of them.
 */
export const DEAD_LETTER_QUEUE_ARGUMENTS: Readonly<Record<string, string | number>> = {
  'x-queue-type': 'quorum',
  'x-message-ttl': DEAD_LETTER_TTL_MS,
  'x-max-length': DEAD_LETTER_MAX,
  'x-overflow': 'reject-publish',
};

/** A queue exists with another type or other arguments than this version declares. */
export class TopologyMismatchError extends Error {
  constructor(
    readonly queue: string,
    cause: unknown,
  ) {
    super(
      `the RabbitMQ queue ${queue} exists with another type or other arguments than this version declares ` +
        `(${describe(cause)}); run \`scrutin broker migrate\` (docs/runbooks/rabbitmq-node-lost.md)`,
      { cause },
    );
  }
}

/** PRECONDITION_FAILED: a declaration that does not match what exists. */
function isPreconditionFailed(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 406;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Declares the topology (idempotent). A queue declared otherwise closes the channel and
 * throws TopologyMismatchError.
 */
export async function declareTopology(channel: Channel, names: Topology): Promise<void> {
  await channel.assertExchange(names.deadLetterExchange, 'fanout', { durable: true });
  await assertQueue(channel, names.deadLetterQueue, { durable: true, arguments: DEAD_LETTER_QUEUE_ARGUMENTS });
  await channel.bindQueue(names.deadLetterQueue, names.deadLetterExchange, '');
  await channel.assertExchange(names.exchange, 'direct', { durable: true });
  await assertQueue(channel, names.queue, { durable: true, arguments: queueArguments(names) });
  await channel.bindQueue(names.queue, names.exchange, ROUTING_KEY);
}

async function assertQueue(channel: Channel, queue: string, options: Options.AssertQueue): Promise<void> {
  try {
    await channel.assertQueue(queue, options);
  } catch (error) {
    if (isPreconditionFailed(error)) throw new TopologyMismatchError(queue, error);
    throw error;
  }
}

export interface QueueMigration {
  readonly queue: string;
  /** `kept`: already as declared; `redeclared`: moved out, redeclared, moved back. */
  readonly outcome: 'kept' | 'redeclared';
  /** Messages moved out and back (a message published meanwhile may be moved twice: harmless, the validator recognises a batch it has seen). */
  readonly moved: number;
}

export type MigrationEvent = 'started' | 'moved-out' | 'redeclared' | 'moved-back' | 'finished';

/**
 * Brings an existing topology to the declared one, keeping every message. For each queue
 * declared otherwise (the dead-letter queue first, then the batch queue):
 *   1. declares `<queue>.migrating` (a quorum queue), binds it like the queue, then unbinds
 *      the queue: batches the API publishes meanwhile reach the temporary queue, so the API
 *      may keep running;
 *   2. moves the queue's messages there (each one published with a confirm, then acked) and
 *      deletes the queue once it is empty;
 *   3. declares the queue as this version does, bound as before;
 *   4. unbinds the temporary queue, moves its messages back, and deletes it.
 * The validators must be stopped (no consumer may hold unacknowledged messages of the queue:
 * deleting it would drop them); the migration refuses to start otherwise. Run it again after
 * any interruption: every step is idempotent and no message is acked before it is stored
 * elsewhere.
 */
export async function migrateTopology(
  url: string,
  namespace: string,
  onEvent: (event: MigrationEvent, detail: Record<string, unknown>) => void = () => undefined,
): Promise<QueueMigration[]> {
  const names = topologyNames(namespace);
  const connection = await amqp.connect(firstUrl(url));
  connection.on('error', () => undefined);
  try {
    const results: QueueMigration[] = [];
    const specs = [
      {
        queue: names.deadLetterQueue,
        exchange: names.deadLetterExchange,
        exchangeType: 'fanout',
        key: '',
        arguments: DEAD_LETTER_QUEUE_ARGUMENTS,
      },
      { queue: names.queue, exchange: names.exchange, exchangeType: 'direct', key: ROUTING_KEY, arguments: queueArguments(names) },
    ] as const;
    for (const spec of specs) {
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => undefined);
      await channel.assertExchange(spec.exchange, spec.exchangeType, { durable: true });
      await channel.close();
      const probe = await connection.createChannel();
      probe.on('error', () => undefined);
      let matches = true;
      try {
        await probe.assertQueue(spec.queue, { durable: true, arguments: spec.arguments });
        await probe.bindQueue(spec.queue, spec.exchange, spec.key);
        await probe.close();
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        matches = false; // the server closed the probe channel
      }
      if (matches) {
        // A queue left half-way by an interrupted migration is emptied back.
        const moved = await drainLeftover(connection, spec);
        results.push({ queue: spec.queue, outcome: 'kept', moved });
        continue;
      }
      onEvent('started', { queue: spec.queue });
      const temporary = `${spec.queue}.migrating`;
      const work = await connection.createConfirmChannel();
      work.on('error', () => undefined);
      const { consumerCount } = await work.checkQueue(spec.queue);
      if (consumerCount > 0) {
        throw new Error(`${spec.queue} has ${consumerCount} consumer(s): stop the validators before migrating the queue`);
      }
      await work.assertQueue(temporary, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      // Bound before the queue is unbound: at every moment a published batch has a queue.
      await work.bindQueue(temporary, spec.exchange, spec.key);
      await work.unbindQueue(spec.queue, spec.exchange, spec.key);
      const out = await emptyInto(work, spec.queue, temporary);
      await work.close();
      onEvent('moved-out', { queue: spec.queue, messages: out });
      // A fresh channel: one that used the old queue keeps its old type in mind (RabbitMQ
      // 3.10 then fails publishing to the redeclared queue and closes the connection).
      const back = await connection.createConfirmChannel();
      back.on('error', () => undefined);
      await back.assertQueue(spec.queue, { durable: true, arguments: spec.arguments });
      await back.bindQueue(spec.queue, spec.exchange, spec.key);
      onEvent('redeclared', { queue: spec.queue });
      await back.unbindQueue(temporary, spec.exchange, spec.key);
      const returned = await emptyInto(back, temporary, spec.queue);
      await back.close();
      onEvent('moved-back', { queue: spec.queue, messages: returned });
      results.push({ queue: spec.queue, outcome: 'redeclared', moved: returned });
    }
    onEvent('finished', { queues: results });
    return results;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Moves what a previous, interrupted migration left in `<queue>.migrating` back to the queue. */
async function drainLeftover(
  connection: ChannelModel,
  { queue, exchange, key }: { readonly queue: string; readonly exchange: string; readonly key: string },
): Promise<number> {
  const temporary = `${queue}.migrating`;
  const probe = await connection.createChannel();
  probe.on('error', () => undefined);
  try {
    await probe.checkQueue(temporary);
    await probe.close();
  } catch {
    return 0; // no leftover queue (the server closed the probe channel)
  }
  const work = await connection.createConfirmChannel();
  work.on('error', () => undefined);
  await work.unbindQueue(temporary, exchange, key);
  const moved = await emptyInto(work, temporary, queue);
  await work.close();
  return moved;
}

/**
 * Moves every message of `from` (no longer bound to anything) into `to`, waits until no
 * publish routed before the unbinding can still land in it (two quiet checks), and deletes it.
 * (A quorum queue cannot be deleted "if empty": RabbitMQ answers NOT_IMPLEMENTED and closes
 * the connection. The deletion reports what it dropped, which must be nothing.)
 */
async function emptyInto(channel: ConfirmChannel, from: string, to: string): Promise<number> {
  let moved = 0;
  let quiet = 0;
  for (let round = 0; round < 200 && quiet < 2; round += 1) {
    const n = await moveAll(channel, from, to);
    moved += n;
    await sleep(300);
    quiet = n === 0 && (await channel.checkQueue(from)).messageCount === 0 ? quiet + 1 : 0;
  }
  if (quiet < 2) throw new Error(`${from} keeps receiving messages: is something still bound to it?`);
  const { messageCount } = await channel.deleteQueue(from);
  if (messageCount > 0)
    throw new Error(
      `${messageCount} message(s) reached ${from} as it was deleted: batches left \`received\` that no queue holds: their stations must send them again (docs/runbooks/restore.md)`,
    );
  return moved;
}

/**
 * Moves every ready message of `from` to `to` through the default exchange, in windows: each
 * message is published in the order it came (so the order is kept), and the window is acked
 * only once the broker has confirmed every copy.
 */
async function moveAll(channel: ConfirmChannel, from: string, to: string, window = 500): Promise<number> {
  let moved = 0;
  for (;;) {
    let last: GetMessage | null = null;
    let taken = 0;
    while (taken < window) {
      const message = await channel.get(from, { noAck: false });
      if (message === false) break;
      republish(channel, to, message);
      last = message;
      taken += 1;
    }
    if (last === null) return moved;
    await channel.waitForConfirms();
    channel.ack(last, true);
    moved += taken;
  }
}

function republish(channel: ConfirmChannel, queue: string, message: Pick<ConsumeMessage, 'content' | 'properties'>): void {
  const p = message.properties;
  channel.publish('', queue, message.content, {
    persistent: true,
    contentType: p.contentType as string | undefined,
    messageId: p.messageId as string | undefined,
    headers: p.headers,
  });
}

/** The URLs of AMQP_URL: one, or a cluster's nodes separated by commas. */
export function amqpUrls(url: string): string[] {
  return url
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
}

function firstUrl(url: string): string {
  const first = amqpUrls(url)[0];
  if (first === undefined) throw new Error('no AMQP URL');
  return first;
}

/** A connection to the first node of `url` (a comma-separated list) that answers, for short operator tools. */
export async function connectToAnyNode(url: string): Promise<ChannelModel> {
  let last: unknown = new Error('no AMQP URL');
  for (const node of amqpUrls(url)) {
    try {
      return await amqp.connect(node);
    } catch (error) {
      last = error;
    }
  }
  throw last;
}
