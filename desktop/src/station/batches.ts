import { randomInt } from 'node:crypto';
import { canonicalJson, type ElectionId, type ElectionMode, type Sha256Hex, type StationId } from '@scrutin/shared';
import {
  EnvelopeSchema,
  SignedBatchSchema,
  SignedReceiptSchema,
  batchHash,
  signBatch,
  verifyReceipt,
  type Envelope,
  type PublicKey,
  type SignedBatch,
  type SignedReceipt,
} from '@scrutin/shared/protocol';
import type { StationDb } from './db.ts';

/**
 * The station's batches (docs/protocol.md): sealing moves envelopes from the outbox into a
 * signed, shuffled, hash-chained batch in one transaction, so an envelope is always in
 * exactly one of the two. A signed batch is stored byte for byte until it is synced: a resend
 * is the same batch, which central answers with the same receipt. A batch is synced only
 * once it holds a receipt verified with the kit's central key, stored in the transaction
 * that marks it, and that same transaction deletes its envelopes: the station keeps only the
 * signed header (hashes and counts) and the receipt. With secure_delete on and the WAL
 * truncated after, no deleted envelope survives in the database file or its WAL.
 */
export interface SealIdentity {
  readonly election: ElectionId;
  readonly station: StationId;
  /** The election's mode from the kit: signed into every batch header. */
  readonly mode: ElectionMode;
  readonly privateKeyPem: string;
}

export interface StoredBatch {
  readonly sequence: number;
  readonly batchHash: Sha256Hex;
  /** The signed batch as JSON text, exactly as it is sent; once synced, only its header and signature. */
  readonly json: string;
  readonly envelopes: number;
  readonly synced: boolean;
}

interface BatchRow {
  sequence: number;
  batch_hash: string;
  signed_batch: string;
  envelopes: number;
  receipt: string | null;
}

const toStored = (r: BatchRow): StoredBatch => ({
  sequence: r.sequence,
  batchHash: r.batch_hash as Sha256Hex,
  json: r.signed_batch,
  envelopes: r.envelopes,
  synced: r.receipt !== null,
});

/** Fisher–Yates with the cryptographic RNG: a batch's order says nothing about cast order. */
export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
  return items;
}

/**
 * Seals up to `size` envelopes of the outbox into the next batch, in one transaction; returns
 * the batch, or undefined if the outbox is empty. `final` marks the station's last batch.
 */
export function sealBatch(db: StationDb, identity: SealIdentity, size: number, final = false): StoredBatch | undefined {
  return db
    .transaction((): StoredBatch | undefined => {
      const rows = db.prepare<[number], { id: Buffer; envelope: string }>('SELECT id, envelope FROM outbox LIMIT ?').all(size);
      if (rows.length === 0) return undefined;
      const envelopes: Envelope[] = shuffle(rows.map((r) => EnvelopeSchema.parse(JSON.parse(r.envelope))));
      const last = db
        .prepare<[], { sequence: number; batch_hash: string }>('SELECT sequence, batch_hash FROM batches ORDER BY sequence DESC LIMIT 1')
        .get();
      const signed = signBatch(
        {
          election: identity.election,
          station: identity.station,
          mode: identity.mode,
          sequence: (last?.sequence ?? 0) + 1,
          previousBatchHash: (last?.batch_hash as Sha256Hex | undefined) ?? null,
          final,
          envelopes,
        },
        identity.privateKeyPem,
      );
      const hash = batchHash(signed.header);
      const json = JSON.stringify(signed);
      db.prepare('INSERT INTO batches (sequence, batch_hash, signed_batch, envelopes, final) VALUES (?, ?, ?, ?, ?)').run(
        signed.header.sequence,
        hash,
        json,
        envelopes.length,
        final ? 1 : 0,
      );
      const remove = db.prepare('DELETE FROM outbox WHERE id = ?');
      for (const r of rows) remove.run(r.id);
      return { sequence: signed.header.sequence, batchHash: hash, json, envelopes: envelopes.length, synced: false };
    })
    .immediate();
}

export function unsyncedBatches(db: StationDb): StoredBatch[] {
  return db
    .prepare<[], BatchRow>(
      'SELECT sequence, batch_hash, signed_batch, envelopes, receipt FROM batches WHERE receipt IS NULL ORDER BY sequence',
    )
    .all()
    .map(toStored);
}

export function batchBySequence(db: StationDb, sequence: number): StoredBatch | undefined {
  const row = db
    .prepare<[number], BatchRow>('SELECT sequence, batch_hash, signed_batch, envelopes, receipt FROM batches WHERE sequence = ?')
    .get(sequence);
  return row === undefined ? undefined : toStored(row);
}

/** Sequence and hash of every batch, in order (for reconciliation with central). */
export function batchChain(db: StationDb): { readonly sequence: number; readonly batchHash: Sha256Hex; readonly synced: boolean }[] {
  return db
    .prepare<[], { sequence: number; batch_hash: string; synced: number }>(
      'SELECT sequence, batch_hash, receipt IS NOT NULL AS synced FROM batches ORDER BY sequence',
    )
    .all()
    .map((r) => ({ sequence: r.sequence, batchHash: r.batch_hash as Sha256Hex, synced: r.synced === 1 }));
}

/** Every batch not yet synced, whole (the export of what central has not received). */
export function* unsyncedSignedBatches(db: StationDb): Generator<SignedBatch> {
  const sql = 'SELECT signed_batch FROM batches WHERE receipt IS NULL ORDER BY sequence';
  for (const row of db.prepare<[], { signed_batch: string }>(sql).iterate()) yield SignedBatchSchema.parse(JSON.parse(row.signed_batch));
}

/** Every envelope still in the outbox, parsed. */
export function* outboxEnvelopes(db: StationDb): Generator<Envelope> {
  for (const row of db.prepare<[], { envelope: string }>('SELECT envelope FROM outbox').iterate())
    yield EnvelopeSchema.parse(JSON.parse(row.envelope));
}

export type ReceiptProblem =
  | { readonly kind: 'receipt-malformed' }
  | { readonly kind: 'receipt-bad-signature' }
  | { readonly kind: 'receipt-other-batch'; readonly field: 'election' | 'station' | 'sequence' | 'batchHash' | 'envelopeCount' };

/**
 * Checks a central answer is a receipt for `batch`: signed by the kit's central key, and
 * naming this batch (election, station, sequence, hash, envelope count).
 */
export function checkReceipt(
  input: unknown,
  batch: StoredBatch,
  expected: { readonly election: ElectionId; readonly station: StationId; readonly centralPublicKey: PublicKey },
): SignedReceipt | ReceiptProblem {
  const parsed = SignedReceiptSchema.safeParse(input);
  if (!parsed.success) return { kind: 'receipt-malformed' };
  const receipt = parsed.data;
  if (!verifyReceipt(receipt, expected.centralPublicKey)) return { kind: 'receipt-bad-signature' };
  const { body } = receipt;
  if (body.election !== expected.election) return { kind: 'receipt-other-batch', field: 'election' };
  if (body.station !== expected.station) return { kind: 'receipt-other-batch', field: 'station' };
  if (body.sequence !== batch.sequence) return { kind: 'receipt-other-batch', field: 'sequence' };
  if (body.batchHash !== batch.batchHash) return { kind: 'receipt-other-batch', field: 'batchHash' };
  if (body.envelopeCount !== batch.envelopes) return { kind: 'receipt-other-batch', field: 'envelopeCount' };
  return receipt;
}

/**
 * Stores a verified receipt and so marks the batch synced, and in the same transaction drops
 * its envelopes (keeping the signed header and, when the kit has central's export key, the
 * batch sealed to it: `sealedCopy`, which only central can open); false if it already was
 * synced. The caller then
 * truncates the WAL (db.ts checkpointTruncate), once its own transaction is committed.
 */
export function markSynced(db: StationDb, sequence: number, receipt: SignedReceipt, at: number, sealedCopy: string | null = null): boolean {
  const changed = db
    .transaction((): boolean => {
      const row = db
        .prepare<[number], { signed_batch: string }>('SELECT signed_batch FROM batches WHERE sequence = ? AND receipt IS NULL')
        .get(sequence);
      if (row === undefined) return false;
      const { header, signature } = SignedBatchSchema.parse(JSON.parse(row.signed_batch));
      db.prepare('UPDATE batches SET receipt = ?, acknowledged_at = ?, signed_batch = ?, sealed_copy = ? WHERE sequence = ?').run(
        canonicalJson(receipt),
        new Date(at).toISOString(),
        JSON.stringify({ header, signature }),
        sealedCopy,
        sequence,
      );
      return true;
    })
    .deferred();
  return changed;
}

export interface BatchCounts {
  readonly outbox: number;
  readonly batches: number;
  readonly batchesSynced: number;
  readonly ballotsInBatches: number;
  readonly ballotsSynced: number;
  readonly lastSyncAt: string | null;
}

export function batchCounts(db: StationDb): BatchCounts {
  const outbox = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()?.n ?? 0;
  const row = db
    .prepare<[], { batches: number; synced: number | null; ballots: number | null; ballots_synced: number | null; last: string | null }>(
      `SELECT count(*) AS batches, sum(receipt IS NOT NULL) AS synced, sum(envelopes) AS ballots,
              sum(CASE WHEN receipt IS NOT NULL THEN envelopes ELSE 0 END) AS ballots_synced, max(acknowledged_at) AS last FROM batches`,
    )
    .get();
  return {
    outbox,
    batches: row?.batches ?? 0,
    batchesSynced: row?.synced ?? 0,
    ballotsInBatches: row?.ballots ?? 0,
    ballotsSynced: row?.ballots_synced ?? 0,
    lastSyncAt: row?.last ?? null,
  };
}

/** The sealed copy kept of a synced batch (migration 6), or null. */
export function sealedCopyOf(db: StationDb, sequence: number): string | null {
  return (
    db.prepare<[number], { sealed_copy: string | null }>('SELECT sealed_copy FROM batches WHERE sequence = ?').get(sequence)?.sealed_copy ??
    null
  );
}
