import type { Config } from '../config.ts';
import type { EventLogger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { RequestLimits } from '../api/request_limits.ts';
import type { CredentialJobs } from '../credentials/jobs.ts';
import type { ElectionCatalogue } from '../elections/catalogue.ts';
import type { CentralKey, Services } from './services.ts';
import type { Logger } from 'pino';

/** What every route and job of the central server can reach. */
export interface AppContext {
  readonly config: Config;
  readonly services: Services;
  readonly elections: ElectionCatalogue;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly log: EventLogger;
  readonly centralKey: CentralKey;
  /** Seals queue messages between the API and the validators (PIPELINE_KEY). */
  readonly pipelineKey: Buffer;
  readonly now: () => Date;
  /** The embedded demo's in-server credential jobs (refused in production; no card is written); their files go when it stops. */
  readonly credentialJobs: CredentialJobs;
  /** Rate limits and the intake cap of the station routes (their counters in Redis when there is one). */
  readonly limits: RequestLimits;
}
