import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Structured logs. Every entry carries an `event` from this catalogue, so operators can
 * search and alert on names that do not change. Long actions log `.started` and `.finished`
 * (with their outcome). Nothing here ever holds a credential next to a choice: batch logs
 * carry counts, never envelopes.
 */
export const LOG_EVENTS = [
  'server.started',
  'server.stopping',
  'migrations.applied',
  'broker.connected',
  'broker.connection_lost',
  'broker.connect_failed',
  'broker.ack_lost',
  'broker.topology_mismatch',
  'broker.consumer_cancelled',
  'broker.message_returned',
  'broker.migration.started',
  'broker.migration.finished',
  'dedup.reset',
  'batch.received',
  'batch.replayed',
  'batch.refused',
  'batch.equivocation',
  'batch.gap',
  'batch.processed',
  'batch.retry',
  'validator.started',
  'validator.poison_message',
  'batch.quarantined',
  'validator.dedup_overruled',
  'dedup.rebuild.started',
  'dedup.rebuild.finished',
  'credentials.load.started',
  'credentials.load.finished',
  'station.enrolled',
  'station.re_enrolled',
  'station.revoked',
  'election.saved',
  'election.state_changed',
  'official.login',
  'official.login_failed',
  'official.locked',
  'official.logout',
  'official.created',
  'election.certification_override',
  'station.enrolment_token_issued',
  'request.failed',
  'official.role_changed',
  'official.disabled',
  'official.enabled',
  'credentials.job.started',
  'credentials.job.finished',
  'export.downloaded',
  'batches.verified',
  'station.kit_downloaded',
  'monitoring.refresh_failed',
  'monitoring.refresh_recovered',
  'metrics.listening',
] as const;
export type LogEvent = (typeof LOG_EVENTS)[number];

export type EventLogger = (event: LogEvent, detail?: Record<string, unknown>) => void;

export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = { name, level, base: { service: name } };
  return destination === undefined ? pino(options) : pino(options, destination);
}

export function eventLogger(logger: Logger, level: 'info' | 'warn' | 'error' = 'info'): EventLogger {
  return (event, detail = {}) => {
    logger[level]({ event, ...detail }, event);
  };
}
