import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { amqpUrls, declareTopology, ROUTING_KEY, topologyNames, TopologyMismatchError, type Topology } from './broker_topology.ts';

/**
 * The queue between the API and the validators. The API publishes a batch and answers the
 * station only once the broker has confirmed it durably; a validator acknowledges a batch
 * only after its Postgres commit. Messages that can never be processed go to a dead-letter
 * queue, where officials see them (metric and alert), instead of vanishing.
 */
export interface Delivery {
  readonly content: Buffer;
  readonly redelivered: boolean;
}

/** `ack`: done (committed, or recognised as already done). `dead-letter`: poison. */
export type Disposition = 'ack' | 'dead-letter';

export interface BatchBroker {
  /** Resolves once the broker has durably accepted the message (publisher confirm). */
  publish(content: Buffer, messageId: string): Promise<void>;
  /** Delivers messages to `handler`, at most `prefetch` unacknowledged at once. */
  consume(handler: (delivery: Delivery) => Promise<Disposition>, prefetch: number): Promise<void>;
  depths(): Promise<{ readonly queued: number; readonly deadLettered: number }>;
  close(): Promise<void>;
}

export class BrokerUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the message broker is unavailable', { cause });
  }
}

export type BrokerEvent =
  | 'broker.connected'
  | 'broker.connection_lost'
  | 'broker.connect_failed'
  | 'broker.ack_lost'
  | 'broker.topology_mismatch'
  | 'broker.consumer_cancelled'
  | 'broker.message_returned';

export { topologyNames } from './broker_topology.ts';

/**
 * RabbitMQ (topology in broker_topology.ts): quorum queues, persistent messages, publisher
 * confirms. The topology is declared at every (re)connection; declaring it again is
 * idempotent, and a queue declared otherwise stops the connection with a
 * `broker.topology_mismatch` event until `scrutin broker migrate` has run. `url` may list a
 * cluster's nodes separated by commas: a lost connection is re-established with the next one,
 * and consumers resubscribe.
 */
export class RabbitBroker implements BatchBroker {
  private model: ChannelModel | null = null;
  private channel: ConfirmChannel | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private readonly names: Topology;
  private readonly urls: readonly string[];
  /** Index in `urls` of the node to try next. */
  private next = 0;
  /** Message ids the broker returned as unroutable, until their confirm arrives. */
  private readonly returned = new Set<string>();
  private consumer: { handler: (d: Delivery) => Promise<Disposition>; prefetch: number } | null = null;

  constructor(
    url: string,
    namespace: string,
    private readonly onEvent: (event: BrokerEvent, detail?: unknown) => void = () => undefined,
  ) {
    this.names = topologyNames(namespace);
    this.urls = amqpUrls(url);
    if (this.urls.length === 0) throw new Error('no AMQP URL');
  }

  private async connect(): Promise<void> {
    // Round robin: after a failure or a lost connection, the next node is tried first.
    const url = this.urls[this.next % this.urls.length] as string;
    this.next = (this.next + 1) % this.urls.length;
    const model = await amqp.connect(url);
    model.on('error', () => undefined);
    let channel: ConfirmChannel;
    try {
      channel = await model.createConfirmChannel();
      channel.on('error', () => undefined);
      await declareTopology(channel, this.names);
    } catch (error) {
      await model.close().catch(() => undefined);
      if (error instanceof TopologyMismatchError) this.onEvent('broker.topology_mismatch', error);
      throw error;
    }
    const lost = (error?: unknown) => {
      if (this.model !== model) return;
      this.model = null;
      this.channel = null;
      this.onEvent('broker.connection_lost', error);
      if (!this.closed) void this.ensureConnected().catch(() => undefined);
    };
    model.on('close', lost);
    model.on('error', lost);
    // A channel the broker closed (a channel error) is useless: start again on a new connection.
    channel.on('close', () => {
      if (this.channel === channel) void model.close().catch(() => undefined);
    });
    // A mandatory message no queue took comes back before its confirm: it was not stored.
    channel.on('return', (message: ConsumeMessage) => {
      const id = message.properties.messageId as unknown;
      if (typeof id === 'string') this.returned.add(id);
      this.onEvent('broker.message_returned');
    });
    this.model = model;
    this.channel = channel;
    if (this.consumer !== null) await this.subscribe(channel, this.consumer.handler, this.consumer.prefetch);
    this.onEvent('broker.connected', { url: hidePassword(url) });
  }

  /** Connects, retrying with backoff until it succeeds or the broker is closed. */
  ensureConnected(): Promise<void> {
    if (this.channel !== null) return Promise.resolve();
    this.connecting ??= (async () => {
      let delay = 100;
      for (;;) {
        if (this.closed) throw new BrokerUnavailableError('closed');
        try {
          await this.connect();
          return;
        } catch (error) {
          this.onEvent('broker.connect_failed', error);
          await sleep(delay);
          delay = Math.min(delay * 2, 2000);
        }
      }
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private current(): ConfirmChannel | null {
    return this.channel;
  }

  /** The channel, waiting up to `ms` for a (re)connection. */
  private async channelWithin(ms: number): Promise<ConfirmChannel> {
    const ready = this.current();
    if (ready !== null) return ready;
    const abort = new AbortController();
    const timeout = sleep(ms, undefined, { signal: abort.signal }).then(
      () => 'timeout' as const,
      () => 'cancelled' as const,
    );
    const connected = this.ensureConnected().then(() => 'connected' as const);
    const first = await Promise.race([connected, timeout]);
    abort.abort();
    const channel = this.current();
    if (first === 'timeout' || channel === null) throw new BrokerUnavailableError('timed out waiting for the broker');
    return channel;
  }

  async publish(content: Buffer, messageId: string): Promise<void> {
    const channel = await this.channelWithin(5000);
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        this.names.exchange,
        ROUTING_KEY,
        content,
        { persistent: true, messageId, contentType: 'application/json', mandatory: true },
        (error) => {
          const unroutable = this.returned.delete(messageId);
          if (error !== null && error !== undefined) reject(new BrokerUnavailableError(error));
          else if (unroutable) reject(new BrokerUnavailableError('no queue is bound to the batch exchange: the message was not stored'));
          else resolve();
        },
      );
    });
  }

  private async subscribe(channel: ConfirmChannel, handler: (d: Delivery) => Promise<Disposition>, prefetch: number): Promise<void> {
    await channel.prefetch(prefetch);
    await channel.consume(this.names.queue, (message: ConsumeMessage | null) => {
      if (message === null) {
        // The broker cancelled the consumer (the queue was deleted, e.g. by a migration, or its
        // node went away): reconnect, which declares the topology again and resubscribes;
        // unless this broker is being closed (destroy() deletes its own queues).
        if (this.closed) return;
        this.onEvent('broker.consumer_cancelled');
        void this.model?.close().catch(() => undefined);
        return;
      }
      void handler({ content: message.content, redelivered: message.fields.redelivered }).then(
        (disposition) => {
          // The channel may be gone (broker restart): the message is then redelivered, and
          // the validator recognises a batch it already committed.
          try {
            if (disposition === 'ack') channel.ack(message);
            else channel.nack(message, false, false);
          } catch {
            this.onEvent('broker.ack_lost');
          }
        },
        () => {
          try {
            channel.nack(message, false, true);
          } catch {
            this.onEvent('broker.ack_lost');
          }
        },
      );
    });
  }

  async consume(handler: (d: Delivery) => Promise<Disposition>, prefetch: number): Promise<void> {
    this.consumer = { handler, prefetch };
    const channel = await this.channelWithin(30_000);
    await this.subscribe(channel, handler, prefetch);
  }

  async depths(): Promise<{ queued: number; deadLettered: number }> {
    const channel = await this.channelWithin(2000);
    const [main, dead] = await Promise.all([channel.checkQueue(this.names.queue), channel.checkQueue(this.names.deadLetterQueue)]);
    return { queued: main.messageCount, deadLettered: dead.messageCount };
  }

  async close(): Promise<void> {
    this.closed = true;
    const model = this.model;
    this.model = null;
    this.channel = null;
    await model?.close().catch(() => undefined);
  }

  /** Deletes this namespace's exchanges and queues (tests). */
  async destroy(): Promise<void> {
    const channel = await this.channelWithin(5000);
    // Closed first: deleting the queue cancels our own consumer, which must not reconnect.
    this.closed = true;
    const { exchange, queue, deadLetterExchange, deadLetterQueue } = this.names;
    await channel.deleteQueue(queue);
    await channel.deleteQueue(deadLetterQueue);
    await channel.deleteExchange(exchange);
    await channel.deleteExchange(deadLetterExchange);
    await this.close();
  }
}

/**
 * The same contract in process, for embedded mode: messages are kept until a handler acks
 * them; a throwing handler gets the message again after a pause.
 */
export class InProcessBroker implements BatchBroker {
  private readonly queue: { content: Buffer; redelivered: boolean }[] = [];
  private readonly dead: Buffer[] = [];
  private handler: ((d: Delivery) => Promise<Disposition>) | null = null;
  private inFlight = 0;
  private prefetch = 1;
  private closed = false;

  publish(content: Buffer): Promise<void> {
    this.queue.push({ content, redelivered: false });
    this.pump();
    return Promise.resolve();
  }

  consume(handler: (d: Delivery) => Promise<Disposition>, prefetch: number): Promise<void> {
    this.handler = handler;
    this.prefetch = prefetch;
    this.pump();
    return Promise.resolve();
  }

  private pump(): void {
    const handler = this.handler;
    while (handler !== null && !this.closed && this.inFlight < this.prefetch) {
      const message = this.queue.shift();
      if (message === undefined) return;
      this.inFlight += 1;
      void handler(message)
        .then(
          (disposition) => {
            if (disposition === 'dead-letter') this.dead.push(message.content);
          },
          async () => {
            await sleep(200);
            this.queue.unshift({ content: message.content, redelivered: true });
          },
        )
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
        });
    }
  }

  depths(): Promise<{ queued: number; deadLettered: number }> {
    return Promise.resolve({ queued: this.queue.length + this.inFlight, deadLettered: this.dead.length });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

function hidePassword(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'an AMQP URL';
  }
}
