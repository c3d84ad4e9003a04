import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics. Label values come from fixed sets (outcome, reason, operation, ...),
 * never from a request: no station id, credential or election name becomes a label.
 * deploy/prometheus (recording and alert rules) and deploy/grafana (dashboards) name these
 * metrics; server/src/monitoring/dashboards.test.ts checks that every name they use is exported.
 */
export const BALLOT_OUTCOMES = ['accepted', 'duplicate', 'invalid'] as const;
export const BATCH_OUTCOMES = ['received', 'replayed', 'processed', 'already-processed'] as const;
export const QUEUES = ['batches', 'dead'] as const;
export const DEPENDENCIES = ['postgres', 'redis', 'rabbitmq'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];
/** A station key revoked by an official, or a new key enrolled after a revocation. */
export const STATION_KEY_EVENTS = ['revoked', 're_enrolled'] as const;

export interface Metrics {
  readonly registry: Registry;
  readonly batches: Counter<'outcome'>;
  readonly ballots: Counter<'outcome'>;
  readonly refusals: Counter<'code'>;
  readonly apiLatency: Histogram<'route'>;
  readonly pipelineLatency: Histogram;
  readonly queueDepth: Gauge<'queue'>;
  readonly deadLetters: Counter;
  readonly storeTiming: Histogram<'store' | 'operation'>;
  readonly equivocations: Counter;
  /** Times a validator found Redis without an election's credentials and rebuilt it from Postgres. */
  readonly dedupRebuilds: Counter;
  /** 1 when this process reached the dependency at the last scrape, 0 otherwise. */
  readonly dependencyUp: Gauge<'dependency'>;
  /** Stations of open elections with no batch for longer than the silence threshold (API only). */
  readonly stationsSilent: Gauge;
  /** Closed elections whose certification is refused now: batches unprocessed or missing (API only). */
  readonly certificationBlocked: Gauge;
  /** From the commit that changed the results to the SSE write that carries them. */
  readonly sseDelay: Histogram;
  /** Station keys revoked and re-enrolled: every one is an official's act, alerted on (deploy/prometheus). */
  readonly stationRekeys: Counter<'event'>;
  /** Batch requests this process is taking in now (bounded by SYNC_MAX_CONCURRENCY). */
  readonly syncInFlight: Gauge;
  /** Live results computed from the tallies: once per results version, however many read them. */
  readonly resultsComputations: Counter;
  /** Results event streams open on this process. */
  readonly sseConnections: Gauge;
}

export function createMetrics(defaults = true): Metrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'scrutin_' });
  const metrics: Metrics = {
    registry,
    batches: new Counter({
      name: 'scrutin_batches_total',
      help: 'Batches by outcome: received (queued), replayed, processed',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    ballots: new Counter({
      name: 'scrutin_ballots_total',
      help: 'Envelopes by outcome: accepted, duplicate, invalid',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'scrutin_api_refusals_total',
      help: 'Requests refused, by error code',
      labelNames: ['code'],
      registers: [registry],
    }),
    apiLatency: new Histogram({
      name: 'scrutin_api_request_seconds',
      help: 'API request latency by route',
      labelNames: ['route'],
      registers: [registry],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    pipelineLatency: new Histogram({
      name: 'scrutin_pipeline_seconds',
      help: 'From API receipt of a batch to its Postgres commit',
      registers: [registry],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    queueDepth: new Gauge({
      name: 'scrutin_queue_depth',
      help: 'Messages waiting, by queue (batches, dead)',
      labelNames: ['queue'],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'scrutin_dead_letters_total',
      help: 'Batches sent to the dead-letter queue (alert on any)',
      registers: [registry],
    }),
    storeTiming: new Histogram({
      name: 'scrutin_store_seconds',
      help: 'Redis and Postgres timings by operation',
      labelNames: ['store', 'operation'],
      registers: [registry],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    }),
    equivocations: new Counter({
      name: 'scrutin_equivocations_total',
      help: 'Batches that reused a sequence number with other content (alert on any)',
      registers: [registry],
    }),
    dedupRebuilds: new Counter({
      name: 'scrutin_dedup_rebuilds_total',
      help: 'Rebuilds of the Redis credential sets from Postgres after Redis lost them (alert on any)',
      registers: [registry],
    }),
    dependencyUp: new Gauge({
      name: 'scrutin_dependency_up',
      help: 'Whether this process reached the dependency (postgres, redis, rabbitmq) at the last scrape: 1 or 0',
      labelNames: ['dependency'],
      registers: [registry],
    }),
    stationsSilent: new Gauge({
      name: 'scrutin_stations_silent',
      help: 'Stations of open elections with no batch received for longer than SCRUTIN_SILENT_AFTER_SECONDS since the polls opened',
      registers: [registry],
    }),
    certificationBlocked: new Gauge({
      name: 'scrutin_certification_blocked',
      help: 'Closed elections that cannot be certified now: some station has batches unprocessed or missing',
      registers: [registry],
    }),
    sseDelay: new Histogram({
      name: 'scrutin_results_sse_delay_seconds',
      help: 'From the commit that changed the results to the server-sent event that carries them',
      registers: [registry],
      buckets: [0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30],
    }),
    stationRekeys: new Counter({
      name: 'scrutin_station_rekeys_total',
      help: 'Station keys revoked by an official (revoked) and new keys enrolled after a revocation (re_enrolled): alert on any',
      labelNames: ['event'],
      registers: [registry],
    }),
    syncInFlight: new Gauge({
      name: 'scrutin_sync_inflight',
      help: 'Batch requests being taken in by this process (refused with 503 busy beyond SYNC_MAX_CONCURRENCY)',
      registers: [registry],
    }),
    resultsComputations: new Counter({
      name: 'scrutin_results_computations_total',
      help: 'Live results computed from the tallies (once per results version, shared by every reader and event stream)',
      registers: [registry],
    }),
    sseConnections: new Gauge({
      name: 'scrutin_results_sse_connections',
      help: 'Results event streams open on this process',
      registers: [registry],
    }),
  };
  // Every label value is known in advance: present them at zero, so that rates and alerts see
  // a series from the first scrape rather than from the first event.
  for (const outcome of BALLOT_OUTCOMES) metrics.ballots.inc({ outcome }, 0);
  for (const outcome of BATCH_OUTCOMES) metrics.batches.inc({ outcome }, 0);
  for (const event of STATION_KEY_EVENTS) metrics.stationRekeys.inc({ event }, 0);
  return metrics;
}
