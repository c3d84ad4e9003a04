import { createHash } from 'node:crypto';
import {
  describeBallotError,
  signReceipt,
  SignedBatchSchema,
  validateBallot,
  verifyBatch,
  issuesOf,
  type ElectionDefinition,
  type ElectionId,
  type PublicKey,
  type ReceiptBody,
  type Sha256Hex,
  type SignedBatch,
  type SignedReceipt,
  type StationId,
} from '@scrutin/shared/node';
import type { SyncStatus } from '@scrutin/shared/protocol';
import type { Database, Queryable } from '../db/database.ts';
import type { ElectionState } from '@scrutin/shared/api';
import type { EventLogger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { BatchBroker } from '../pipeline/broker.ts';
import { BrokerUnavailableError } from '../pipeline/broker.ts';
import type { BatchMessage } from '../pipeline/messages.ts';
import type { ElectionCatalogue } from '../elections/catalogue.ts';
import { ApiError } from '../api/errors.ts';
import type { CentralKey } from '../app/services.ts';

/**
 * Batch intake: everything the API checks before a batch enters the pipeline, in the order
 * a station would want to hear about problems. A refused batch changes nothing (an
 * equivocation only raises an alert). An accepted batch is answered with the central
 * receipt only after the broker confirmed it durably.
 */
export interface IntakeDeps {
  readonly db: Database;
  readonly broker: BatchBroker;
  readonly elections: ElectionCatalogue;
  readonly centralKey: CentralKey;
  readonly metrics: Metrics;
  readonly log: EventLogger;
  readonly now: () => Date;
}

export interface IntakeResult {
  readonly receipt: SignedReceipt;
  readonly replay: boolean;
}

/**
 * `raw`, when given, is the UTF-8 JSON text `input` was parsed from: once the batch is verified
 * it goes to the queue as it came (the validator parses it again with the same schema).
 */
export async function receiveBatch(deps: IntakeDeps, input: unknown, raw?: Buffer): Promise<IntakeResult> {
  const parsed = SignedBatchSchema.safeParse(input);
  if (!parsed.success) throw new ApiError('invalid-batch', 'The batch does not follow the batch format.', issuesOf(parsed.error));
  const batch = parsed.data;
  const { body } = batch;

  const election = await deps.elections.get(body.election);
  if (election === undefined) throw new ApiError('unknown-election', `There is no election ${body.election} on this server.`);
  const context = await intakeContext(deps.db, body.election, body.station, body.sequence);
  const state = context.state;
  if (state !== 'open' && state !== 'closed') {
    throw new ApiError('election-not-accepting', `Election ${body.election} is ${state ?? 'unknown'} and does not accept ballots.`);
  }
  checkWindow(election, deps.now());

  const stationDef = election.stations.find((s) => s.id === body.station);
  if (stationDef === undefined) throw new ApiError('unknown-station', `Station ${body.station} is not part of election ${body.election}.`);
  const publicKey = stationKey(context, body.election, body.station);

  const verified = verifyBatch(batch, publicKey);
  if (!verified.ok) {
    switch (verified.error.kind) {
      case 'bad-signature':
      case 'bad-public-key':
        throw new ApiError('bad-signature', 'The batch signature does not match the key enrolled for this station.');
      case 'merkle-root-mismatch':
        throw new ApiError('invalid-batch', 'The Merkle root does not match the envelopes.', verified.error);
      case 'chain-broken':
        throw new ApiError('invalid-batch', 'previousBatchHash must be null for sequence 1 and set for every later batch.', verified.error);
    }
  }
  const batchHash = verified.value;

  const ballotProblems = ballotErrors(election, stationDef.riding, batch);
  if (ballotProblems.length > 0) {
    throw new ApiError(
      'invalid-ballots',
      `${ballotProblems.length} ballot(s) in this batch do not fit the station's ballot.`,
      ballotProblems.slice(0, 50),
    );
  }

  const recorded = await recordBatch(deps, batch, batchHash, context);
  const receipt = signReceipt(
    {
      version: 1,
      election: body.election,
      station: body.station,
      sequence: body.sequence,
      batchHash,
      envelopes: body.envelopes.length,
      receivedAt: recorded.receivedAt,
    } satisfies ReceiptBody,
    deps.centralKey.privateKeyPem,
  );
  if (recorded.status === 'processed') return { receipt, replay: true };

  // Published on first receipt and again on a replay not yet processed (the first publish may
  // have failed): the validator recognises a batch it already counted, so twice is harmless.
  const receivedAtMs = deps.now().getTime();
  const content =
    raw === undefined
      ? Buffer.from(JSON.stringify({ batchHash, batch, receivedAtMs } satisfies BatchMessage))
      : Buffer.concat([Buffer.from(`{"batchHash":"${batchHash}","receivedAtMs":${receivedAtMs},"batch":`), raw, CLOSE_BRACE]);
  try {
    await deps.broker.publish(content, batchHash);
  } catch (error) {
    if (error instanceof BrokerUnavailableError) {
      throw new ApiError('service-unavailable', 'The central queue is unavailable; the batch was not accepted. Retry later.');
    }
    throw error;
  }
  deps.metrics.batches.inc({ outcome: recorded.fresh ? 'received' : 'replayed' });
  deps.log(recorded.fresh ? 'batch.received' : 'batch.replayed', {
    station: body.station,
    sequence: body.sequence,
    envelopes: body.envelopes.length,
  });
  return { receipt, replay: !recorded.fresh };
}

function checkWindow(election: ElectionDefinition, now: Date): void {
  const t = now.getTime();
  if (t < Date.parse(election.opensAt)) {
    throw new ApiError('outside-voting-window', `The polls open at ${election.opensAt}; no ballot can have been cast before.`);
  }
  if (t > Date.parse(election.syncDeadline)) {
    throw new ApiError(
      'sync-deadline-passed',
      `The sync deadline (${election.syncDeadline}) has passed. Hand the station's export file to the returning officer.`,
    );
  }
}

const CLOSE_BRACE = Buffer.from('}');

interface RecordedBatch {
  readonly hash: Sha256Hex;
  readonly status: 'received' | 'processed';
  readonly receivedAt: string;
}

/** What intake needs from Postgres about a batch, read in one round trip. */
interface IntakeContext {
  readonly state: ElectionState | undefined;
  readonly station: { readonly publicKey: PublicKey | null; readonly revoked: boolean } | undefined;
  /** The batch already recorded under this sequence number, if any. */
  readonly current: RecordedBatch | undefined;
  /** The batch recorded under the previous sequence number, if any. */
  readonly previous: { readonly hash: Sha256Hex } | undefined;
}

async function intakeContext(db: Queryable, election: ElectionId, station: StationId, sequence: number): Promise<IntakeContext> {
  const { rows } = await db.query<{
    state: ElectionState | null;
    station_found: boolean;
    public_key: PublicKey | null;
    revoked: boolean;
    current_hash: Sha256Hex | null;
    current_status: 'received' | 'processed' | null;
    current_received_at: Date | string | null;
    previous_hash: Sha256Hex | null;
  }>(
    `SELECT e.state, s.station_id IS NOT NULL AS station_found, s.public_key, s.revoked_at IS NOT NULL AS revoked,
            encode(cur.batch_hash, 'hex') AS current_hash, cur.status AS current_status, cur.received_at AS current_received_at,
            encode(prev.batch_hash, 'hex') AS previous_hash
       FROM (SELECT) AS one
       LEFT JOIN elections e ON e.id = $1
       LEFT JOIN stations s ON s.election_id = $1 AND s.station_id = $2
       LEFT JOIN batches cur ON cur.election_id = $1 AND cur.station_id = $2 AND cur.sequence = $3
       LEFT JOIN batches prev ON prev.election_id = $1 AND prev.station_id = $2 AND prev.sequence = $3 - 1`,
    [election, station, sequence],
    'intake_context',
  );
  const row = rows[0];
  if (row === undefined) throw new Error('the intake context query returned no row');
  return {
    state: row.state ?? undefined,
    station: row.station_found ? { publicKey: row.public_key, revoked: row.revoked } : undefined,
    current:
      row.current_hash === null || row.current_status === null || row.current_received_at === null
        ? undefined
        : { hash: row.current_hash, status: row.current_status, receivedAt: new Date(row.current_received_at).toISOString() },
    previous: row.previous_hash === null ? undefined : { hash: row.previous_hash },
  };
}

function stationKey(context: IntakeContext, election: ElectionId, station: StationId): PublicKey {
  const row = context.station;
  if (row === undefined) throw new ApiError('unknown-station', `Station ${station} is not part of election ${election}.`);
  if (row.revoked) throw new ApiError('station-revoked', `The key of station ${station} was revoked; it must be enrolled again.`);
  if (row.publicKey === null) throw new ApiError('station-not-enrolled', `Station ${station} is not enrolled yet.`);
  return row.publicKey;
}

interface BallotProblem {
  readonly envelope: number;
  readonly errors: readonly string[];
}

function ballotErrors(
  election: ElectionDefinition,
  riding: ElectionDefinition['ridings'][number]['code'],
  batch: SignedBatch,
): BallotProblem[] {
  const problems: BallotProblem[] = [];
  const ids = new Set<string>();
  batch.body.envelopes.forEach((envelope, index) => {
    const errors: string[] = [];
    const result = validateBallot(election, riding, envelope.ballot);
    if (!result.ok) errors.push(...result.error.map(describeBallotError));
    if (ids.has(envelope.ballot.id)) errors.push(`ballot id ${envelope.ballot.id} appears twice in the batch`);
    ids.add(envelope.ballot.id);
    if (errors.length > 0) problems.push({ envelope: index, errors });
  });
  return problems;
}

interface Recorded {
  readonly fresh: boolean;
  readonly status: 'received' | 'processed';
  readonly receivedAt: string;
}

/**
 * Idempotency on (station, sequence): the same batch again finds its row; other content
 * under a used sequence number is an equivocation, refused and raised as an alert; a
 * batch that does not chain onto the previous one it names is refused.
 */
async function recordBatch(deps: IntakeDeps, batch: SignedBatch, batchHash: Sha256Hex, context: IntakeContext): Promise<Recorded> {
  const { body } = batch;
  const key = [body.election, body.station, body.sequence] as const;
  const existing = context.current;
  if (existing !== undefined) {
    if (existing.hash !== batchHash) await equivocation(deps, batch, batchHash, existing.hash);
    return { fresh: false, status: existing.status, receivedAt: existing.receivedAt };
  }
  if (body.previousBatchHash !== null) {
    const previous = context.previous;
    if (previous !== undefined && previous.hash !== body.previousBatchHash) {
      throw new ApiError('chain-mismatch', `previousBatchHash does not match the batch received as sequence ${body.sequence - 1}.`);
    }
    if (previous === undefined) deps.log('batch.gap', { station: body.station, sequence: body.sequence });
  }
  const receivedAt = deps.now().toISOString();
  const { rows } = await deps.db.query<{ sequence: number }>(
    `INSERT INTO batches (election_id, station_id, sequence, batch_hash, envelope_count, received_at)
     VALUES ($1, $2, $3, decode($4, 'hex'), $5, $6) ON CONFLICT DO NOTHING RETURNING sequence`,
    [...key, batchHash, body.envelopes.length, receivedAt],
    'intake_insert_batch',
  );
  if (rows.length === 1) return { fresh: true, status: 'received', receivedAt };
  // A concurrent request recorded it first: answer as for a replay.
  const raced = await selectBatch(deps.db, ...key);
  if (raced === undefined) throw new Error('batch row vanished');
  if (raced.hash !== batchHash) await equivocation(deps, batch, batchHash, raced.hash);
  return { fresh: false, status: raced.status, receivedAt: raced.receivedAt };
}

async function selectBatch(db: Queryable, election: string, station: string, sequence: number) {
  const { rows } = await db.query<{ hash: Sha256Hex; status: 'received' | 'processed'; received_at: Date | string }>(
    `SELECT encode(batch_hash, 'hex') AS hash, status, received_at FROM batches WHERE election_id = $1 AND station_id = $2 AND sequence = $3`,
    [election, station, sequence],
    'intake_select_batch',
  );
  const row = rows[0];
  return row === undefined ? undefined : { hash: row.hash, status: row.status, receivedAt: new Date(row.received_at).toISOString() };
}

async function equivocation(deps: IntakeDeps, batch: SignedBatch, batchHash: Sha256Hex, recorded: Sha256Hex): Promise<never> {
  const { body } = batch;
  await deps.db.query(`INSERT INTO alerts (election_id, station_id, kind, detail) VALUES ($1, $2, 'equivocation', $3)`, [
    body.election,
    body.station,
    JSON.stringify({ sequence: body.sequence, recorded, offered: batchHash }),
  ]);
  deps.metrics.equivocations.inc();
  deps.log('batch.equivocation', { station: body.station, sequence: body.sequence });
  throw new ApiError(
    'sequence-conflict',
    `Sequence ${body.sequence} of station ${body.station} was already used by a different batch. This has been reported.`,
  );
}

export async function syncStatus(db: Queryable, election: ElectionId, station: StationId): Promise<SyncStatus> {
  const { rows } = await db.query<{ sequence: number; hash: Sha256Hex; status: 'received' | 'processed' }>(
    `SELECT sequence, encode(batch_hash, 'hex') AS hash, status FROM batches WHERE election_id = $1 AND station_id = $2 ORDER BY sequence`,
    [election, station],
  );
  const digest = createHash('sha256');
  const present = new Set<number>();
  for (const r of rows) {
    digest.update(Buffer.from(r.hash, 'hex'));
    present.add(r.sequence);
  }
  const lastSequence = rows.at(-1)?.sequence ?? 0;
  const missing: number[] = [];
  for (let s = 1; s < lastSequence; s += 1) if (!present.has(s)) missing.push(s);
  return {
    election,
    station,
    lastSequence,
    digest: digest.digest('hex'),
    missing,
    batches: rows.map((r) => ({ sequence: r.sequence, batchHash: r.hash, status: r.status })),
  } satisfies SyncStatus;
}
