import { parseElection, unwrap } from '@scrutin/shared/node';
import type { AppContext } from '../app/context.ts';
import { assemble, centralExportKey, centralKey, pipelineKey } from '../app/services.ts';
import { createRequestLimits } from '../api/request_limits.ts';
import { loadConfig } from '../config.ts';
import { CredentialJobs } from '../credentials/jobs.ts';
import type { Database } from '../db/database.ts';
import { ElectionCatalogue } from '../elections/catalogue.ts';
import { createLogger, eventLogger } from '../logger.ts';
import { createMetrics } from '../metrics.ts';
import { InProcessBroker } from '../pipeline/broker.ts';
import type { DedupStore } from '../pipeline/dedup.ts';
import { SERVICE_URLS } from './services.ts';

export interface TestAppContextOptions {
  /** The migrated test database, and its URL for the configuration. */
  readonly db: Database;
  readonly databaseUrl: string;
  readonly namespace: string;
  readonly dedup: DedupStore;
  /** The logger's name. */
  readonly name: string;
  readonly now: () => Date;
}

/**
 * The API's context for the route tests: test mode, the real Postgres and Redis, an
 * in-process broker, keys made on first use, silent logs. `createApp(ctx)` serves it.
 */
export async function testAppContext(o: TestAppContextOptions): Promise<AppContext> {
  const config = unwrap(
    loadConfig({
      DATABASE_URL: o.databaseUrl,
      AMQP_URL: SERVICE_URLS.amqp,
      REDIS_URL: SERVICE_URLS.redis,
      SCRUTIN_NAMESPACE: o.namespace,
      SCRUTIN_MODE: 'test',
      LOG_LEVEL: 'silent',
    }),
  );
  const logger = createLogger('silent', o.name);
  const services = assemble('services', o.db, o.dedup, new InProcessBroker());
  const metrics = createMetrics(false);
  return {
    config,
    services,
    elections: new ElectionCatalogue(o.db, (json) => unwrap(parseElection(json))),
    metrics,
    logger,
    log: eventLogger(logger),
    centralKey: await centralKey(o.db, undefined),
    centralExportKey: await centralExportKey(o.db, undefined),
    pipelineKey: await pipelineKey(o.db, undefined),
    now: o.now,
    credentialJobs: new CredentialJobs({ db: o.db, dedup: o.dedup, now: o.now, log: eventLogger(logger) }),
    limits: createRequestLimits(config, metrics),
  };
}
