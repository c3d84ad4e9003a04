import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';

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

export type BrokerEvent = 'broker.connected' | 'broker.connection_lost' | 'broker.connect_failed' | 'broker.ack_lost';

interface Topology {
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
const DELIVERY_LIMIT = 20;

/**
 * RabbitMQ: a durable direct exchange, a durable quorum queue bound to it with a delivery
 * limit and a dead-letter exchange, persistent messages and publisher confirms. The topology
 * is declared at every (re)connection; declaring it again is idempotent. The connection is
 * re-established after a broker restart and consumers resubscribe.
 */
export class RabbitBroker implements BatchBroker {
  private model: ChannelModel | null = null;
  private channel: ConfirmChannel | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private readonly names: Topology;
  private consumer: { handler: (d: Delivery) => Promise<Disposition>; prefetch: number } | null = null;

  constructor(
    private readonly url: string,
    namespace: string,
    private readonly onEvent: (event: BrokerEvent, detail?: unknown) => void = () => undefined,
  ) {
    this.names = topologyNames(namespace);
  }

  private async connect(): Promise<void> {
    const model = await amqp.connect(this.url);
    const channel = await model.createConfirmChannel();
    const { exchange, queue, deadLetterExchange, deadLetterQueue } = this.names;
    await channel.assertExchange(deadLetterExchange, 'fanout', { durable: true });
    await channel.assertQueue(deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await channel.bindQueue(deadLetterQueue, deadLetterExchange, '');
    await channel.assertExchange(exchange, 'direct', { durable: true });
    await channel.assertQueue(queue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': deadLetterExchange, 'x-delivery-limit': DELIVERY_LIMIT },
    });
    await channel.bindQueue(queue, exchange, 'batch');
    const lost = (error?: unknown) => {
      if (this.model !== model) return;
      this.model = null;
      this.channel = null;
      this.onEvent('broker.connection_lost', error);
      if (!this.closed) void this.ensureConnected().catch(() => undefined);
    };
    model.on('close', lost);
    model.on('error', lost);
    channel.on('error', () => undefined);
    this.model = model;
    this.channel = channel;
    if (this.consumer !== null) await this.subscribe(channel, this.consumer.handler, this.consumer.prefetch);
    this.onEvent('broker.connected');
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
        'batch',
        content,
        { persistent: true, messageId, contentType: 'application/json', mandatory: true },
        (error) => {
          if (error === null || error === undefined) resolve();
          else reject(new BrokerUnavailableError(error));
        },
      );
    });
  }

  private async subscribe(channel: ConfirmChannel, handler: (d: Delivery) => Promise<Disposition>, prefetch: number): Promise<void> {
    await channel.prefetch(prefetch);
    await channel.consume(this.names.queue, (message: ConsumeMessage | null) => {
      if (message === null) return; // the queue was deleted or the consumer cancelled
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
