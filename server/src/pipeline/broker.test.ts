import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_URLS, testNamespace } from '../testing/services.ts';
import { freePorts } from '../testing/ports.ts';
import { BrokerUnavailableError, RabbitBroker, type BrokerEvent } from './broker.ts';
import { DELIVERY_LIMIT, migrateTopology, queueArguments, topologyNames } from './broker_topology.ts';

/**
 * The RabbitMQ topology on the real broker, each test in its own namespace: quorum queues
 * with a delivery limit and at-least-once dead-lettering, the migration of a queue declared
 * otherwise (a classic queue of an older version) with no message lost while the API keeps
 * publishing, unroutable publishes refused, and failover between a cluster's URLs.
 */
let connection: ChannelModel;
const namespaces: string[] = [];

beforeAll(async () => {
  connection = await amqp.connect(SERVICE_URLS.amqp);
  connection.on('error', () => undefined);
});

afterAll(async () => {
  const channel = await connection.createChannel();
  for (const ns of namespaces) {
    const names = topologyNames(ns);
    for (const q of [names.queue, names.deadLetterQueue, `${names.queue}.migrating`, `${names.deadLetterQueue}.migrating`]) {
      await channel.deleteQueue(q);
    }
    await channel.deleteExchange(names.exchange);
    await channel.deleteExchange(names.deadLetterExchange);
  }
  await connection.close();
});

function namespace(): string {
  const ns = testNamespace();
  namespaces.push(ns);
  return ns;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Every message of a queue, taken (acked) one by one: message id → content. */
async function drain(queue: string): Promise<Map<string, string>> {
  const channel = await connection.createChannel();
  const out = new Map<string, string>();
  for (;;) {
    const message = await channel.get(queue, { noAck: true });
    if (message === false) break;
    out.set(String(message.properties.messageId), message.content.toString());
  }
  await channel.close();
  return out;
}

describe('the batch queue', () => {
  it('is a quorum queue: declaring it as a classic queue is refused', async () => {
    const ns = namespace();
    const broker = new RabbitBroker(SERVICE_URLS.amqp, ns);
    await broker.ensureConnected();
    const names = topologyNames(ns);
    const probe = await connection.createChannel();
    probe.on('error', () => undefined);
    await expect(
      probe.assertQueue(names.queue, { durable: true, arguments: { ...queueArguments(names), 'x-queue-type': 'classic' } }),
    ).rejects.toThrow(/inequivalent arg 'x-queue-type'/);
    const same = await connection.createChannel();
    await expect(same.assertQueue(names.queue, { durable: true, arguments: queueArguments(names) })).resolves.toMatchObject({
      queue: names.queue,
    });
    await same.close();
    await broker.close();
  });

  it(`dead-letters a batch whose validator keeps failing, after ${DELIVERY_LIMIT} redeliveries, and keeps it whole`, async () => {
    const ns = namespace();
    const broker = new RabbitBroker(SERVICE_URLS.amqp, ns);
    let deliveries = 0;
    await broker.consume(() => {
      deliveries += 1;
      return Promise.reject(new Error('the validator died'));
    }, 1);
    await broker.publish(Buffer.from('{"poison":true}'), 'poison-1');
    await until(async () => (await broker.depths()).deadLettered === 1, 'the dead letter');
    expect(await broker.depths()).toEqual({ queued: 0, deadLettered: 1 });
    expect(deliveries).toBeGreaterThanOrEqual(DELIVERY_LIMIT);
    expect(deliveries).toBeLessThanOrEqual(DELIVERY_LIMIT + 1);
    await broker.close();
    expect(await drain(topologyNames(ns).deadLetterQueue)).toEqual(new Map([['poison-1', '{"poison":true}']]));
  });

  it('refuses a publish no queue takes, instead of confirming it', async () => {
    const ns = namespace();
    const names = topologyNames(ns);
    const broker = new RabbitBroker(SERVICE_URLS.amqp, ns);
    await broker.ensureConnected();
    const channel = await connection.createChannel();
    await channel.unbindQueue(names.queue, names.exchange, 'batch');
    await expect(broker.publish(Buffer.from('{}'), 'lost-1')).rejects.toBeInstanceOf(BrokerUnavailableError);
    await channel.bindQueue(names.queue, names.exchange, 'batch');
    await broker.publish(Buffer.from('{}'), 'kept-1');
    expect((await broker.depths()).queued).toBe(1);
    await channel.close();
    await broker.close();
  });

  it('moves to the next node of AMQP_URL when one does not answer', async () => {
    const [closed] = await freePorts(1);
    const events: { event: BrokerEvent; detail: unknown }[] = [];
    const broker = new RabbitBroker(`amqp://guest:guest@127.0.0.1:${closed},${SERVICE_URLS.amqp}`, namespace(), (event, detail) =>
      events.push({ event, detail }),
    );
    await broker.ensureConnected();
    expect(events.map((e) => e.event)).toEqual(['broker.connect_failed', 'broker.connected']);
    const shown = new URL(SERVICE_URLS.amqp);
    shown.password = '***';
    expect(events[1]?.detail).toEqual({ url: shown.toString() });
    await broker.close();
  });
});

describe('migrating a queue declared otherwise', () => {
  it('stops the broker until `scrutin broker migrate`, which keeps every message, even those published meanwhile', async () => {
    const ns = namespace();
    const names = topologyNames(ns);
    // What an older version declared: classic queues.
    const setup = await connection.createChannel();
    await setup.assertExchange(names.deadLetterExchange, 'fanout', { durable: true });
    await setup.assertQueue(names.deadLetterQueue, { durable: true });
    await setup.bindQueue(names.deadLetterQueue, names.deadLetterExchange, '');
    await setup.assertExchange(names.exchange, 'direct', { durable: true });
    await setup.assertQueue(names.queue, { durable: true, arguments: { 'x-dead-letter-exchange': names.deadLetterExchange } });
    await setup.bindQueue(names.queue, names.exchange, 'batch');
    await setup.close();

    // An API of that older version: it publishes with confirms, and when its connection drops
    // (RabbitMQ closes it once, when the queue it routed to comes back as a quorum queue) it
    // reconnects and sends the same batch again, as the station's retry would.
    const returned: string[] = [];
    let publisher: { model: ChannelModel; channel: amqp.ConfirmChannel } | null = null;
    let reconnections = 0;
    const channel = async () => {
      if (publisher !== null) return publisher.channel;
      const model = await amqp.connect(SERVICE_URLS.amqp);
      model.on('error', () => undefined);
      const ch = await model.createConfirmChannel();
      ch.on('error', () => undefined);
      ch.on('return', (m: amqp.Message) => returned.push(String(m.properties.messageId)));
      model.on('close', () => {
        publisher = null;
        reconnections += 1;
      });
      publisher = { model, channel: ch };
      return ch;
    };
    const publishOnce = async (exchange: string, key: string, id: string) => {
      const ch = await channel();
      await new Promise<void>((resolve, reject) => {
        const closed = () => {
          reject(new Error('channel closed'));
        };
        ch.once('close', closed);
        const done = (error?: Error) => {
          ch.off('close', closed);
          if (error === undefined) resolve();
          else reject(error);
        };
        try {
          ch.publish(exchange, key, Buffer.from(`batch ${id}`), { persistent: true, messageId: id, mandatory: true }, (error) => {
            done(error === null || error === undefined ? undefined : error instanceof Error ? error : new Error(String(error)));
          });
        } catch (error) {
          done(error instanceof Error ? error : new Error(String(error)));
        }
      });
    };
    const publish = async (exchange: string, key: string, id: string) => {
      for (let attempt = 0; ; attempt += 1) {
        try {
          await publishOnce(exchange, key, id);
          return;
        } catch (error) {
          if (attempt > 50) throw error;
          await sleep(100);
        }
      }
    };
    const published = new Set<string>();
    for (let i = 0; i < 50; i += 1) {
      await publish(names.exchange, 'batch', `before-${i}`);
      published.add(`before-${i}`);
    }
    await publish(names.deadLetterExchange, '', 'dead-1');
    await publish(names.deadLetterExchange, '', 'dead-2');

    // This version will not run on it, and says why.
    const events: { event: BrokerEvent; detail: unknown }[] = [];
    const blocked = new RabbitBroker(SERVICE_URLS.amqp, ns, (event, detail) => events.push({ event, detail }));
    void blocked.ensureConnected().catch(() => undefined);
    await until(() => Promise.resolve(events.some((e) => e.event === 'broker.topology_mismatch')), 'the mismatch');
    await blocked.close();
    const mismatch = events.find((e) => e.event === 'broker.topology_mismatch')?.detail;
    expect(String(mismatch)).toContain(`the RabbitMQ queue ${names.deadLetterQueue} exists with another type`);
    expect(String(mismatch)).toContain('scrutin broker migrate');

    // The API keeps publishing (an old one, through the same exchange) while the migration runs.
    const publishing = { on: true };
    const during = (async () => {
      for (let i = 0; publishing.on && i < 300; i += 1) {
        await publish(names.exchange, 'batch', `during-${i}`);
        published.add(`during-${i}`);
        await sleep(5);
      }
    })();
    const steps: string[] = [];
    const report = await migrateTopology(SERVICE_URLS.amqp, ns, (event, detail) =>
      steps.push(`${event} ${typeof detail.queue === 'string' ? detail.queue : ''}`),
    );
    publishing.on = false;
    await during;
    expect(returned).toEqual([]);
    expect(report.map((r) => [r.queue, r.outcome])).toEqual([
      [names.deadLetterQueue, 'redeclared'],
      [names.queue, 'redeclared'],
    ]);
    expect(report[0]?.moved).toBe(2);
    expect(report[1]?.moved).toBeGreaterThanOrEqual(50);
    expect(steps.at(-1)).toBe('finished ');
    expect([...published].filter((id) => id.startsWith('during-')).length).toBeGreaterThan(0);

    // Now this version runs on it, and every message is there (a few possibly twice: harmless).
    const broker = new RabbitBroker(SERVICE_URLS.amqp, ns);
    await broker.ensureConnected();
    await broker.close();
    const queued = await drain(names.queue);
    expect([...published].filter((id) => !queued.has(id))).toEqual([]);
    for (const [id, content] of queued) expect(content).toBe(`batch ${id}`);
    expect([...(await drain(names.deadLetterQueue)).keys()].sort()).toEqual(['dead-1', 'dead-2']);

    // Again: nothing to do.
    expect((await migrateTopology(SERVICE_URLS.amqp, ns)).map((r) => [r.outcome, r.moved])).toEqual([
      ['kept', 0],
      ['kept', 0],
    ]);
    await (publisher as { model: ChannelModel } | null)?.model.close();
    expect(reconnections).toBeLessThanOrEqual(2);
  });

  it('refuses to migrate while validators consume the queue', async () => {
    const ns = namespace();
    const names = topologyNames(ns);
    const old = await connection.createChannel();
    await old.assertExchange(names.deadLetterExchange, 'fanout', { durable: true });
    await old.assertQueue(names.deadLetterQueue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await old.assertExchange(names.exchange, 'direct', { durable: true });
    await old.assertQueue(names.queue, { durable: true });
    await old.consume(names.queue, () => undefined);
    await expect(migrateTopology(SERVICE_URLS.amqp, ns)).rejects.toThrow(/has 1 consumer\(s\): stop the validators/);
    await old.close();
  });
});
