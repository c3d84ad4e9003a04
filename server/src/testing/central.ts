import type { TestVoter } from './fixtures.ts';
import { unwrap, type ElectionDefinition, type StationId } from '@scrutin/shared';
import { loadConfig, type Config } from '../config.ts';
import { startCentral, type Central, type CentralOptions } from '../central.ts';
import { StationClient } from '../simulate/station_client.ts';
import { enrolmentToken, openElection } from './election_setup.ts';
import { createTestServices } from './services.ts';

/** A central server on the real services, in its own database and namespace, for tests. */
export interface TestCentral {
  readonly central: Central;
  readonly config: Config;
  stop(): Promise<void>;
}

/**
 * Every test client connects from loopback, which the rate limits count as one address: the
 * limits of a test central are raised out of the way of load, and a test of the limits sets
 * its own in `env`.
 */
export const TEST_LIMITS_ENV: Readonly<Record<string, string>> = {
  SYNC_RATE_PER_IP: '1000000',
  SYNC_RATE_PER_STATION: '1000000',
  SYNC_MAX_CONCURRENCY: '10000',
  SSE_MAX_CONNECTIONS: '1000000',
  SSE_MAX_PER_IP: '1000000',
  RECEIPT_RATE_PER_IP: '1000000',
};

export async function startTestCentral(options: CentralOptions & { env?: Record<string, string> } = {}): Promise<TestCentral> {
  const services = await createTestServices();
  const config = unwrap(loadConfig({ ...services.env, PORT: '0', LOG_LEVEL: 'silent', ...TEST_LIMITS_ENV, ...options.env }));
  const central = await startCentral(config, options);
  return {
    central,
    config,
    async stop() {
      await central.stop();
      await services.drop();
    },
  };
}

export { openSampleElection } from '@scrutin/shared';

/**
 * Loads `election` into a test central server, opens it, loads the voters' credentials and
 * returns a station client enrolled for `station`: the usual start of a sync test.
 */
export async function openWithStation(
  t: TestCentral,
  election: ElectionDefinition,
  voters: readonly TestVoter[],
  station: StationId,
): Promise<StationClient> {
  await openElection(t.central, election, voters);
  const client = new StationClient(t.central.url, election.id, station);
  await client.enrol(await enrolmentToken(t.central, election.id, station));
  return client;
}
