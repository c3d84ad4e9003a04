import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { RabbitBroker } from '../pipeline/broker.ts';

/**
 * Real services for tests: each test file gets its own Postgres database and its own
 * namespace for RabbitMQ and Redis names, so files can run in parallel without colliding.
 * A service that does not answer fails the test; it is never skipped or mocked.
 */
/** The loopback services `npm run services` provides (scripts/services.sh). */
export const DEFAULT_SERVICE_URLS = {
  postgresAdmin: 'postgres://postgres@127.0.0.1:5432/postgres',
  amqp: 'amqp://guest:guest@127.0.0.1:5672',
  redis: 'redis://127.0.0.1:6379',
} as const;

export const SERVICE_URLS = {
  postgresAdmin: process.env.TEST_POSTGRES_URL ?? DEFAULT_SERVICE_URLS.postgresAdmin,
  amqp: process.env.TEST_AMQP_URL ?? DEFAULT_SERVICE_URLS.amqp,
  redis: process.env.TEST_REDIS_URL ?? DEFAULT_SERVICE_URLS.redis,
} as const;

export function testNamespace(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `scrutin_${testNamespace()}`;
  const admin = new pg.Client({ connectionString: SERVICE_URLS.postgresAdmin });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(SERVICE_URLS.postgresAdmin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: SERVICE_URLS.postgresAdmin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Removes a namespace's RabbitMQ queues and Redis keys. */
export async function dropTestNamespace(namespace: string): Promise<void> {
  await new RabbitBroker(SERVICE_URLS.amqp, namespace).destroy().catch(() => undefined);
  const redis = new Redis(SERVICE_URLS.redis);
  try {
    const keys = await redis.keys(`*${namespace}*`);
    for (let i = 0; i < keys.length; i += 10_000) await redis.del(...keys.slice(i, i + 10_000));
  } finally {
    redis.disconnect();
  }
}

/** A database and a namespace of their own, and the environment of a central server using them. */
export interface TestServices {
  readonly database: TestDatabase;
  readonly namespace: string;
  /** DATABASE_URL, AMQP_URL, REDIS_URL, SCRUTIN_NAMESPACE and SCRUTIN_MODE=test, for `loadConfig`. */
  readonly env: Readonly<Record<string, string>>;
  /** Drops the database, the queues and the keys. */
  drop(): Promise<void>;
}

export async function createTestServices(): Promise<TestServices> {
  const database = await createTestDatabase();
  const namespace = testNamespace();
  return {
    database,
    namespace,
    // Tests load small elections (the test KDF, small anonymity sets): test mode, not production.
    env: {
      DATABASE_URL: database.url,
      AMQP_URL: SERVICE_URLS.amqp,
      REDIS_URL: SERVICE_URLS.redis,
      SCRUTIN_NAMESPACE: namespace,
      SCRUTIN_MODE: 'test',
    },
    async drop() {
      await dropTestNamespace(namespace);
      await database.drop();
    },
  };
}
