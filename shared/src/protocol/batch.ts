import { z } from 'zod';
import { CastBallotSchema } from '../ballot/ballot.ts';
import { ElectionModeSchema } from '../election/mode.ts';
import { TrackingCodeSchema } from '../ballot/tracking_code.ts';
import { CredentialSchema, ElectionIdSchema, Sha256HexSchema, StationIdSchema } from '../ids.ts';

/**
 * The sync unit between a station and the central server, format version 2 (docs/protocol.md).
 *
 * An envelope carries one ballot (without id), the credential that cast it and the voter's
 * tracking code; the validator opens it (separates the three) and nothing else does. A batch
 * is a station's package of envelopes; the station signs only its header, which names the
 * envelopes through their Merkle root. Anyone can check a station's chain and counts from the
 * headers alone, and prove an envelope part of a batch, without ever seeing an envelope.
 *
 * Every object here is strict: a field the format does not define is refused (422), wherever
 * it is.
 */
export const EnvelopeSchema = z
  .object({
    credential: CredentialSchema,
    tracking: TrackingCodeSchema,
    ballot: CastBallotSchema,
  })
  .strict();
export type Envelope = z.infer<typeof EnvelopeSchema>;

export const BATCH_FORMAT_VERSION = 2;
/** The most envelopes one batch may carry; keeps requests and queue messages bounded. */
export const MAX_ENVELOPES_PER_BATCH = 1000;
/**
 * The highest sequence number a station may use. A station seals a batch per k ballots at the
 * fewest, so a million batches is far beyond any polling station's day; the bound keeps every
 * sequence an exact integer everywhere (JSON, JavaScript, Postgres `integer`).
 */
export const MAX_SEQUENCE = 1_000_000;
/**
 * How far ahead of the highest sequence central holds for a station a new batch may be: a
 * station that lost batches resends them, it never jumps. Beyond it: 409 sequence-out-of-window.
 */
export const SEQUENCE_WINDOW = 64;

/** Base64 (standard alphabet, padded) of a 64-byte Ed25519 signature. */
export const SignatureSchema = z.base64().refine((s) => s.length === 88, 'an Ed25519 signature is 64 bytes (88 base64 characters)');

/** What a station signs. */
export const BatchHeaderSchema = z
  .object({
    version: z.literal(BATCH_FORMAT_VERSION),
    election: ElectionIdSchema,
    station: StationIdSchema,
    /**
     * The election's mode as the station's kit states it (`test` or `live`). Signed, so a test
     * batch cannot be relabelled live; central takes a batch only into an election of the same
     * mode (409 test-batch-in-live-election / live-batch-in-test-election).
     */
    mode: ElectionModeSchema,
    /** 1 for a station's first batch, then +1 each batch. */
    sequence: z.int().min(1).max(MAX_SEQUENCE),
    /** The batch hash of batch `sequence - 1`; null for sequence 1. */
    previousBatchHash: Sha256HexSchema.nullable(),
    /** Merkle root (RFC 6962) of the envelope hashes, in envelope order. */
    merkleRoot: Sha256HexSchema,
    envelopeCount: z.int().min(1).max(MAX_ENVELOPES_PER_BATCH),
    /** The station's last batch: sealed at close with every remaining ballot. No batch may follow it. */
    final: z.boolean(),
  })
  .strict();
export type BatchHeader = z.infer<typeof BatchHeaderSchema>;

export const SignedBatchSchema = z
  .object({
    header: BatchHeaderSchema,
    signature: SignatureSchema,
    envelopes: z.array(EnvelopeSchema).min(1).max(MAX_ENVELOPES_PER_BATCH),
  })
  .strict();
export type SignedBatch = z.infer<typeof SignedBatchSchema>;

/** An Ed25519 public key: its 32 raw bytes in base64 (44 characters). */
export const PublicKeySchema = z
  .base64()
  .refine((s) => s.length === 44, 'an Ed25519 public key is 32 bytes (44 base64 characters)')
  .brand<'Ed25519PublicKey'>();
export type PublicKey = z.infer<typeof PublicKeySchema>;

/**
 * The central server's signed acknowledgement of a batch: once a station holds it, the batch
 * is durably queued centrally; the station then deletes the batch's envelopes and keeps the
 * header, counts and receipt. The same batch sent again gets the same receipt.
 */
export const ReceiptBodySchema = z
  .object({
    version: z.literal(BATCH_FORMAT_VERSION),
    election: ElectionIdSchema,
    station: StationIdSchema,
    sequence: z.int().min(1).max(MAX_SEQUENCE),
    batchHash: Sha256HexSchema,
    envelopeCount: z.int().min(1).max(MAX_ENVELOPES_PER_BATCH),
    receivedAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type ReceiptBody = z.infer<typeof ReceiptBodySchema>;

export const SignedReceiptSchema = z.object({ body: ReceiptBodySchema, signature: SignatureSchema }).strict();
export type SignedReceipt = z.infer<typeof SignedReceiptSchema>;

/**
 * The offline fallback: a station's unsynced batches written to a file (a USB stick) and
 * imported centrally with `scrutin import-batches`, through the same checks and the same
 * idempotency as the network. The body is signed by the station key as a whole (each batch
 * keeps its own signature), then sealed to central's export key (protocol/export_sealing),
 * so a lost stick reveals nothing.
 */
export const BatchExportBodySchema = z
  .object({
    format: z.literal('scrutin-batch-export'),
    version: z.literal(BATCH_FORMAT_VERSION),
    election: ElectionIdSchema,
    station: StationIdSchema,
    exportedAt: z.iso.datetime({ offset: true }),
    batches: z.array(SignedBatchSchema).min(1),
  })
  .strict();
export type BatchExportBody = z.infer<typeof BatchExportBodySchema>;

export const SignedBatchExportSchema = z.object({ body: BatchExportBodySchema, signature: SignatureSchema }).strict();
export type SignedBatchExport = z.infer<typeof SignedBatchExportSchema>;

/**
 * How n ballots are split into batches of about `size`, each of at least k (the anonymity set)
 * and at most MAX_ENVELOPES_PER_BATCH: as evenly as possible, in as many batches as `size`
 * asks for unless that would leave one under k. Fewer than k ballots make one batch (a
 * station's only batch, allowed only as its final one). Requires k ≤ MAX_ENVELOPES_PER_BATCH / 2.
 */
export function splitIntoBatches(n: number, size: number, k: number): number[] {
  if (n <= 0) return [];
  const count = Math.max(1, Math.min(Math.ceil(n / Math.max(1, size)), Math.floor(n / k)));
  const base = Math.floor(n / count);
  return Array.from({ length: count }, (_, i) => base + (i < n % count ? 1 : 0));
}

/**
 * `200` to `POST /sync/sealed-batches`: a station gives central again, sealed to its export key,
 * batches central acknowledged and then lost (docs/protocol.md §6). Central opens the file and
 * takes its batches through the same checks and idempotency as `POST /sync/batches`; the
 * receipts are those the batches get there.
 */
export const SealedResendAnswerSchema = z
  .object({
    station: StationIdSchema,
    receipts: z.array(SignedReceiptSchema),
    refused: z.array(z.object({ sequence: z.int().min(1), code: z.string().max(64), message: z.string().max(1000) }).strict()),
    alreadyReceived: z.int().min(0),
  })
  .strict();
export type SealedResendAnswer = z.infer<typeof SealedResendAnswerSchema>;
