import { z } from 'zod';
import {
  BallotIdSchema,
  BATCH_FORMAT_VERSION,
  CredentialHashSchema,
  ElectionIdSchema,
  MAX_ENVELOPES_PER_BATCH,
  ReferendumOptionIdSchema,
  Sha256HexSchema,
  StationIdSchema,
} from '@scrutin/shared/node';

/**
 * What travels through the queue: the station's signed batch as the API received and verified
 * it (its JSON text forwarded as it came), with its batch hash. The validator parses it again:
 * every boundary is parsed.
 *
 * The queue schema is leaner than the station-facing one, on purpose and only where the
 * validator checks more anyway. The API has already checked the full batch format, the
 * signature and every ballot against the election. Here the values that reach SQL as they are
 * keep their exact formats (credential hashes, ballot ids, batch hash, station, election);
 * names inside a ballot (its election, riding, contests and candidates) are bounded strings,
 * because the validator's validateBallot compares each with the election definition and
 * refuses a ballot naming anything not on the station's ballot. What the validator does not
 * read (previous batch hash, Merkle root, signature) is not required.
 */
const name = z.string().max(64);
const QueueSelectionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('referendum'), contest: name.brand<'ContestId'>(), choice: ReferendumOptionIdSchema.nullable() }),
  z.object({ kind: z.literal('plurality'), contest: name.brand<'ContestId'>(), choice: name.brand<'CandidateId'>().nullable() }),
  z.object({ kind: z.literal('ranked'), contest: name.brand<'ContestId'>(), ranking: z.array(name.brand<'CandidateId'>()).max(64) }),
]);
const QueueBallotSchema = z.object({
  id: BallotIdSchema,
  election: name.brand<'ElectionId'>(),
  riding: name.brand<'RidingCode'>(),
  selections: z.array(QueueSelectionSchema).max(64),
});

export const BatchMessageSchema = z.object({
  batchHash: Sha256HexSchema,
  batch: z.object({
    body: z.object({
      version: z.literal(BATCH_FORMAT_VERSION),
      election: ElectionIdSchema,
      station: StationIdSchema,
      sequence: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
      envelopes: z
        .array(z.object({ credentialHash: CredentialHashSchema, ballot: QueueBallotSchema }))
        .min(1)
        .max(MAX_ENVELOPES_PER_BATCH),
    }),
  }),
  /** When the API received the batch (ms since the epoch), for the pipeline latency metric. */
  receivedAtMs: z.number().int().nonnegative().optional(),
});

/** A queue message: the parts of the signed batch the validator reads. */
export type BatchMessage = z.infer<typeof BatchMessageSchema>;
