import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import type {} from './webcrypto_types.node.ts';
import { canonicalBytes } from '../canonical.ts';
import { err, ok, type Result } from '../result.ts';
import { issuesOf } from '../validation.ts';
import { BATCH_FORMAT_VERSION, SignedBatchExportSchema, type SignedBatchExport } from './batch.ts';
import {
  EXPORT_HPKE_SUITE,
  ExportPublicKeySchema,
  SEALED_EXPORT_FORMAT,
  SealedBatchExportSchema,
  type ExportPublicKey,
  type OpenExportError,
  type SealedBatchExport,
} from './export_sealing.ts';

/**
 * Sealing a station's USB export to central's export key, and opening it centrally
 * (export_sealing.ts has the file's shape). HPKE (RFC 9180) in base mode with
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-256-GCM, by `@hpke/core` on WebCrypto.
 *
 * - `info` (in the key schedule) is the tag `scrutin/sealed-export/v2`;
 * - the AEAD's associated data is the tag, 0x00 and the canonical JSON (RFC 8785) of the
 *   label outside the seal: `{election, format, station, suite, version}`. A label changed on
 *   the stick makes the seal refuse to open, and the opened export must name the same
 *   election and station;
 * - the plaintext is the signed export's UTF-8 JSON: the station's signature inside
 *   authenticates the station, the seal hides the contents.
 *
 * Each seal uses a fresh ephemeral key (`enc`), so two exports of the same batches differ.
 */
export const SEALED_EXPORT_TAG = 'scrutin/sealed-export/v2';

const suite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const INFO = new TextEncoder().encode(SEALED_EXPORT_TAG);

/** Central's export key pair: the public half goes into every station kit, the private half opens exports. */
export interface ExportKeyPair {
  readonly publicKey: ExportPublicKey;
  /** PKCS#8 PEM of the X25519 private key (CENTRAL_EXPORT_KEY). */
  readonly privateKeyPem: string;
}

export function generateExportKeyPair(): ExportKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicKey: rawPublicKey(publicKey), privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

/**
 * The public half of an export private key (PKCS#8 PEM), or why it is not one. Used to check
 * CENTRAL_EXPORT_KEY at start-up.
 */
export function exportPublicKeyOf(privateKeyPem: string): Result<ExportPublicKey, string> {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (error) {
    return err(`not a PKCS#8 private key: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (key.asymmetricKeyType !== 'x25519') return err(`an export key is an X25519 key, not ${key.asymmetricKeyType ?? 'a symmetric key'}`);
  return ok(rawPublicKey(createPublicKey(key)));
}

function rawPublicKey(key: KeyObject): ExportPublicKey {
  const { x } = key.export({ format: 'jwk' });
  if (x === undefined) throw new Error('not an X25519 public key');
  return ExportPublicKeySchema.parse(Buffer.from(x, 'base64url').toString('base64'));
}

function rawPrivateKey(privateKeyPem: string): Uint8Array {
  const { d } = createPrivateKey(privateKeyPem).export({ format: 'jwk' });
  if (d === undefined) throw new Error('not an X25519 private key');
  return new Uint8Array(Buffer.from(d, 'base64url'));
}

type Label = Pick<SealedBatchExport, 'format' | 'version' | 'election' | 'station' | 'suite'>;

function associatedData(label: Label): Uint8Array {
  const { format, version, election, station, suite: name } = label;
  return new Uint8Array(
    Buffer.concat([Buffer.from(`${SEALED_EXPORT_TAG}\u0000`, 'utf8'), canonicalBytes({ election, format, station, suite: name, version })]),
  );
}

/** Seals a signed export to central's export key: what the station writes to the stick. */
export async function sealBatchExport(signedExport: SignedBatchExport, centralExportKey: ExportPublicKey): Promise<SealedBatchExport> {
  const label: Label = {
    format: SEALED_EXPORT_FORMAT,
    version: BATCH_FORMAT_VERSION,
    election: signedExport.body.election,
    station: signedExport.body.station,
    suite: EXPORT_HPKE_SUITE,
  };
  const recipientPublicKey = await suite.kem.deserializePublicKey(new Uint8Array(Buffer.from(centralExportKey, 'base64')));
  const sender = await suite.createSenderContext({ recipientPublicKey, info: INFO });
  const plaintext = new TextEncoder().encode(JSON.stringify(signedExport));
  const ciphertext = await sender.seal(toArrayBuffer(plaintext), toArrayBuffer(associatedData(label)));
  return { ...label, enc: Buffer.from(sender.enc).toString('base64'), ciphertext: Buffer.from(ciphertext).toString('base64') };
}

/**
 * Opens a sealed export with central's export private key (PKCS#8 PEM). The signed export
 * inside is parsed with its schema; its station signature is for the importer to check
 * against the enrolled key (sync/import.ts), as for any export.
 */
export async function openBatchExport(
  file: unknown,
  centralExportPrivateKeyPem: string,
): Promise<Result<SignedBatchExport, OpenExportError>> {
  if (SignedBatchExportSchema.safeParse(file).success || isPlainExport(file)) return err({ kind: 'not-sealed' });
  const parsed = SealedBatchExportSchema.safeParse(file);
  if (!parsed.success) return err({ kind: 'malformed', issues: issuesOf(parsed.error) });
  const sealed = parsed.data;
  const recipientKey = await suite.kem.importKey('raw', toArrayBuffer(rawPrivateKey(centralExportPrivateKeyPem)), false);
  let plaintext: ArrayBuffer;
  try {
    const recipient = await suite.createRecipientContext({
      recipientKey,
      enc: toArrayBuffer(Buffer.from(sealed.enc, 'base64')),
      info: INFO,
    });
    plaintext = await recipient.open(toArrayBuffer(Buffer.from(sealed.ciphertext, 'base64')), toArrayBuffer(associatedData(sealed)));
  } catch {
    // A wrong key and a changed byte look the same to AEAD: both fail authentication.
    return err({ kind: 'cannot-open' });
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch (error) {
    return err({ kind: 'invalid-contents', issues: [{ path: '(root)', message: error instanceof Error ? error.message : String(error) }] });
  }
  const inner = SignedBatchExportSchema.safeParse(json);
  if (!inner.success) return err({ kind: 'invalid-contents', issues: issuesOf(inner.error) });
  if (inner.data.body.election !== sealed.election || inner.data.body.station !== sealed.station) return err({ kind: 'label-mismatch' });
  return ok(inner.data);
}

/** A format 1 or 2 plain export, even one that no longer parses: the operator is told what it is. */
function isPlainExport(file: unknown): boolean {
  if (typeof file !== 'object' || file === null) return false;
  const body = (file as { body?: unknown }).body;
  return typeof body === 'object' && body !== null && (body as { format?: unknown }).format === 'scrutin-batch-export';
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
