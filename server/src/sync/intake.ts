import { createHash } from 'node:crypto';
import {
  describeBallotError,
  issuesOf,
  MAX_SEQUENCE,
  modeOf,
  secrecyOf,
  SEQUENCE_WINDOW,
  signReceipt,
  SignedBatchSchema,
  validateBallot,
  verifyEnvelopes,
  verifyHeader,
  type BatchHeader,
  type ElectionDefinition,
  type ElectionId,
  type PublicKey,
  type ReceiptBody,
  type Sha256Hex,
  type SignedBatch,
  type SignedReceipt,
  type StationId,
} from '@scrutin/shared/node';
import type { BatchStatus, SyncStatus } from '@scrutin/shared/protocol';
import type { Database, Queryable } from '../db/database.ts';
import type { ElectionState } from '@scrutin/shared/api';
import type { EventLogger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { BatchBroker } from '../pipeline/broker.ts';
import { BrokerUnavailableError } from '../pipeline/broker.ts';
import { sealBatchMessage } from '../pipeline/messages.ts';
import type { ElectionCatalogue } from '../elections/catalogue.ts';
import { ApiError } from '../api/errors.ts';
import type { AppContext } from '../app/context.ts';
import type { CentralKey } from '../app/services.ts';

/**
 * Batch intake (protocol format 2): everything the API checks before a batch enters the
 * pipeline. The checks run in the documented order of precedence (docs/protocol.md, "Error
 * precedence"), cheapest and least revealing first: the shape, the election and station, the
 * signature over the header (before any per-envelope work, so a forged batch costs one
 * signature check), the sequence bounds and the chain, then the envelopes against the signed
 * header and the ballots against the station's ballot. A refused batch changes nothing except
 * that an equivocation or a chain fork raises an alert. An accepted batch is answered with the
 * central receipt only after the broker confirmed it durably; what it forwards is the signed
 * header's identity and the envelopes' canonical forms (the Merkle leaves' preimages), sealed.
 */
export interface IntakeDeps {
  readonly db: Database;
  readonly broker: BatchBroker;
  readonly elections: ElectionCatalogue;
  readonly centralKey: CentralKey;
  readonly pipelineKey: Buffer;
  readonly metrics: Metrics;
  readonly log: EventLogger;
  readonly now: () => Date;
}

/** What the intake needs, from central's context. */
export function intakeDepsOf(ctx: AppContext): IntakeDeps {
  return {
    db: ctx.services.db,
    broker: ctx.services.broker,
    elections: ctx.elections,
    centralKey: ctx.centralKey,
    pipelineKey: ctx.pipelineKey,
    metrics: ctx.metrics,
    log: ctx.log,
    now: ctx.now,
  };
}

export interface IntakeResult {
  readonly receipt: SignedReceipt;
  readonly replay: boolean;
}

export async function receiveBatch(deps: IntakeDeps, input: unknown): Promise<IntakeResult> {
  const parsed = SignedBatchSchema.safeParse(input);
  if (!parsed.success) throw new ApiError('invalid-batch', 'The batch does not follow the batch format.', issuesOf(parsed.error));
  const batch = parsed.data;
  const { header } = batch;

  const election = await deps.elections.get(header.election);
  if (election === undefined) throw new ApiError('unknown-election', `There is no election ${header.election} on this server.`);
  const stationDef = election.stations.find((s) => s.id === header.station);
  if (stationDef === undefined)
    throw new ApiError('unknown-station', `Station ${header.station} is not part of election ${header.election}.`);
  const context = await intakeContext(deps.db, header.election, header.station, header.sequence);
  const state = context.state;
  if (state !== 'open' && state !== 'closed') {
    throw new ApiError('election-not-accepting', `Election ${header.election} is ${state ?? 'unknown'} and does not accept ballots.`);
  }
  checkWindow(election, deps.now());
  const publicKey = stationKey(context, header.election, header.station);

  const verified = verifyHeader(header, batch.signature, publicKey);
  if (!verified.ok) {
    if (verified.error.kind === 'chain-broken') {
      throw new ApiError('invalid-batch', 'previousBatchHash must be null for sequence 1 and set for every later batch.', verified.error);
    }
    throw new ApiError('bad-signature', 'The batch signature does not match the key enrolled for this station.');
  }
  const batchHash = verified.value;
  checkMode(election, header);

  // A batch already held under this sequence: the same one is a replay, another an equivocation.
  const existing = context.current;
  if (existing !== undefined) {
    if (existing.hash !== batchHash) await equivocation(deps, header, batchHash, existing.hash);
    return answer(deps, batch, batchHash, existing.receivedAt, existing.status, false);
  }
  checkSequence(context, header);

  const envelopes = verifyEnvelopes(batch);
  if (!envelopes.ok) {
    throw new ApiError(
      'invalid-batch',
      envelopes.error.kind === 'envelope-count-mismatch'
        ? 'The number of envelopes is not the one the signed header gives.'
        : 'The Merkle root does not match the envelopes.',
      envelopes.error,
    );
  }
  checkSize(election, header);
  const ballotProblems = ballotErrors(election, stationDef.riding, batch);
  if (ballotProblems.length > 0) {
    throw new ApiError(
      'invalid-ballots',
      `${ballotProblems.length} ballot(s) in this batch do not fit the station's ballot.`,
      ballotProblems.slice(0, 50),
    );
  }
  await checkChain(deps, context, header, batchHash);

  const recorded = await recordBatch(deps, batch, batchHash);
  if (recorded.status === 'processed' || recorded.status === 'quarantined') {
    return answer(deps, batch, batchHash, recorded.receivedAt, recorded.status, false);
  }
  try {
    await deps.broker.publish(
      sealBatchMessage(
        deps.pipelineKey,
        {
          election: header.election,
          station: header.station,
          sequence: header.sequence,
          batchHash,
          receivedAtMs: deps.now().getTime(),
        },
        envelopes.value,
      ),
      batchHash,
    );
  } catch (error) {
    if (error instanceof BrokerUnavailableError) {
      throw new ApiError('service-unavailable', 'The central queue is unavailable; the batch was not accepted. Retry later.');
    }
    throw error;
  }
  deps.metrics.batches.inc({ outcome: recorded.fresh ? 'received' : 'replayed' });
  deps.log(recorded.fresh ? 'batch.received' : 'batch.replayed', {
    station: header.station,
    sequence: header.sequence,
    envelopes: header.envelopeCount,
  });
  return { receipt: receiptFor(deps, header, batchHash, recorded.receivedAt), replay: !recorded.fresh };
}

/**
 * A replay of a batch central already holds. One still `received` (its first publish may have
 * failed after the row was written) is published again once its envelopes check out: the
 * validator recognises a batch it already counted, so twice is harmless.
 */
async function answer(
  deps: IntakeDeps,
  batch: SignedBatch,
  batchHash: Sha256Hex,
  receivedAt: string,
  status: BatchStatus,
  fresh: boolean,
): Promise<IntakeResult> {
  const { header } = batch;
  if (status === 'received') {
    const envelopes = verifyEnvelopes(batch);
    if (!envelopes.ok) throw new ApiError('invalid-batch', 'The envelopes do not match the signed header.', envelopes.error);
    try {
      await deps.broker.publish(
        sealBatchMessage(
          deps.pipelineKey,
          { election: header.election, station: header.station, sequence: header.sequence, batchHash, receivedAtMs: deps.now().getTime() },
          envelopes.value,
        ),
        batchHash,
      );
    } catch (error) {
      if (error instanceof BrokerUnavailableError) {
        throw new ApiError('service-unavailable', 'The central queue is unavailable; the batch was not accepted. Retry later.');
      }
      throw error;
    }
    deps.metrics.batches.inc({ outcome: 'replayed' });
  }
  deps.log('batch.replayed', { station: header.station, sequence: header.sequence, envelopes: header.envelopeCount });
  return { receipt: receiptFor(deps, header, batchHash, receivedAt), replay: !fresh };
}

function receiptFor(deps: IntakeDeps, header: BatchHeader, batchHash: Sha256Hex, receivedAt: string): SignedReceipt {
  return signReceipt(
    {
      version: 2,
      election: header.election,
      station: header.station,
      sequence: header.sequence,
      batchHash,
      envelopeCount: header.envelopeCount,
      receivedAt,
    } satisfies ReceiptBody,
    deps.centralKey.privateKeyPem,
  );
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

/** Sequence bounds: after the station's final batch nothing more; no jump beyond the window. */
function checkSequence(context: IntakeContext, header: BatchHeader): void {
  if (context.finalSequence !== null && header.sequence > context.finalSequence) {
    throw new ApiError('station-closed', `Station ${header.station} already sent its final batch (sequence ${context.finalSequence}).`);
  }
  if (header.final && context.lastSequence > header.sequence) {
    throw new ApiError(
      'station-closed',
      `A final batch must be the station's last; sequence ${context.lastSequence} was already received.`,
    );
  }
  if (header.sequence > context.lastSequence + SEQUENCE_WINDOW) {
    throw new ApiError(
      'sequence-out-of-window',
      `Sequence ${header.sequence} is more than ${SEQUENCE_WINDOW} beyond the last received (${context.lastSequence}); send the missing batches first.`,
      { lastSequence: context.lastSequence, window: SEQUENCE_WINDOW, max: MAX_SEQUENCE },
    );
  }
}

/**
 * The anonymity-set rule: a batch carries at least k ballots, so nothing central stores or
 * publishes narrows a ballot to fewer than k of its station. The one exception is a station
 * whose whole day is fewer than k ballots: its only batch, sequence 1 and final.
 */
function checkSize(election: ElectionDefinition, header: BatchHeader): void {
  const k = secrecyOf(election).anonymitySet;
  if (header.envelopeCount >= k) return;
  if (header.final && header.sequence === 1) return;
  throw new ApiError(
    'batch-too-small',
    `A batch must carry at least ${k} ballots (the election's anonymity set), except a station's only batch, sealed final at close.`,
    { min: k, envelopeCount: header.envelopeCount },
  );
}

/**
 * The chain in both directions: the batch must follow the one central holds before it, and
 * precede the one it holds after it. A mismatch either way is a fork: refused, recorded as an
 * alert and counted (scrutin_equivocations_total), because one of the two batches was not
 * signed by the station's honest software.
 */
async function checkChain(deps: IntakeDeps, context: IntakeContext, header: BatchHeader, batchHash: Sha256Hex): Promise<void> {
  const previous = context.previous;
  if (previous !== undefined && previous.hash !== header.previousBatchHash) {
    await fork(deps, header, batchHash, 'previous', previous.hash);
  }
  const next = context.next;
  if (next !== undefined && next.previousHash !== null && next.previousHash !== batchHash) {
    await fork(deps, header, batchHash, 'next', next.previousHash);
  }
  if (header.previousBatchHash !== null && previous === undefined)
    deps.log('batch.gap', { station: header.station, sequence: header.sequence });
}

async function fork(
  deps: IntakeDeps,
  header: BatchHeader,
  batchHash: Sha256Hex,
  side: 'previous' | 'next',
  expected: Sha256Hex,
): Promise<never> {
  await deps.db.query(`INSERT INTO alerts (election_id, station_id, kind, detail) VALUES ($1, $2, 'equivocation', $3)`, [
    header.election,
    header.station,
    JSON.stringify({ sequence: header.sequence, chain: side, expected, offered: batchHash }),
  ]);
  deps.metrics.equivocations.inc();
  deps.log('batch.equivocation', { station: header.station, sequence: header.sequence });
  throw new ApiError(
    'chain-mismatch',
    side === 'previous'
      ? `previousBatchHash does not match the batch received as sequence ${header.sequence - 1}. This has been reported.`
      : `The batch received as sequence ${header.sequence + 1} names another batch before it. This has been reported.`,
  );
}

interface RecordedBatch {
  readonly hash: Sha256Hex;
  readonly status: BatchStatus;
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
  /** The batch recorded under the next sequence number, if any, with the hash it names before it. */
  readonly next: { readonly previousHash: Sha256Hex | null } | undefined;
  readonly lastSequence: number;
  readonly finalSequence: number | null;
}

async function intakeContext(db: Queryable, election: ElectionId, station: StationId, sequence: number): Promise<IntakeContext> {
  const { rows } = await db.query<{
    state: ElectionState | null;
    station_found: boolean;
    public_key: PublicKey | null;
    revoked: boolean;
    current_hash: Sha256Hex | null;
    current_status: BatchStatus | null;
    current_received_at: Date | string | null;
    previous_hash: Sha256Hex | null;
    next_found: boolean;
    next_previous_hash: Sha256Hex | null;
    last_sequence: number | null;
    final_sequence: number | null;
  }>(
    `SELECT e.state, s.station_id IS NOT NULL AS station_found, s.public_key, s.revoked_at IS NOT NULL AS revoked,
            encode(cur.batch_hash, 'hex') AS current_hash, cur.status AS current_status, cur.received_at AS current_received_at,
            encode(prev.batch_hash, 'hex') AS previous_hash,
            nxt.sequence IS NOT NULL AS next_found, encode(nxt.previous_batch_hash, 'hex') AS next_previous_hash,
            (SELECT max(sequence) FROM batches WHERE election_id = $1 AND station_id = $2) AS last_sequence,
            (SELECT sequence FROM batches WHERE election_id = $1 AND station_id = $2 AND final) AS final_sequence
       FROM (SELECT) AS one
       LEFT JOIN elections e ON e.id = $1
       LEFT JOIN stations s ON s.election_id = $1 AND s.station_id = $2
       LEFT JOIN batches cur ON cur.election_id = $1 AND cur.station_id = $2 AND cur.sequence = $3
       LEFT JOIN batches prev ON prev.election_id = $1 AND prev.station_id = $2 AND prev.sequence = $3 - 1
       LEFT JOIN batches nxt ON nxt.election_id = $1 AND nxt.station_id = $2 AND nxt.sequence = $3 + 1`,
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
    next: row.next_found ? { previousHash: row.next_previous_hash } : undefined,
    lastSequence: row.last_sequence ?? 0,
    finalSequence: row.final_sequence,
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
  batch.envelopes.forEach((envelope, index) => {
    const result = validateBallot(election, riding, envelope.ballot);
    if (!result.ok) problems.push({ envelope: index, errors: result.error.map(describeBallotError) });
  });
  return problems;
}

/**
 * A test batch never enters a live election, nor a live batch a test one (docs/decisions/
 * 0010-test-mode.md). Checked once the signature proves the station said so, and before the
 * replay and sequence checks and anything queued or stored: the refusal changes nothing, not even
 * the equivocation alerts.
 */
function checkMode(election: ElectionDefinition, header: BatchHeader): void {
  const mode = modeOf(election);
  if (header.mode === mode) return;
  if (header.mode === 'test') {
    throw new ApiError(
      'test-batch-in-live-election',
      `This batch comes from a test station kit; election ${header.election} is live and takes no test ballots.`,
    );
  }
  throw new ApiError(
    'live-batch-in-test-election',
    `This batch comes from a live station kit; election ${header.election} is a test election and takes no live ballots.`,
  );
}

interface Recorded {
  readonly fresh: boolean;
  readonly status: BatchStatus;
  readonly receivedAt: string;
}

/**
 * Idempotency on (station, sequence): a concurrent request that recorded the same sequence
 * first makes this one a replay, or an equivocation when its batch differs. The signed header
 * is kept: a station's chain and counts can be checked, and published, from the headers alone.
 */
async function recordBatch(deps: IntakeDeps, batch: SignedBatch, batchHash: Sha256Hex): Promise<Recorded> {
  const { header } = batch;
  const receivedAt = deps.now().toISOString();
  const { rows } = await deps.db.query<{ sequence: number }>(
    `INSERT INTO batches (election_id, station_id, sequence, batch_hash, envelope_count, received_at,
                          previous_batch_hash, merkle_root, final, signature)
     VALUES ($1, $2, $3, decode($4, 'hex'), $5, $6, decode($7, 'hex'), decode($8, 'hex'), $9, $10)
     ON CONFLICT DO NOTHING RETURNING sequence`,
    [
      header.election,
      header.station,
      header.sequence,
      batchHash,
      header.envelopeCount,
      receivedAt,
      header.previousBatchHash,
      header.merkleRoot,
      header.final,
      batch.signature,
    ],
    'intake_insert_batch',
  );
  if (rows.length === 1) return { fresh: true, status: 'received', receivedAt };
  // A concurrent request recorded it first (or a second final batch hit the one-final index).
  const raced = await selectBatch(deps.db, header.election, header.station, header.sequence);
  if (raced === undefined) throw new ApiError('station-closed', `Station ${header.station} already sent its final batch.`);
  if (raced.hash !== batchHash) await equivocation(deps, header, batchHash, raced.hash);
  return { fresh: false, status: raced.status, receivedAt: raced.receivedAt };
}

async function selectBatch(db: Queryable, election: string, station: string, sequence: number) {
  const { rows } = await db.query<{ hash: Sha256Hex; status: BatchStatus; received_at: Date | string }>(
    `SELECT encode(batch_hash, 'hex') AS hash, status, received_at FROM batches WHERE election_id = $1 AND station_id = $2 AND sequence = $3`,
    [election, station, sequence],
    'intake_select_batch',
  );
  const row = rows[0];
  return row === undefined ? undefined : { hash: row.hash, status: row.status, receivedAt: new Date(row.received_at).toISOString() };
}

async function equivocation(deps: IntakeDeps, header: BatchHeader, batchHash: Sha256Hex, recorded: Sha256Hex): Promise<never> {
  await deps.db.query(`INSERT INTO alerts (election_id, station_id, kind, detail) VALUES ($1, $2, 'equivocation', $3)`, [
    header.election,
    header.station,
    JSON.stringify({ sequence: header.sequence, recorded, offered: batchHash }),
  ]);
  deps.metrics.equivocations.inc();
  deps.log('batch.equivocation', { station: header.station, sequence: header.sequence });
  throw new ApiError(
    'sequence-conflict',
    `Sequence ${header.sequence} of station ${header.station} was already used by a different batch. This has been reported.`,
  );
}

/**
 * What central holds of a station's chain. Gaps are computed in SQL as ranges, so the answer's
 * size follows the batches received, never the sequence numbers claimed. 404 for an unknown
 * election or station.
 */
export async function syncStatus(db: Queryable, election: ElectionId, station: StationId): Promise<SyncStatus> {
  const known = await db.query<{ found: boolean }>(
    'SELECT EXISTS (SELECT 1 FROM stations WHERE election_id = $1 AND station_id = $2) AS found',
    [election, station],
    'status_station',
  );
  if (known.rows[0]?.found !== true) throw new ApiError('unknown-station', `There is no station ${station} in election ${election}.`);
  const { rows } = await db.query<{ sequence: number; hash: Sha256Hex; status: BatchStatus; final: boolean }>(
    `SELECT sequence, encode(batch_hash, 'hex') AS hash, status, final FROM batches WHERE election_id = $1 AND station_id = $2 ORDER BY sequence`,
    [election, station],
    'status_batches',
  );
  const gaps = await db.query<{ from: number; to: number }>(
    `SELECT prev + 1 AS "from", sequence - 1 AS "to"
       FROM (SELECT sequence, coalesce(lag(sequence) OVER (ORDER BY sequence), 0) AS prev
               FROM batches WHERE election_id = $1 AND station_id = $2) AS s
      WHERE sequence > prev + 1
      ORDER BY sequence`,
    [election, station],
    'status_gaps',
  );
  const digest = createHash('sha256');
  for (const r of rows) digest.update(Buffer.from(r.hash, 'hex'));
  return {
    election,
    station,
    lastSequence: rows.at(-1)?.sequence ?? 0,
    digest: digest.digest('hex') as Sha256Hex,
    missing: gaps.rows.map((g) => ({ from: g.from, to: g.to })),
    closed: rows.some((r) => r.final),
    batches: rows.map((r) => ({ sequence: r.sequence, batchHash: r.hash, status: r.status })),
  } satisfies SyncStatus;
}
