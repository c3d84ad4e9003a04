import { z } from 'zod';
import { ElectionIdSchema, Sha256HexSchema, StationIdSchema } from '../ids.ts';
import { MAX_SEQUENCE } from './batch.ts';

/**
 * `GET /sync/status?election=…&station=…` (docs/protocol.md): what central holds of a
 * station's chain, so a station reconciles after a restart or a lost answer. Its size is
 * bounded by the batches received, never by the sequence numbers claimed: gaps are ranges.
 */
export const BatchStatusSchema = z.enum(['received', 'processed', 'quarantined']);
export type BatchStatus = z.infer<typeof BatchStatusSchema>;

export const SyncStatusQuerySchema = z.object({ election: ElectionIdSchema, station: StationIdSchema }).strict();
export type SyncStatusQuery = z.infer<typeof SyncStatusQuerySchema>;

const sequence = z.int().min(1).max(MAX_SEQUENCE);

export const SyncStatusSchema = z
  .object({
    election: ElectionIdSchema,
    station: StationIdSchema,
    /** Highest sequence received, 0 before any. */
    lastSequence: z.int().min(0).max(MAX_SEQUENCE),
    /** SHA-256 over the batch hashes of every received batch, in sequence order (raw bytes concatenated). */
    digest: Sha256HexSchema,
    /** Sequences below lastSequence never received, as inclusive ranges: a station resends them. */
    missing: z.array(z.object({ from: sequence, to: sequence }).strict()),
    /** Whether the station's final batch has been received: it can send nothing more. */
    closed: z.boolean(),
    batches: z.array(z.object({ sequence, batchHash: Sha256HexSchema, status: BatchStatusSchema }).strict()),
  })
  .strict();
export type SyncStatus = z.infer<typeof SyncStatusSchema>;
