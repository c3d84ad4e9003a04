import { z } from 'zod';
import { Sha256HexSchema, SignedBatchSchema } from '@scrutin/shared/node';

/**
 * What travels through the queue: the station's signed batch as the API verified it, with
 * its batch hash. The validator parses it again (every boundary is parsed).
 */
export const BatchMessageSchema = z.object({
  batchHash: Sha256HexSchema,
  batch: SignedBatchSchema,
  /** When the API received the batch (ms since the epoch), for the pipeline latency metric. */
  receivedAtMs: z.number().int().nonnegative().optional(),
});
export type BatchMessage = z.infer<typeof BatchMessageSchema>;
