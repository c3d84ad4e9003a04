import { z } from 'zod';
import { BallotSchema } from '../ballot/ballot.ts';
import { CredentialHashSchema, ElectionIdSchema, Sha256HexSchema, StationIdSchema } from '../ids.ts';

/**
 * The sync unit between a station and the central server. An envelope seals one ballot with
 * the credential that cast it; the validator opens it (separates the two) and nothing else
 * does. A batch is a station's signed, hash-chained package of envelopes.
 */
export const EnvelopeSchema = z.object({
  credentialHash: CredentialHashSchema,
  ballot: BallotSchema,
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

export const BATCH_FORMAT_VERSION = 1;
/** The most envelopes one batch may carry; keeps requests and queue messages bounded. */
export const MAX_ENVELOPES_PER_BATCH = 1000;

export const BatchBodySchema = z.object({
  version: z.literal(BATCH_FORMAT_VERSION),
  election: ElectionIdSchema,
  station: StationIdSchema,
  /** 1 for a station's first batch, then +1 each batch. */
  sequence: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  /** The batch hash of batch `sequence - 1`; null for sequence 1. */
  previousBatchHash: Sha256HexSchema.nullable(),
  envelopes: z.array(EnvelopeSchema).min(1).max(MAX_ENVELOPES_PER_BATCH),
  /** Merkle root (RFC 6962 shape) of the envelope hashes, in envelope order. */
  merkleRoot: Sha256HexSchema,
});
export type BatchBody = z.infer<typeof BatchBodySchema>;

/** Base64 (standard alphabet, padded) of a 64-byte Ed25519 signature. */
export const SignatureSchema = z.base64().refine((s) => s.length === 88, 'an Ed25519 signature is 64 bytes (88 base64 characters)');

export const SignedBatchSchema = z.object({
  body: BatchBodySchema,
  signature: SignatureSchema,
});
export type SignedBatch = z.infer<typeof SignedBatchSchema>;

/** An Ed25519 public key: its 32 raw bytes in base64 (44 characters). */
export const PublicKeySchema = z
  .base64()
  .refine((s) => s.length === 44, 'an Ed25519 public key is 32 bytes (44 base64 characters)')
  .brand<'Ed25519PublicKey'>();
export type PublicKey = z.infer<typeof PublicKeySchema>;

/**
 * The central server's signed acknowledgement of a batch: once a station holds it, the batch
 * is durably queued centrally and the station may mark it synced. The same batch sent again
 * gets the same receipt.
 */
export const ReceiptBodySchema = z.object({
  version: z.literal(1),
  election: ElectionIdSchema,
  station: StationIdSchema,
  sequence: z.int().min(1),
  batchHash: Sha256HexSchema,
  envelopes: z.int().min(1),
  receivedAt: z.iso.datetime({ offset: true }),
});
export type ReceiptBody = z.infer<typeof ReceiptBodySchema>;

export const SignedReceiptSchema = z.object({ body: ReceiptBodySchema, signature: SignatureSchema });
export type SignedReceipt = z.infer<typeof SignedReceiptSchema>;

/**
 * The offline fallback: a station's unsynced batches written to a file (a USB stick) and
 * imported centrally with `scrutin import-batches`, through the same checks and the same
 * idempotency as the network. The file is signed by the station key as a whole, and each
 * batch keeps its own signature.
 */
export const BatchExportBodySchema = z.object({
  format: z.literal('scrutin-batch-export'),
  version: z.literal(1),
  election: ElectionIdSchema,
  station: StationIdSchema,
  exportedAt: z.iso.datetime({ offset: true }),
  batches: z.array(SignedBatchSchema).min(1),
});
export type BatchExportBody = z.infer<typeof BatchExportBodySchema>;

export const SignedBatchExportSchema = z.object({ body: BatchExportBodySchema, signature: SignatureSchema });
export type SignedBatchExport = z.infer<typeof SignedBatchExportSchema>;
