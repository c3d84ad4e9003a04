import { unwrap, type CredentialHash, type ElectionDefinition, type StationId } from '@scrutin/shared/node';
import { loadCredentials, saveElection, setElectionState } from '../elections/store.ts';
import { StationClient } from '../simulate/station_client.ts';
import { issueEnrolmentToken } from '../sync/enrolment.ts';
import { loadConfig, type Config } from '../config.ts';
import { startCentral, type Central, type CentralOptions } from '../central.ts';
import { RabbitBroker } from '../pipeline/broker.ts';
import { createTestDatabase, SERVICE_URLS, testNamespace, type TestDatabase } from './services.ts';
import { Redis } from 'ioredis';

/** A central server on the real services, in its own database and namespace, for tests. */
export interface TestCentral {
  readonly central: Central;
  readonly config: Config;
  stop(): Promise<void>;
}

export async function startTestCentral(options: CentralOptions & { env?: Record<string, string> } = {}): Promise<TestCentral> {
  const db: TestDatabase = await createTestDatabase();
  const namespace = testNamespace();
  const config = unwrap(
    loadConfig({
      DATABASE_URL: db.url,
      AMQP_URL: SERVICE_URLS.amqp,
      REDIS_URL: SERVICE_URLS.redis,
      SCRUTIN_NAMESPACE: namespace,
      PORT: '0',
      LOG_LEVEL: 'silent',
      ...options.env,
    }),
  );
  const central = await startCentral(config, options);
  return {
    central,
    config,
    async stop() {
      await central.stop();
      await removeNamespace(namespace);
      await db.drop();
    },
  };
}

/** Deletes a test namespace's queues and exchanges (shared RabbitMQ) and keys (shared Redis). */
export async function removeNamespace(namespace: string): Promise<void> {
  const broker = new RabbitBroker(SERVICE_URLS.amqp, namespace);
  await broker.destroy().catch(() => undefined);
  const redis = new Redis(SERVICE_URLS.redis);
  const keys = await redis.keys(`*${namespace}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

export { openSampleElection } from '@scrutin/shared/node';

/**
 * Loads `election` into a test central server, opens it, loads the voters' credentials and
 * returns a station client enrolled for `station`: the usual start of a sync test.
 */
export async function openWithStation(
  t: TestCentral,
  election: ElectionDefinition,
  voters: readonly { readonly credential: CredentialHash; readonly station: StationId }[],
  station: StationId,
): Promise<StationClient> {
  const { db, dedup } = t.central.ctx.services;
  unwrap(await saveElection(db, election));
  await setElectionState(db, election.id, 'open');
  await loadCredentials(db, dedup, election.id, voters);
  const client = new StationClient(t.central.url, election.id, station);
  await client.enrol((await issueEnrolmentToken(db, election.id, station)).token);
  return client;
}
