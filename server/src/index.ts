/**
 * `@scrutin/server`: the central side as a library, for compositions (`npm start`), tools
 * and benchmarks. The `scrutin` command (bin/scrutin.js) is built from the same modules.
 */
import { openBatchMessage, QueueEnvelopesSchema, sealBatchMessage } from './pipeline/messages.ts';
import { ballotsJson, tallyIncrements, withRandomIds } from './pipeline/validator.ts';
import { packTrackingCodes } from './results/receipts.ts';

export { startCentral, startWorker, type Central, type CentralOptions } from './central.ts';
export { loadConfig, servicesEnv, type Config } from './config.ts';
export { ensureConsoleBuilt } from './api/console_static.ts';
export { migrate, postgresDatabase } from './db/database.ts';
export { RedisDedupStore } from './pipeline/dedup.ts';
export { loadCredentials, saveElection, setElectionState } from './elections/store.ts';
export { createOfficial } from './officials/users.ts';
export { describeGenerateCredentialsError, generateCredentials } from './credentials/generate.ts';
export { issueEnrolmentToken } from './sync/enrolment.ts';
export { countSilentStations } from './monitoring/election_gauges.ts';
export { importBatches, importDepsOf, importSealedBatches } from './sync/import.ts';
export { StationClient, type SendOutcome } from './simulate/station_client.ts';
export { makePlan, randomBallot } from './simulate/plan.ts';
export { fetchResults, runPlan, runTarget, signAll } from './simulate/run.ts';

/** The pipeline's steps one by one, for `npm run bench -- pipeline-parts` (bench/pipeline_parts.ts). */
export const benchmarkParts = {
  sealBatchMessage,
  openBatchMessage,
  QueueEnvelopesSchema,
  withRandomIds,
  tallyIncrements,
  ballotsJson,
  packTrackingCodes,
} as const;
