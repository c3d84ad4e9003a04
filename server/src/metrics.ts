import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics. Label values come from fixed sets (outcome, reason, operation, ...),
 * never from a request: no station id, credential or election name becomes a label.
 */
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
}

export function createMetrics(defaults = true): Metrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'scrutin_' });
  return {
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
  };
}
