import { z } from 'zod';
import { ElectionIdSchema, StationIdSchema } from '../ids.ts';
import { BATCH_FORMAT_VERSION, PublicKeySchema } from './batch.ts';
import type { ValidationIssue } from '../validation.ts';

/**
 * A station's USB export as it lies on the stick (docs/protocol.md, "Export file"): the signed
 * export (`SignedBatchExport`) sealed with HPKE (RFC 9180, base mode) to central's export key,
 * so that a lost stick reveals nothing of its envelopes (credentials, tracking codes, choices)
 * nor of their batches' headers, counts or times. Sealing and opening are in
 * export_sealing.node.ts; this module holds the shapes, browser-safe.
 *
 * Outside the seal there is only what an import needs to pick the key and the station:
 * the format, the election and the station (a finder learns which station's stick it holds,
 * as the label on it would say), the HPKE encapsulated key and the ciphertext. The
 * ciphertext's length tells roughly how many envelopes it holds; a station's number of
 * ballots is published with the results anyway.
 */
export const SEALED_EXPORT_FORMAT = 'scrutin-sealed-export';

/** The HPKE suite, named in the file so that a reader knows what it holds. */
export const EXPORT_HPKE_SUITE = 'DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM';

/** An X25519 public key (central's export key): its 32 raw bytes in base64 (44 characters). */
export const ExportPublicKeySchema = z
  .base64()
  .refine((s) => s.length === 44 && s.endsWith('='), 'an X25519 public key is 32 bytes (44 base64 characters)')
  .brand<'X25519PublicKey'>();
export type ExportPublicKey = z.infer<typeof ExportPublicKeySchema>;

/** The largest sealed file accepted: well above a station's day (a few MB), far below memory. */
export const MAX_SEALED_EXPORT_BYTES = 256 * 1024 * 1024;

export const SealedBatchExportSchema = z
  .object({
    format: z.literal(SEALED_EXPORT_FORMAT),
    version: z.literal(BATCH_FORMAT_VERSION),
    election: ElectionIdSchema,
    station: StationIdSchema,
    suite: z.literal(EXPORT_HPKE_SUITE),
    /** HPKE's encapsulated key (the sender's ephemeral X25519 public key), 32 bytes in base64. */
    enc: z.base64().refine((s) => s.length === 44 && s.endsWith('='), 'enc is 32 bytes (44 base64 characters)'),
    /** The sealed signed export (its UTF-8 JSON) and the AES-256-GCM tag, in base64. */
    ciphertext: z
      .base64()
      .min(24, 'the ciphertext holds at least the 16-byte tag')
      .max(Math.ceil(MAX_SEALED_EXPORT_BYTES / 3) * 4),
  })
  .strict();
export type SealedBatchExport = z.infer<typeof SealedBatchExportSchema>;

/** Why a sealed export was not opened. Nothing is imported in any of these cases. */
export type OpenExportError =
  /** A plain (unsealed) export file: format 2 exports are always sealed. */
  | { readonly kind: 'not-sealed' }
  /** Not a sealed export file at all (or of another version). */
  | { readonly kind: 'malformed'; readonly issues: readonly ValidationIssue[] }
  /** The seal does not open: sealed to another central's export key, or changed since it was sealed. */
  | { readonly kind: 'cannot-open' }
  /** The seal opened, but what it held is not a signed batch export. */
  | { readonly kind: 'invalid-contents'; readonly issues: readonly ValidationIssue[] }
  /** The seal opened, but the export inside names another election or station than the file. */
  | { readonly kind: 'label-mismatch' };

/** A message an operator can act on, for each way an export fails to open. */
export function describeOpenExportError(error: OpenExportError): string {
  switch (error.kind) {
    case 'not-sealed':
      return 'This is an unsealed export file: format 2 station exports are sealed to the central export key. Export again from an up-to-date station.';
    case 'malformed':
      return 'This is not a Scrutin sealed export file.';
    case 'cannot-open':
      return "The export file does not open with this central's export key: it was sealed for another central server (check the station's kit) or it was changed after it was written.";
    case 'invalid-contents':
      return 'The export file opened but does not hold a valid signed batch export.';
    case 'label-mismatch':
      return 'The export file opened but its contents name another election or station than its label.';
  }
}

/**
 * `200` to `GET /central-key`: central's receipt key (Ed25519, receipts are signed with it) and
 * its export key (X25519, stations seal their USB exports to it). Both go into every kit.
 */
export const CentralKeysSchema = z
  .object({
    publicKey: PublicKeySchema,
    exportKey: ExportPublicKeySchema,
  })
  .strict();
export type CentralKeys = z.infer<typeof CentralKeysSchema>;
