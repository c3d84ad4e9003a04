import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  credentialHash,
  newBallotIds,
  validateBallot,
  withBallotId,
  type Ballot,
  type CredentialHash,
  type ElectionDefinition,
  type ElectionId,
  type RidingCode,
  type Sha256Hex,
  type StationId,
} from '@scrutin/shared/node';
import type { Database, Queryable } from '../db/database.ts';
import type { ElectionCatalogue } from '../elections/catalogue.ts';
import { packTrackingCodes } from '../results/receipts.ts';
import type { Disposition } from './broker.ts';
import type { DedupStore } from './dedup.ts';
import { openBatchMessage, type BatchMessage, type QueueEnvelope } from './messages.ts';

/** An envelope with its credential's check value computed once. */
interface Envelope extends QueueEnvelope {
  readonly credentialHash: CredentialHash;
}

/**
 * The validator opens envelopes: it is the one place where a credential and a ballot meet,
 * and it separates them for good. It unseals the queue message with the pipeline key and
 * turns each credential into its check value, the only form anything stores. For each batch:
 *   1. one atomic Redis step checks the credentials against the station's valid set and marks
 *      first uses (a credential this very batch marked before a crash answers "own");
 *   2. one Postgres transaction writes the credential uses in check-value order (the primary
 *      key is the final word on one person, one vote), the ballots in random order under fresh
 *      central ids with nothing linking them to a credential, batch or time, the batch's tracking
 *      codes as one sorted set, the rejected envelopes (reason and count only), the tally increments and
 *      the batch status. The batch holds at least k ballots of one station (intake refuses
 *      smaller ones), so nothing in the transaction, its WAL or its row order narrows a
 *      credential to fewer than k ballots;
 *   3. only then is the message acknowledged.
 * A batch delivered again after any crash finds its status `processed` and is acknowledged
 * without counting anything twice.
 */

export type RejectionReason = 'invalid-credential' | 'wrong-station' | 'duplicate' | 'invalid-ballot';

export interface BatchOutcome {
  readonly alreadyProcessed: boolean;
  readonly accepted: number;
  readonly duplicates: number;
  readonly invalid: number;
}

export interface ValidatorDeps {
  readonly db: Database;
  readonly dedup: DedupStore;
  readonly elections: ElectionCatalogue;
  /** The AES-256-GCM key queue messages are sealed with (PIPELINE_KEY). */
  readonly pipelineKey: Buffer;
  readonly onProcessed?: (outcome: BatchOutcome, station: StationId, receivedAtMs?: number) => void;
  readonly onEvent?: (event: string, detail: Record<string, unknown>) => void;
  /** Timings of the Redis step and the Postgres transaction, in seconds. */
  readonly onTiming?: (store: 'redis' | 'postgres', operation: string, seconds: number) => void;
}

/**
 * The queue handler, given the message's bytes: a message that can never be processed is
 * dead-lettered; other failures throw, to be retried.
 */
export async function handleBatchMessage(deps: ValidatorDeps, content: Buffer, redelivered = true): Promise<Disposition> {
  const opened = openBatchMessage(deps.pipelineKey, content);
  if (!opened.ok) {
    // Only the kind of failure is logged: never a message's content.
    deps.onEvent?.('validator.poison_message', { reason: opened.error.kind });
    return 'dead-letter';
  }
  const message: BatchMessage = opened.value;
  const election = await deps.elections.get(message.election);
  if (election === undefined) {
    deps.onEvent?.('validator.poison_message', { reason: 'unknown election' });
    return 'dead-letter';
  }
  const outcome = await processBatch(deps, election, message, { redelivered });
  deps.onProcessed?.(outcome, message.station, message.receivedAtMs);
  return 'ack';
}

interface Classified {
  /** Envelopes whose credential Redis marked as a first use (or this batch's own): Postgres should accept them. */
  readonly expectAccepted: Envelope[];
  /** Envelopes whose credential Redis does not know for this station: Postgres should refuse them. */
  readonly expectRefused: Envelope[];
  readonly rejected: Map<RejectionReason, number>;
  readonly duplicateCredentials: CredentialHash[];
}

export interface ProcessOptions {
  /**
   * Whether the message may have been handled before (a broker redelivery): then a cheap look
   * at the batch status comes first. Skipping it is only an optimisation: the commit locks
   * the batch row and recognises a batch already processed either way.
   */
  readonly redelivered?: boolean;
}

export async function processBatch(
  deps: ValidatorDeps,
  election: ElectionDefinition,
  message: BatchMessage,
  options: ProcessOptions = {},
): Promise<BatchOutcome> {
  const body = message;
  const station = election.stations.find((s) => s.id === body.station);
  if (station === undefined) throw new Error(`station ${body.station} is not in election ${election.id}`);

  // Cheap look first: a batch already committed needs no Redis step.
  if (options.redelivered !== false && (await isProcessed(deps.db, body.election, body.station, body.sequence))) {
    return { alreadyProcessed: true, accepted: 0, duplicates: 0, invalid: 0 };
  }
  const redisStarted = performance.now();
  const classified = await classify(deps.dedup, election, station.id, station.riding, message.batchHash, body.envelopes);
  deps.onTiming?.('redis', 'check_and_mark', (performance.now() - redisStarted) / 1000);

  const pgStarted = performance.now();
  const outcome =
    (await commitBatch(deps.db, station.riding, message, classified)) ??
    (await commitGeneral(deps, election, station, message, classified));
  deps.onTiming?.('postgres', 'batch_transaction', (performance.now() - pgStarted) / 1000);
  return outcome;
}

/**
 * The SQLSTATEs with which `scrutin_commit_batch` says Postgres disagrees with Redis (it then
 * changed nothing): its own SCR01, and unique_violation when a credential Redis called a first
 * use is in credential_uses already.
 */
const TAKE_GENERAL_PATH: ReadonlySet<unknown> = new Set(['SCR01', '23505']);

/**
 * The common path, one statement (db/migrations/0003_batch_commit.sql): Postgres agrees with
 * Redis on every credential. Resolves to null when it does not, having changed nothing.
 */
async function commitBatch(db: Database, riding: RidingCode, message: BatchMessage, classified: Classified): Promise<BatchOutcome | null> {
  const body = message;
  const ballots = withRandomIds(classified.expectAccepted);
  const { counts, patterns } = sortedIncrements(ballots);
  try {
    const { rows } = await db.query<{ r_already_processed: boolean; r_accepted: number; r_duplicates: number; r_invalid: number }>(
      'SELECT * FROM scrutin_commit_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)',
      [
        body.election,
        body.station,
        body.sequence,
        Buffer.from(message.batchHash, 'hex'),
        body.envelopes.length,
        riding,
        hashBytes(sorted(classified.expectAccepted.map((e) => e.credentialHash))),
        hashBytes(sorted(classified.expectRefused.map((e) => e.credentialHash))),
        ballotsJson(ballots),
        counts.contests,
        counts.keys,
        counts.n,
        patterns.contests,
        patterns.keys,
        patterns.n,
        hashBytes(sorted(classified.duplicateCredentials)),
        classified.rejected.get('invalid-ballot') ?? 0,
        packTrackingCodes(classified.expectAccepted.map((e) => e.tracking)),
      ],
      'validator_commit_batch',
    );
    const row = rows[0];
    if (row === undefined) throw new Error('scrutin_commit_batch returned no row');
    return { alreadyProcessed: row.r_already_processed, accepted: row.r_accepted, duplicates: row.r_duplicates, invalid: row.r_invalid };
  } catch (error) {
    if (TAKE_GENERAL_PATH.has((error as { code?: unknown }).code)) return null;
    throw error;
  }
}

/** A sorted copy: rows are written in value order, never in cast or envelope order. */
function sorted<T extends string>(values: readonly T[]): T[] {
  return [...values].sort();
}

/** Lower-case hex digests (schema-checked) as their raw bytes, concatenated. */
function hashBytes(hashes: readonly string[]): Buffer {
  return Buffer.from(hashes.join(''), 'hex');
}

/** One JSON document for the whole batch: no per-element array escaping on a bulk path. */
export function ballotsJson(ballots: readonly Ballot[]): string {
  // A ballot id is 32 hex digits (schema-checked): it needs no escaping.
  let out = '[';
  for (let i = 0; i < ballots.length; i += 1) {
    const b = ballots[i] as Ballot;
    out += `${i === 0 ? '' : ','}{"id":"${b.id}","selections":${JSON.stringify(b.selections)}}`;
  }
  return `${out}]`;
}

/**
 * The general path, statement by statement in one transaction: Postgres decides credential by
 * credential (after a Redis loss, or when Redis is stale).
 */
async function commitGeneral(
  deps: ValidatorDeps,
  election: ElectionDefinition,
  station: ElectionDefinition['stations'][number],
  message: BatchMessage,
  classified: Classified,
): Promise<BatchOutcome> {
  const body = message;
  const candidates = [...classified.expectAccepted, ...classified.expectRefused];
  return deps.db.transaction(async (tx) => {
    const status = await tx.query<{ status: string }>(
      'SELECT status FROM batches WHERE election_id = $1 AND station_id = $2 AND sequence = $3 FOR UPDATE',
      [body.election, body.station, body.sequence],
      'validator_lock_batch',
    );
    if (status.rows[0]?.status === 'processed') return { alreadyProcessed: true, accepted: 0, duplicates: 0, invalid: 0 };
    if (status.rows[0] === undefined) {
      await tx.query(
        "INSERT INTO batches (election_id, station_id, sequence, batch_hash, envelope_count) VALUES ($1, $2, $3, decode($4, 'hex'), $5)",
        [body.election, body.station, body.sequence, message.batchHash, body.envelopes.length],
      );
    }

    // The final word: a use is recorded only for a credential of this station not used before.
    const hashes = sorted(candidates.map((e) => e.credentialHash));
    // One primary-key probe per credential: LATERAL … LIMIT 1 cannot be flattened into a join,
    // so the planner never scans the partitions, whatever its statistics say.
    const inserted = await tx.query<{ h: string }>(
      `INSERT INTO credential_uses (election_id, credential_hash)
         SELECT $1, c.credential_hash
           FROM unnest(string_to_array($3, ',')) AS h(x)
           CROSS JOIN LATERAL (SELECT credential_hash, station_id FROM credentials
                                WHERE election_id = $1 AND credential_hash = decode(h.x, 'hex') LIMIT 1) AS c
          WHERE c.station_id = $2
       ON CONFLICT DO NOTHING
       RETURNING encode(credential_hash, 'hex') AS h`,
      [body.election, body.station, hashes.join(',')],
      'validator_credential_uses',
    );
    const acceptedSet = new Set(inserted.rows.map((r) => r.h));
    const refused = hashes.filter((h) => !acceptedSet.has(h));
    const duplicates = [...classified.duplicateCredentials];
    let invalid = classified.rejected.get('invalid-credential') ?? 0;
    let wrongStation = 0;
    if (refused.length > 0) {
      const used = await tx.query<{ h: string; used: boolean; station: string | null }>(
        `SELECT h.x AS h, u.credential_hash IS NOT NULL AS used, c.station_id AS station
           FROM unnest(string_to_array($2, ',')) AS h(x)
           LEFT JOIN LATERAL (SELECT credential_hash FROM credential_uses
                               WHERE election_id = $1 AND credential_hash = decode(h.x, 'hex') LIMIT 1) AS u ON true
           LEFT JOIN LATERAL (SELECT station_id FROM credentials
                               WHERE election_id = $1 AND credential_hash = decode(h.x, 'hex') LIMIT 1) AS c ON true`,
        [body.election, refused.join(',')],
        'validator_used_lookup',
      );
      for (const row of used.rows) {
        if (row.used) duplicates.push(row.h as CredentialHash);
        else if (row.station !== null && row.station !== body.station) wrongStation += 1;
        else invalid += 1;
      }
      deps.onEvent?.('validator.dedup_overruled', { station: body.station, count: refused.length });
    }
    const acceptedEnvelopes = candidates.filter((e) => acceptedSet.has(e.credentialHash));
    const accepted = withRandomIds(acceptedEnvelopes);

    await writeBallots(tx, body.election, station.riding, accepted);
    if (acceptedEnvelopes.length > 0) {
      await tx.query(
        'INSERT INTO tracking_code_sets (election_id, codes) VALUES ($1, $2)',
        [body.election, packTrackingCodes(acceptedEnvelopes.map((e) => e.tracking))],
        'validator_tracking_codes',
      );
    }
    await writeTallies(tx, election, station.riding, accepted);
    await tx.query(
      `INSERT INTO station_counts (election_id, station_id, riding, ballots) VALUES ($1, $2, $3, $4)
       ON CONFLICT (election_id, station_id) DO UPDATE SET ballots = station_counts.ballots + EXCLUDED.ballots`,
      [body.election, body.station, station.riding, accepted.length],
      'validator_station_counts',
    );
    const rejected = new Map(classified.rejected);
    rejected.set('invalid-credential', invalid);
    rejected.set('wrong-station', wrongStation);
    rejected.set('duplicate', duplicates.length);
    await writeRejections(tx, body.election, body.station, rejected, duplicates);
    const invalidTotal = invalid + wrongStation + (rejected.get('invalid-ballot') ?? 0);
    await tx.query(
      `UPDATE batches SET status = 'processed', accepted = $4, duplicates = $5, invalid = $6, processed_at = now()
        WHERE election_id = $1 AND station_id = $2 AND sequence = $3`,
      [body.election, body.station, body.sequence, accepted.length, duplicates.length, invalidTotal],
      'validator_batch_done',
    );
    return { alreadyProcessed: false, accepted: accepted.length, duplicates: duplicates.length, invalid: invalidTotal };
  });
}

async function isProcessed(db: Queryable, election: string, station: string, sequence: number): Promise<boolean> {
  const { rows } = await db.query<{ status: string }>(
    'SELECT status FROM batches WHERE election_id = $1 AND station_id = $2 AND sequence = $3',
    [election, station, sequence],
    'validator_batch_status',
  );
  return rows[0]?.status === 'processed';
}

/**
 * Ballot checks and the Redis step. A credential repeated inside the batch counts once;
 * its later envelopes are duplicates. Redis's "duplicate" (another batch marked it first)
 * stands; its "invalid" and "first use" go to Postgres, which decides.
 */
async function classify(
  dedup: DedupStore,
  election: ElectionDefinition,
  station: StationId,
  riding: RidingCode,
  batchHash: Sha256Hex,
  queued: readonly QueueEnvelope[],
): Promise<Classified> {
  // Built field by field: spreading each parsed envelope ({...e}) took V8's generic object
  // copy, which cost as much as the hash itself.
  const envelopes: Envelope[] = queued.map((e) => ({
    credential: e.credential,
    tracking: e.tracking,
    ballot: e.ballot,
    credentialHash: credentialHash(e.credential),
  }));
  const rejected = new Map<RejectionReason, number>();
  const bump = (reason: RejectionReason) => rejected.set(reason, (rejected.get(reason) ?? 0) + 1);
  const seen = new Set<CredentialHash>();
  const duplicateCredentials: CredentialHash[] = [];
  const unique: Envelope[] = [];
  for (const envelope of envelopes) {
    if (!validateBallot(election, riding, envelope.ballot).ok) {
      bump('invalid-ballot');
    } else if (seen.has(envelope.credentialHash)) {
      duplicateCredentials.push(envelope.credentialHash);
    } else {
      seen.add(envelope.credentialHash);
      unique.push(envelope);
    }
  }
  const verdicts = await dedup.checkAndMark(
    election.id,
    station,
    batchHash,
    unique.map((e) => e.credentialHash),
  );
  const expectAccepted: Envelope[] = [];
  const expectRefused: Envelope[] = [];
  unique.forEach((envelope, i) => {
    const verdict = verdicts[i];
    switch (verdict) {
      case 'duplicate':
        duplicateCredentials.push(envelope.credentialHash);
        break;
      case 'invalid':
        expectRefused.push(envelope);
        break;
      case 'first-use':
      case 'own':
        expectAccepted.push(envelope);
        break;
      case undefined:
        throw new Error('the dedup store returned fewer verdicts than credentials');
      default:
        return verdict satisfies never;
    }
  });
  return { expectAccepted, expectRefused, rejected, duplicateCredentials };
}

/**
 * The ballots of `envelopes`, each under a fresh random id (central chooses it, never the
 * station), in a uniformly random order: the order rows are written in (and so their heap
 * order) says nothing about cast or envelope order, and neither do the ids. One random draw a
 * batch serves the ids, another the shuffle (Fisher–Yates).
 */
export function withRandomIds(envelopes: readonly Pick<Envelope, 'ballot'>[]): Ballot[] {
  const ids = newBallotIds(envelopes.length);
  const order = shuffledIndices(envelopes.length);
  return ids.map((id, i) => withBallotId((envelopes[order[i] as number] as Pick<Envelope, 'ballot'>).ballot, id));
}

/**
 * 0 … n−1 in a uniformly random order, from the platform's cryptographic generator (an insider
 * who could predict it could undo the shuffle). Each swap scales a 32-bit draw to 0 … i: the
 * bias is at most (i + 1) / 2³², below 3 × 10⁻⁷ for a batch's at most 1,000 envelopes.
 */
export function shuffledIndices(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i += 1) order[i] = i;
  const draws = randomBytes(4 * n);
  for (let i = n - 1; i > 0; i -= 1) {
    const j = Math.floor((draws.readUInt32LE(4 * i) * (i + 1)) / 2 ** 32);
    const kept = order[i] as number;
    order[i] = order[j] as number;
    order[j] = kept;
  }
  return order;
}

async function writeBallots(tx: Queryable, election: ElectionId, riding: RidingCode, ballots: readonly Ballot[]): Promise<void> {
  if (ballots.length === 0) return;
  // One JSON document for the whole batch: no per-element array escaping on a bulk path.
  await tx.query(
    `INSERT INTO ballots (election_id, ballot_id, riding, selections)
     SELECT $1, b.id::uuid, $2, b.selections FROM jsonb_to_recordset($3::jsonb) AS b(id text, selections jsonb)`,
    [election, riding, JSON.stringify(ballots.map((b) => ({ id: b.id, selections: b.selections })))],
    'validator_ballots',
  );
}

/** A tally row key for a single-choice or referendum selection: '' is a blank. */
export function tallyIncrements(ballots: readonly Ballot[]): { counts: Map<string, number>; patterns: Map<string, number> } {
  const counts = new Map<string, number>(); // contest \u0000 option
  const patterns = new Map<string, number>(); // contest \u0000 pattern
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const ballot of ballots) {
    for (const s of ballot.selections) {
      switch (s.kind) {
        case 'referendum':
        case 'plurality':
          bump(counts, `${s.contest}\u0000${s.choice ?? ''}`);
          break;
        case 'ranked':
          bump(patterns, `${s.contest}\u0000${s.ranking.join('>')}`);
          break;
      }
    }
  }
  return { counts, patterns };
}

interface SortedIncrements {
  readonly contests: string[];
  readonly keys: string[];
  readonly n: number[];
}

/** The increments as parallel arrays in key order (see writeTallies on lock order). */
function sortedIncrements(ballots: readonly Ballot[]): { counts: SortedIncrements; patterns: SortedIncrements } {
  const { counts, patterns } = tallyIncrements(ballots);
  const columns = (map: Map<string, number>): SortedIncrements => {
    const sorted = [...map.keys()].sort();
    const parts = sorted.map(split);
    return { contests: parts.map((p) => p[0]), keys: parts.map((p) => p[1]), n: sorted.map((k) => map.get(k) ?? 0) };
  };
  return { counts: columns(counts), patterns: columns(patterns) };
}

function split(key: string): [string, string] {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}

/**
 * Upserts the increments in key order: concurrent validators then lock shared tally rows in
 * the same order and cannot deadlock.
 */
async function writeTallies(tx: Queryable, election: ElectionDefinition, riding: RidingCode, ballots: readonly Ballot[]): Promise<void> {
  if (ballots.length === 0) return;
  const { counts, patterns } = tallyIncrements(ballots);
  const countKeys = [...counts.keys()].sort();
  if (countKeys.length > 0) {
    const parts = countKeys.map(split);
    await tx.query(
      `INSERT INTO tally_counts (election_id, contest_id, riding, option, count)
       SELECT $1, contest, $2, option, n FROM unnest($3::text[], $4::text[], $5::bigint[]) AS t(contest, option, n)
       ON CONFLICT (election_id, contest_id, riding, option) DO UPDATE SET count = tally_counts.count + EXCLUDED.count`,
      [election.id, riding, parts.map((p) => p[0]), parts.map((p) => p[1]), countKeys.map((k) => counts.get(k) ?? 0)],
      'validator_tally_counts',
    );
  }
  const patternKeys = [...patterns.keys()].sort();
  if (patternKeys.length > 0) {
    const parts = patternKeys.map(split);
    await tx.query(
      `INSERT INTO ranking_patterns (election_id, contest_id, pattern, count)
       SELECT $1, contest, pattern, n FROM unnest($2::text[], $3::text[], $4::bigint[]) AS t(contest, pattern, n)
       ON CONFLICT (election_id, contest_id, pattern) DO UPDATE SET count = ranking_patterns.count + EXCLUDED.count`,
      [election.id, parts.map((p) => p[0]), parts.map((p) => p[1]), patternKeys.map((k) => patterns.get(k) ?? 0)],
      'validator_ranking_patterns',
    );
  }
}

async function writeRejections(
  tx: Queryable,
  election: ElectionId,
  station: StationId,
  rejected: ReadonlyMap<RejectionReason, number>,
  duplicates: readonly CredentialHash[],
): Promise<void> {
  const reasons = [...rejected].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1));
  if (reasons.length > 0) {
    await tx.query(
      `INSERT INTO rejected_envelopes (election_id, station_id, reason, count)
       SELECT $1, $2, reason, n FROM unnest($3::text[], $4::bigint[]) AS r(reason, n)
       ON CONFLICT (election_id, station_id, reason) DO UPDATE SET count = rejected_envelopes.count + EXCLUDED.count`,
      [election, station, reasons.map(([r]) => r), reasons.map(([, n]) => n)],
      'validator_rejections',
    );
  }
  if (duplicates.length > 0) {
    const attempts = new Map<string, number>();
    for (const d of duplicates) attempts.set(d, (attempts.get(d) ?? 0) + 1);
    const keys = [...attempts.keys()].sort();
    await tx.query(
      `INSERT INTO duplicate_attempts (election_id, credential_hash, attempts)
       SELECT $1, decode(h, 'hex'), n FROM unnest($2::text[], $3::int[]) AS d(h, n)
       ON CONFLICT (election_id, credential_hash) DO UPDATE SET attempts = duplicate_attempts.attempts + EXCLUDED.attempts`,
      [election, keys, keys.map((k) => attempts.get(k) ?? 0)],
      'validator_duplicate_attempts',
    );
  }
}

/**
 * Quarantines a batch that cannot be committed (the same permanent failure on every attempt):
 * releases the Redis marks its own check made, so its voters keep their vote, and records the
 * batch as `quarantined` with the failure's class (never its content) for officials to resolve
 * (docs/runbooks: fix, then requeue from the dead-letter queue, which processes it as new).
 * Resolves to the batch's identity, or null when the message cannot even be opened (it is then
 * a poison message, dead-lettered as such).
 */
export async function quarantineBatch(
  deps: ValidatorDeps,
  content: Buffer,
  reason: string,
): Promise<{ readonly election: ElectionId; readonly station: StationId; readonly sequence: number; readonly released: number } | null> {
  const opened = openBatchMessage(deps.pipelineKey, content);
  if (!opened.ok) return null;
  const m = opened.value;
  const hashes = [...new Set(m.envelopes.map((e) => credentialHash(e.credential)))];
  const released = await deps.dedup.release(m.election, m.station, m.batchHash, hashes);
  await deps.db.query(
    `UPDATE batches SET status = 'quarantined', quarantine_reason = $4
      WHERE election_id = $1 AND station_id = $2 AND sequence = $3 AND status <> 'processed'`,
    [m.election, m.station, m.sequence, reason],
    'validator_quarantine',
  );
  return { election: m.election, station: m.station, sequence: m.sequence, released };
}
