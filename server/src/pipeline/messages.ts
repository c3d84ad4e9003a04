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
 * What travels through the queue (format 2): one line of JSON with the verified batch's identity
 * in clear (what the dead-letter tools and the metrics read), a line feed, then the envelopes
 * sealed with the pipeline key (AES-256-GCM, PIPELINE_KEY), which only the API and the
 * validators hold, as raw bytes: nonce (12) ‖ ciphertext ‖ tag (16). A reader of the queues, the
 * dead-letter queue included, or of a broker's disk, sees no credential, tracking code or choice.
 *
 * The sealed plaintext is the JSON array of the envelopes' canonical forms, exactly the
 * preimages of the Merkle leaves the station signed: nothing the station did not sign is
 * forwarded. The additional data binds the ciphertext to its batch. The sealed part is not
 * base64 inside the JSON: no encoding on the API, no decoding on the validator, and a quarter
 * fewer bytes through the broker (docs/decisions/0007-pipeline-cpu.md).
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
export const QueueEnvelopesSchema = z.array(QueueEnvelopeSchema).min(1).max(MAX_ENVELOPES_PER_BATCH);

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
  identity: Omit<QueueMessage, 'version' | 'envelopeCount'>,
  canonicalEnvelopes: readonly string[],
): Buffer {
  const message: QueueMessage = { version: BATCH_FORMAT_VERSION, ...identity, envelopeCount: canonicalEnvelopes.length };
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(additionalData(message));
  // JSON.stringify never writes a raw line feed: the first one ends the identity.
  const head = Buffer.from(`${JSON.stringify(message)}\n`, 'utf8');
  const body = cipher.update(`[${canonicalEnvelopes.join(',')}]`, 'utf8');
  return Buffer.concat([head, nonce, body, cipher.final(), cipher.getAuthTag()]);
}

/** A queue message's two parts, not yet checked: its identity line (parsed JSON) and its sealed bytes. */
interface QueueMessageParts {
  readonly identity: unknown;
  readonly sealed: Buffer;
}

const LINE_FEED = 0x0a;
/** An identity line is a few hundred bytes: a message without a line feed early on is not one. */
const MAX_IDENTITY_BYTES = 1024;

function splitQueueMessage(content: Buffer): QueueMessageParts | null {
  const end = content.subarray(0, MAX_IDENTITY_BYTES).indexOf(LINE_FEED);
  if (end < 0) return null;
  try {
    return { identity: JSON.parse(content.toString('utf8', 0, end)), sealed: content.subarray(end + 1) };
  } catch {
    return null;
  }
}

/**
 * The identity of a queue message, without opening its envelopes: for the dead-letter tools and
 * for alerts. Null when the message is not one of ours.
 */
export function queueMessageIdentity(content: Buffer): QueueMessage | null {
  const parts = splitQueueMessage(content);
  const parsed = QueueMessageSchema.safeParse(parts?.identity);
  return parsed.success ? parsed.data : null;
}

export type OpenError =
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'unsealable' }
  | { readonly kind: 'envelopes-invalid'; readonly reason: string };

/** Parses a queue message (its bytes) and opens its envelopes. Failures are permanent: dead-letter. */
export function openBatchMessage(key: Buffer, content: Buffer): Result<BatchMessage, OpenError> {
  const parts = splitQueueMessage(content);
  if (parts === null) return err({ kind: 'malformed', reason: 'no identity line' });
  const parsed = QueueMessageSchema.safeParse(parts.identity);
  if (!parsed.success) return err({ kind: 'malformed', reason: parsed.error.message.slice(0, 200) });
  const m = parsed.data;
  const { sealed } = parts;
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
