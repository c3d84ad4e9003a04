import { z } from 'zod';
import { ElectionIdSchema, Sha256HexSchema, StationIdSchema } from '../ids.ts';

/**
 * `GET /sync/status?election=…&station=…` (docs/protocol.md §6): what central holds of a
 * station's chain, so a station reconciles after a restart or a lost answer.
 */
export const BatchStatusSchema = z.enum(['received', 'processed']);
export type BatchStatus = z.infer<typeof BatchStatusSchema>;

export const SyncStatusQuerySchema = z.object({ election: ElectionIdSchema, station: StationIdSchema });
export type SyncStatusQuery = z.infer<typeof SyncStatusQuerySchema>;

export const SyncStatusSchema = z.object({
  election: ElectionIdSchema,
  station: StationIdSchema,
  /** Highest sequence received, 0 before any. */
  lastSequence: z.int().min(0),
  /** SHA-256 over the batch hashes of every received batch, in sequence order (hex bytes concatenated). */
  digest: z.string(),
  /** Sequences below lastSequence never received: a station resends them. */
  missing: z.array(z.int()),
  batches: z.array(z.object({ sequence: z.int().min(1), batchHash: Sha256HexSchema, status: BatchStatusSchema })),
});
export type SyncStatus = z.infer<typeof SyncStatusSchema>;
