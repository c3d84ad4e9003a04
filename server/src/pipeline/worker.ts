import { setTimeout as sleep } from 'node:timers/promises';
import type { ElectionId } from '@scrutin/shared/node';
import type { Database } from '../db/database.ts';
import { rebuildDedup } from '../elections/store.ts';
import type { EventLogger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { BatchBroker, Delivery, Disposition } from './broker.ts';
import type { DedupStore } from './dedup.ts';
import { queueMessageIdentity } from './messages.ts';
import type { ElectionCatalogue } from '../elections/catalogue.ts';
import { handleBatchMessage, quarantineBatch, type ValidatorDeps } from './validator.ts';

/**
 * A validator worker: consumes batches, processes each, acknowledges after the commit.
 * A failure that can pass (Postgres or Redis restarting) is retried in place with backoff,
 * holding the message, so an outage delays batches but never dead-letters good ones; only a
 * message that can never be processed goes to the dead-letter queue.
 */
export interface WorkerDeps {
  readonly db: Database;
  readonly dedup: DedupStore;
  readonly broker: BatchBroker;
  readonly elections: ElectionCatalogue;
  readonly pipelineKey: Buffer;
  readonly metrics: Metrics;
  readonly log: EventLogger;
  readonly prefetch: number;
}

export async function startValidator(deps: WorkerDeps): Promise<void> {
  const ensureDedup = dedupGuard(deps);
  await deps.broker.consume(async (delivery) => process(deps, ensureDedup, delivery), deps.prefetch);
  deps.log('validator.started', { prefetch: deps.prefetch });
}

async function process(deps: WorkerDeps, ensureDedup: (election: ElectionId) => Promise<void>, delivery: Delivery): Promise<Disposition> {
  let delay = 100;
  let permanentFailures = 0;
  // Read once: the bytes do not change between attempts (the validator checks them fully).
  const identity = queueMessageIdentity(delivery.content);
  const election = identity?.election ?? null;
  for (let attempt = 1; ; attempt += 1) {
    const started = Date.now();
    try {
      if (election !== null) await ensureDedup(election);
      const disposition = await handleBatchMessage(validatorDeps(deps), delivery.content, delivery.redelivered || attempt > 1);
      if (disposition === 'dead-letter') {
        deps.metrics.deadLetters.inc();
        // Officials see it: a batch that cannot be processed is never silently dropped.
        await deps.db.query(`INSERT INTO alerts (election_id, station_id, kind, detail) VALUES ($1, NULL, 'dead-letter', $2)`, [
          election ?? 'unknown',
          JSON.stringify({ bytes: delivery.content.length, redelivered: delivery.redelivered }),
        ]);
      }
      deps.metrics.storeTiming.observe({ store: 'pipeline', operation: 'batch' }, (Date.now() - started) / 1000);
      return disposition;
    } catch (error) {
      // The same permanent failure again and again (a constraint, a bug, bad data: not a
      // store restarting) cannot pass by retrying: the batch is quarantined, its credential
      // marks released, and it waits, sealed, in the dead-letter queue for officials.
      if (isPermanent(error)) permanentFailures += 1;
      if (permanentFailures >= QUARANTINE_AFTER) {
        const reason = failureClass(error);
        const quarantined = await quarantineBatch(validatorDeps(deps), delivery.content, reason).catch(() => null);
        deps.metrics.deadLetters.inc();
        await deps.db
          .query(`INSERT INTO alerts (election_id, station_id, kind, detail) VALUES ($1, $2, 'quarantine', $3)`, [
            quarantined?.election ?? election ?? 'unknown',
            quarantined?.station ?? identity?.station ?? null,
            JSON.stringify({ sequence: quarantined?.sequence ?? null, reason, released: quarantined?.released ?? 0 }),
          ])
          .catch(() => undefined);
        deps.log('batch.quarantined', { station: quarantined?.station ?? null, sequence: quarantined?.sequence ?? null, reason });
        return 'dead-letter';
      }
      deps.log('batch.retry', { attempt, error: error instanceof Error ? error.message : String(error) });
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }
}

/** Permanent failures before a batch is quarantined. */
export const QUARANTINE_AFTER = 3;

/**
 * Whether retrying cannot help: a Postgres error of a class other than connection (08),
 * resources (53), operator intervention (57), transaction rollback (40) or system (58). Errors
 * without a SQLSTATE (a dropped connection, Redis) are taken as passing.
 */
function isPermanent(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !['08', '53', '57', '40', '58'].includes(code.slice(0, 2));
}

/** What is kept of a failure: its SQLSTATE and constraint, never a message that may quote data. */
function failureClass(error: unknown): string {
  const e = typeof error === 'object' && error !== null ? (error as { code?: unknown; constraint?: unknown }) : {};
  return `sqlstate ${String(e.code)}${typeof e.constraint === 'string' ? ` (${e.constraint})` : ''}`;
}

/** What the validator needs of a worker, with its metrics and log wired in. */
function validatorDeps(deps: WorkerDeps): ValidatorDeps {
  return {
    db: deps.db,
    dedup: deps.dedup,
    elections: deps.elections,
    pipelineKey: deps.pipelineKey,
    onProcessed: (outcome, station, receivedAtMs) => {
      if (receivedAtMs !== undefined) deps.metrics.pipelineLatency.observe(Math.max(0, Date.now() - receivedAtMs) / 1000);
      if (outcome.alreadyProcessed) {
        deps.metrics.batches.inc({ outcome: 'already-processed' });
        return;
      }
      deps.metrics.batches.inc({ outcome: 'processed' });
      deps.metrics.ballots.inc({ outcome: 'accepted' }, outcome.accepted);
      deps.metrics.ballots.inc({ outcome: 'duplicate' }, outcome.duplicates);
      deps.metrics.ballots.inc({ outcome: 'invalid' }, outcome.invalid);
      deps.log('batch.processed', { station, accepted: outcome.accepted, duplicates: outcome.duplicates, invalid: outcome.invalid });
    },
    onTiming: (store, operation, seconds) => {
      deps.metrics.storeTiming.observe({ store, operation }, seconds);
    },
    onEvent: (event, detail) => {
      deps.log(event as 'validator.poison_message', detail);
    },
  };
}

/** How long a "Redis holds this election" answer is trusted before it is asked again. */
const LOADED_CHECK_MS = 1000;

/**
 * Before a batch is checked against Redis, Redis must hold the election's credentials. If it
 * lost them (a restart without persistence), one rebuild from Postgres runs and the others wait.
 * A positive answer is kept for a second rather than asked for every batch: Redis is only the
 * fast path, and a batch checked against an emptied Redis in that second finds Postgres
 * disagreeing and takes the validator's general path, where Postgres decides alone.
 */
function dedupGuard(deps: WorkerDeps): (election: ElectionId) => Promise<void> {
  const running = new Map<ElectionId, Promise<void>>();
  const loadedAt = new Map<ElectionId, number>();
  return async (election) => {
    const seen = loadedAt.get(election);
    if (seen !== undefined && Date.now() - seen < LOADED_CHECK_MS) return;
    if (await deps.dedup.isLoaded(election)) {
      loadedAt.set(election, Date.now());
      return;
    }
    loadedAt.delete(election);
    let rebuild = running.get(election);
    if (rebuild === undefined) {
      rebuild = (async () => {
        deps.log('dedup.rebuild.started', { election });
        const started = Date.now();
        const count = await rebuildDedup(deps.db, deps.dedup, election);
        deps.metrics.dedupRebuilds.inc();
        deps.log('dedup.rebuild.finished', { election, credentials: count, ms: Date.now() - started });
      })().finally(() => running.delete(election));
      running.set(election, rebuild);
    }
    await rebuild;
  };
}
