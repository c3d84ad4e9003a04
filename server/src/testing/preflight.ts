import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';
import { DEFAULT_SERVICE_URLS, SERVICE_URLS } from './services.ts';

/**
 * Before any test runs: do PostgreSQL, Redis and RabbitMQ answer? Each gets a connection and
 * its protocol's own ping (SELECT 1, PING, the AMQP handshake) within a couple of seconds, all
 * three at once, so a run with a service missing stops at once with what to do, instead of
 * every test waiting out its own timeouts. The Vitest and Playwright global setups call it.
 */
export type ServiceName = 'PostgreSQL' | 'Redis' | 'RabbitMQ';

export interface ServiceProblem {
  readonly service: ServiceName;
  /** The URL tried, its password hidden. */
  readonly url: string;
  readonly reason: string;
}

export interface ServiceUrls {
  readonly postgresAdmin: string;
  readonly redis: string;
  readonly amqp: string;
}

const ROOT = join(import.meta.dirname, '../../..');

export async function probeServices(urls: ServiceUrls = SERVICE_URLS, budgetMs = 2000): Promise<ServiceProblem[]> {
  const probes: readonly [ServiceName, string, (url: string) => Promise<unknown>][] = [
    ['PostgreSQL', urls.postgresAdmin, (url) => pingPostgres(url, budgetMs)],
    ['Redis', urls.redis, (url) => pingRedis(url, budgetMs)],
    ['RabbitMQ', urls.amqp, (url) => pingAmqp(url, budgetMs)],
  ];
  const outcomes = await Promise.all(
    probes.map(async ([service, url, ping]): Promise<ServiceProblem | null> => {
      try {
        await within(ping(url), budgetMs + 500, `no answer within ${budgetMs + 500} ms`);
        return null;
      } catch (error) {
        return { service, url: hidePassword(url), reason: describe(error) };
      }
    }),
  );
  return outcomes.filter((o) => o !== null);
}

/**
 * Throws, with the message a person needs, when a service does not answer: which one, at
 * which URL, why, and what `npm run services` would do about it on this machine.
 */
export async function assertServices(urls: ServiceUrls = SERVICE_URLS, budgetMs = 2000): Promise<void> {
  const problems = await probeServices(urls, budgetMs);
  if (problems.length === 0) return;
  throw new Error(await servicesMessage(problems, urls));
}

export async function servicesMessage(problems: readonly ServiceProblem[], urls: ServiceUrls): Promise<string> {
  const lines = ['The tests cannot run: a service they need does not answer.'];
  for (const p of problems) lines.push(`  - ${p.service} at ${p.url}: ${p.reason}`);
  const overridden = problems.filter((p) => !isDefault(p.service, urls));
  for (const p of overridden) {
    lines.push(
      `${p.service}: the URL comes from ${VARIABLES[p.service]}; start that server, or unset the variable to use the loopback one.`,
    );
  }
  if (overridden.length < problems.length) lines.push('', await servicesPlan());
  return lines.join('\n');
}

const VARIABLES: Readonly<Record<ServiceName, string>> = {
  PostgreSQL: 'TEST_POSTGRES_URL',
  Redis: 'TEST_REDIS_URL',
  RabbitMQ: 'TEST_AMQP_URL',
};

function isDefault(service: ServiceName, urls: ServiceUrls): boolean {
  switch (service) {
    case 'PostgreSQL':
      return urls.postgresAdmin === DEFAULT_SERVICE_URLS.postgresAdmin;
    case 'Redis':
      return urls.redis === DEFAULT_SERVICE_URLS.redis;
    case 'RabbitMQ':
      return urls.amqp === DEFAULT_SERVICE_URLS.amqp;
    default:
      return service satisfies never;
  }
}

/** What `npm run services` would do here (its `--check` report), or how to run it. */
function servicesPlan(): Promise<string> {
  return new Promise((resolve) => {
    execFile('bash', [join(ROOT, 'scripts/services.sh'), '--check'], { timeout: 15_000 }, (error, stdout, stderr) => {
      const report = `${stdout}${stderr}`.trim();
      resolve(
        report === '' || error?.killed === true
          ? `Run \`npm run services\` (scripts/services.sh) to install and start them${error === null ? '' : ` (${error.message})`}.`
          : report,
      );
    });
  });
}

async function pingPostgres(url: string, budgetMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: budgetMs, query_timeout: budgetMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function pingRedis(url: string, budgetMs: number): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: budgetMs,
    commandTimeout: budgetMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis rejects with "Connection is closed."; the socket's own error says why.
  let cause: unknown = null;
  redis.on('error', (error: unknown) => {
    cause ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw cause ?? error;
  } finally {
    redis.disconnect();
  }
}

async function pingAmqp(url: string, budgetMs: number): Promise<void> {
  const connection = await amqp.connect(url, { timeout: budgetMs });
  connection.on('error', () => undefined);
  await connection.close().catch(() => undefined);
}

async function within<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  const abort = new AbortController();
  const timeout = sleep(ms, undefined, { signal: abort.signal }).then(
    () => Promise.reject(new Error(message)),
    () => undefined as never,
  );
  try {
    return await Promise.race([work, timeout]);
  } finally {
    abort.abort();
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describe).join('; ');
  if (error instanceof Error) return error.message === '' ? error.name : error.message;
  return String(error);
}

function hidePassword(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return raw;
  }
}
