import { setTimeout as sleep } from 'node:timers/promises';
import type { ElectionId } from '@scrutin/shared/node';
import type { Database } from '../db/database.ts';
import { rebuildDedup } from '../elections/store.ts';
import type { EventLogger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { BatchBroker, Delivery, Disposition } from './broker.ts';
import type { DedupStore } from './dedup.ts';
import { QueueMessageSchema } from './messages.ts';
import type { ElectionCatalogue } from '../elections/catalogue.ts';
import { handleBatchMessage } from './validator.ts';

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
  let election: ElectionId | null = null;
  for (let attempt = 1; ; attempt += 1) {
    const started = Date.now();
    try {
      const json = parseJson(delivery.content);
      election = electionOf(json);
      if (election !== null) await ensureDedup(election);
      const disposition = await handleBatchMessage(
        {
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
        },
        json,
        delivery.redelivered || attempt > 1,
      );
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
      if (isBallotIdReused(error)) {
        // Retrying cannot help: a ballot id of this batch is already stored (a station bug or
        // a forged batch). The batch goes to the dead-letter queue, nothing of it is counted,
        // and officials get an alert naming the station.
        const stored = await deadLetterReusedBallotId(deps, election, stationOf(delivery.content)).catch(() => false);
        if (stored) return 'dead-letter';
      }
      deps.log('batch.retry', { attempt, error: error instanceof Error ? error.message : String(error) });
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }
}

/** A unique violation on the ballots' primary key (any partition): a ballot id used before. */
function isBallotIdReused(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '23505' && typeof constraint === 'string' && /^ballots_(p\d+_)?pkey$/.test(constraint);
}

async function deadLetterReusedBallotId(deps: WorkerDeps, election: ElectionId | null, station: string | null): Promise<boolean> {
  await deps.db.query(`INSERT INTO alerts (election_id, station_id, kind, detail) VALUES ($1, $2, 'ballot-id-reused', $3)`, [
    election ?? 'unknown',
    station,
    JSON.stringify({ reason: 'a ballot id of this batch is already stored; the batch was dead-lettered' }),
  ]);
  deps.metrics.deadLetters.inc();
  deps.log('validator.poison_message', { reason: 'ballot id reused', station });
  return true;
}

/** The station id of a message, for an alert (not trusted further). */
function stationOf(content: Buffer): string | null {
  const raw = (parseJson(content) as { station?: unknown } | undefined)?.station;
  const parsed = QueueMessageSchema.shape.station.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

function parseJson(content: Buffer): unknown {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The election id of a message, without trusting it further (the validator parses it fully). */
function electionOf(json: unknown): ElectionId | null {
  const raw = (json as { election?: unknown } | undefined)?.election;
  const parsed = QueueMessageSchema.shape.election.safeParse(raw);
  return parsed.success ? parsed.data : null;
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
