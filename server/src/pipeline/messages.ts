import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  BATCH_FORMAT_VERSION,
  CredentialSchema,
  ElectionIdSchema,
  MAX_ENVELOPES_PER_BATCH,
  MAX_SEQUENCE,
  ReferendumOptionIdSchema,
  Sha256HexSchema,
  StationIdSchema,
  TrackingCodeSchema,
  err,
  ok,
  type Result,
} from '@scrutin/shared/node';

/**
 * What travels through the queue (format 2): the verified batch's identity in clear (what the
 * dead-letter tools and the metrics read) and its envelopes sealed with the pipeline key
 * (AES-256-GCM, PIPELINE_KEY), which only the API and the validators hold. A reader of the
 * queues, the dead-letter queue included, or of a broker's disk, sees no credential, tracking
 * code or choice.
 *
 * The sealed plaintext is the JSON array of the envelopes' canonical forms, exactly the
 * preimages of the Merkle leaves the station signed: nothing the station did not sign is
 * forwarded. The additional data binds the ciphertext to its batch.
 */
export const QueueMessageSchema = z
  .object({
    version: z.literal(BATCH_FORMAT_VERSION),
    election: ElectionIdSchema,
    station: StationIdSchema,
    sequence: z.int().min(1).max(MAX_SEQUENCE),
    batchHash: Sha256HexSchema,
    envelopeCount: z.int().min(1).max(MAX_ENVELOPES_PER_BATCH),
    /** When the API received the batch (ms since the epoch), for the pipeline latency metric. */
    receivedAtMs: z.number().int().nonnegative(),
    /**
     * base64 of nonce (12) ‖ ciphertext ‖ tag (16). Not checked character by character (a
     * regular expression over the whole body, per batch): AES-GCM's tag authenticates the
     * exact bytes, so anything that is not what the API sealed is refused as unsealable.
     */
    sealed: z.string().min(1),
  })
  .strict();
export type QueueMessage = z.infer<typeof QueueMessageSchema>;

/**
 * The envelopes once unsealed. Leaner than the station-facing schema where the validator checks
 * more anyway: names inside a ballot are bounded strings, because validateBallot compares each
 * with the election definition. What reaches SQL as it is (credential, tracking code) keeps its
 * exact format.
 */
const name = z.string().max(64);
const QueueSelectionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('referendum'), contest: name.brand<'ContestId'>(), choice: ReferendumOptionIdSchema.nullable() }).strict(),
  z.object({ kind: z.literal('plurality'), contest: name.brand<'ContestId'>(), choice: name.brand<'CandidateId'>().nullable() }).strict(),
  z
    .object({ kind: z.literal('ranked'), contest: name.brand<'ContestId'>(), ranking: z.array(name.brand<'CandidateId'>()).max(64) })
    .strict(),
]);
export const QueueEnvelopeSchema = z
  .object({
    credential: CredentialSchema,
    tracking: TrackingCodeSchema,
    ballot: z
      .object({
        election: name.brand<'ElectionId'>(),
        riding: name.brand<'RidingCode'>(),
        selections: z.array(QueueSelectionSchema).max(64),
      })
      .strict(),
  })
  .strict();
export type QueueEnvelope = z.infer<typeof QueueEnvelopeSchema>;
const QueueEnvelopesSchema = z.array(QueueEnvelopeSchema).min(1).max(MAX_ENVELOPES_PER_BATCH);

/** A message the validator can process: its identity and its opened envelopes. */
export interface BatchMessage {
  readonly election: QueueMessage['election'];
  readonly station: QueueMessage['station'];
  readonly sequence: number;
  readonly batchHash: QueueMessage['batchHash'];
  readonly receivedAtMs: number;
  readonly envelopes: readonly QueueEnvelope[];
}

const AAD_TAG = 'scrutin/queue/v2';

function additionalData(m: Pick<QueueMessage, 'election' | 'station' | 'sequence' | 'batchHash'>): Buffer {
  return Buffer.from(`${AAD_TAG}\u0000${m.election}\u0000${m.station}\u0000${m.sequence}\u0000${m.batchHash}`, 'utf8');
}

/** A 32-byte AES key, base64 in PIPELINE_KEY. */
export function parsePipelineKey(base64: string): Result<Buffer, string> {
  const key = Buffer.from(base64, 'base64');
  return key.length === 32 && key.toString('base64') === base64.trim()
    ? ok(key)
    : err('PIPELINE_KEY must be 32 bytes in base64 (44 characters)');
}

/** The queue message of a verified batch, from its envelopes' canonical JSON. */
export function sealBatchMessage(
  key: Buffer,
  identity: Omit<QueueMessage, 'version' | 'sealed' | 'envelopeCount'>,
  canonicalEnvelopes: readonly string[],
): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(additionalData(identity));
  const body = cipher.update(`[${canonicalEnvelopes.join(',')}]`, 'utf8');
  const sealed = Buffer.concat([nonce, body, cipher.final(), cipher.getAuthTag()]).toString('base64');
  const message: QueueMessage = { version: BATCH_FORMAT_VERSION, ...identity, envelopeCount: canonicalEnvelopes.length, sealed };
  return Buffer.from(JSON.stringify(message), 'utf8');
}

export type OpenError =
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'unsealable' }
  | { readonly kind: 'envelopes-invalid'; readonly reason: string };

/** Parses a queue message (its JSON) and opens its envelopes. Failures are permanent: dead-letter. */
export function openBatchMessage(key: Buffer, json: unknown): Result<BatchMessage, OpenError> {
  const parsed = QueueMessageSchema.safeParse(json);
  if (!parsed.success) return err({ kind: 'malformed', reason: parsed.error.message.slice(0, 200) });
  const m = parsed.data;
  const sealed = Buffer.from(m.sealed, 'base64');
  if (sealed.length < 12 + 16) return err({ kind: 'unsealable' });
  let plaintext: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAAD(additionalData(m));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    plaintext = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return err({ kind: 'unsealable' });
  }
  let envelopesJson: unknown;
  try {
    envelopesJson = JSON.parse(plaintext);
  } catch {
    return err({ kind: 'envelopes-invalid', reason: 'not JSON' });
  }
  const envelopes = QueueEnvelopesSchema.safeParse(envelopesJson);
  if (!envelopes.success || envelopes.data.length !== m.envelopeCount) {
    return err({ kind: 'envelopes-invalid', reason: envelopes.success ? 'count mismatch' : envelopes.error.message.slice(0, 200) });
  }
  return ok({
    election: m.election,
    station: m.station,
    sequence: m.sequence,
    batchHash: m.batchHash,
    receivedAtMs: m.receivedAtMs,
    envelopes: envelopes.data,
  });
}
