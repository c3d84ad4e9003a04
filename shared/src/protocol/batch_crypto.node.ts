import { createHash, createPrivateKey, hash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalCastBallotJson } from '../ballot/canonical_ballot.ts';
import { canonicalBytes, canonicalJson } from '../canonical.ts';
import type { Sha256Hex, StationId } from '../ids.ts';
import { err, ok, type Result } from '../result.ts';
import { BATCH_FORMAT_VERSION } from './batch.ts';
import type {
  BatchHeader,
  BatchExportBody,
  Envelope,
  PublicKey,
  ReceiptBody,
  SignedBatch,
  SignedBatchExport,
  SignedReceipt,
} from './batch.ts';

export const ENVELOPE_TAG = 'scrutin/envelope/v2';
export const BATCH_TAG = 'scrutin/batch/v2';
export const RECEIPT_TAG = 'scrutin/receipt/v2';
export const EXPORT_TAG = 'scrutin/batch-export/v2';
const MERKLE_LEAF = Buffer.of(0);
const MERKLE_NODE = Buffer.of(1);
const ENVELOPE_PREFIX = Buffer.from(`${ENVELOPE_TAG}\u0000`, 'utf8');
const BATCH_PREFIX = Buffer.from(`${BATCH_TAG}\u0000`, 'utf8');

/**
 * An envelope's canonical JSON (RFC 8785): keys `ballot`, `credential`, `tracking`, the ballot
 * canonical too. Written directly (the credential and the tracking code are schema-checked
 * hex and Crockford characters, which need no escaping).
 */
export function canonicalEnvelopeJson(envelope: Envelope): string {
  return `{"ballot":${canonicalCastBallotJson(envelope.ballot)},"credential":${JSON.stringify(envelope.credential)},"tracking":${JSON.stringify(envelope.tracking)}}`;
}

/** SHA-256 over the tag, 0x00 and the envelope's canonical JSON: a Merkle leaf of its batch. */
export function envelopeHash(envelope: Envelope): Buffer {
  return envelopeHashOfCanonical(canonicalEnvelopeJson(envelope));
}

export function envelopeHashOfCanonical(canonical: string): Buffer {
  // Written into one reused buffer rather than concatenated: this runs for every envelope of
  // every batch, sealed or verified.
  const most = ENVELOPE_PREFIX.length + canonical.length * 3;
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, 2 * scratch.length));
  let at = ENVELOPE_PREFIX.copy(scratch, 0);
  at += scratch.write(canonical, at, 'utf8');
  return sha256(scratch.subarray(0, at));
}
let scratch = Buffer.allocUnsafe(4096);

/** One-shot SHA-256: several times cheaper than a Hash object for the many small inputs here. */
function sha256(bytes: Buffer): Buffer {
  return hash('sha256', bytes, 'buffer');
}

/**
 * Merkle tree hash as in RFC 6962 §2.1 over the envelope hashes, in order: a leaf is
 * SHA-256(0x00 ‖ h), a node SHA-256(0x01 ‖ left ‖ right), and a list of n > 1 items splits
 * at the largest power of two below n. One envelope can then be proved part of a batch.
 */
export function merkleRoot(leaves: readonly Buffer[]): Sha256Hex {
  if (leaves.length === 0) throw new Error('merkleRoot of an empty list');
  const hashed = leaves.map((h) => sha256(prefixed(MERKLE_LEAF, h)));
  return merkleTreeHash(hashed, 0, hashed.length).toString('hex') as Sha256Hex;
}

function merkleTreeHash(nodes: readonly Buffer[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 1) return nodes[from] as Buffer;
  let split = 1;
  while (split * 2 < n) split *= 2;
  const left = merkleTreeHash(nodes, from, from + split);
  const right = merkleTreeHash(nodes, from + split, to);
  return sha256(prefixed(MERKLE_NODE, left, right));
}

/** tag ‖ parts in the reused buffer (valid until the next call). */
function prefixed(tag: Buffer, first: Buffer, second?: Buffer): Buffer {
  const size = tag.length + first.length + (second?.length ?? 0);
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, 2 * scratch.length));
  let at = tag.copy(scratch, 0);
  at += first.copy(scratch, at);
  if (second !== undefined) at += second.copy(scratch, at);
  return scratch.subarray(0, at);
}

export function envelopesMerkleRoot(envelopes: readonly Envelope[]): Sha256Hex {
  return merkleRoot(envelopes.map(envelopeHash));
}

/** The bytes a station signs: the tag, 0x00 and the canonical header. */
export function headerSigningBytes(header: BatchHeader): Buffer {
  return Buffer.concat([BATCH_PREFIX, canonicalBytes(header)]);
}

/**
 * The batch's identity: chains batches (previousBatchHash) and detects equivocation. It is
 * the SHA-256 of exactly the bytes the station signs, so it commits to the envelopes through
 * the Merkle root.
 */
export function batchHash(header: BatchHeader): Sha256Hex {
  return createHash('sha256').update(headerSigningBytes(header)).digest('hex') as Sha256Hex;
}

export interface StationKeyPair {
  readonly publicKey: PublicKey;
  /** PKCS#8 PEM. Never leaves the station's storage. */
  readonly privateKeyPem: string;
}

export function generateStationKeyPair(): StationKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: exportPublicKey(publicKey),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

function exportPublicKey(key: KeyObject): PublicKey {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.x === undefined) throw new Error('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url').toString('base64') as PublicKey;
}

export function publicKeyOf(privateKeyPem: string): PublicKey {
  return exportPublicKey(createPublicKey(importPrivateKey(privateKeyPem)));
}

/** Parsed keys are cached: a server verifies and signs with the same few keys all day. */
const publicKeys = new Map<string, KeyObject>();
const privateKeys = new Map<string, KeyObject>();
const KEY_CACHE_LIMIT = 50_000;

function cached(cache: Map<string, KeyObject>, key: string, make: () => KeyObject): KeyObject {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    if (cache.size >= KEY_CACHE_LIMIT) cache.clear();
    cache.set(key, value);
  }
  return value;
}

function importPublicKey(publicKey: PublicKey): KeyObject {
  return cached(publicKeys, publicKey, () => {
    const x = Buffer.from(publicKey, 'base64').toString('base64url');
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  });
}

function importPrivateKey(privateKeyPem: string): KeyObject {
  return cached(privateKeys, privateKeyPem, () => createPrivateKey(privateKeyPem));
}

export interface UnsignedBatch {
  readonly election: BatchHeader['election'];
  readonly station: StationId;
  /** The election's mode, from the station's kit. */
  readonly mode: BatchHeader['mode'];
  readonly sequence: number;
  readonly previousBatchHash: Sha256Hex | null;
  readonly final: boolean;
  readonly envelopes: readonly Envelope[];
}

/** Builds the header (with its Merkle root and count) and signs it with the station's key. */
export function signBatch(batch: UnsignedBatch, privateKeyPem: string): SignedBatch {
  const header: BatchHeader = {
    version: BATCH_FORMAT_VERSION,
    election: batch.election,
    station: batch.station,
    mode: batch.mode,
    sequence: batch.sequence,
    previousBatchHash: batch.previousBatchHash,
    merkleRoot: envelopesMerkleRoot(batch.envelopes),
    envelopeCount: batch.envelopes.length,
    final: batch.final,
  };
  const signature = sign(null, headerSigningBytes(header), importPrivateKey(privateKeyPem)).toString('base64');
  return { header, signature, envelopes: [...batch.envelopes] };
}

export type BatchVerificationError =
  | { readonly kind: 'merkle-root-mismatch'; readonly expected: Sha256Hex; readonly actual: Sha256Hex }
  | { readonly kind: 'envelope-count-mismatch'; readonly header: number; readonly actual: number }
  | { readonly kind: 'bad-signature' }
  | { readonly kind: 'chain-broken'; readonly sequence: number }
  | { readonly kind: 'bad-public-key' };

/**
 * The cheap half of the checks, before any per-envelope work: the header's chain shape and the
 * station's signature over it. Resolves to the batch hash.
 */
export function verifyHeader(header: BatchHeader, signature: string, publicKey: PublicKey): Result<Sha256Hex, BatchVerificationError> {
  if ((header.sequence === 1) !== (header.previousBatchHash === null)) {
    return err({ kind: 'chain-broken', sequence: header.sequence });
  }
  let key: KeyObject;
  try {
    key = importPublicKey(publicKey);
  } catch {
    return err({ kind: 'bad-public-key' });
  }
  const bytes = headerSigningBytes(header);
  if (!verify(null, bytes, key, Buffer.from(signature, 'base64'))) return err({ kind: 'bad-signature' });
  return ok(createHash('sha256').update(bytes).digest('hex') as Sha256Hex);
}

/**
 * The envelopes are the ones the header names: as many, and with its Merkle root. Resolves to
 * each envelope's canonical JSON (what the queue carries).
 */
export function verifyEnvelopes(batch: SignedBatch): Result<string[], BatchVerificationError> {
  const { header, envelopes } = batch;
  if (envelopes.length !== header.envelopeCount) {
    return err({ kind: 'envelope-count-mismatch', header: header.envelopeCount, actual: envelopes.length });
  }
  const canonical = envelopes.map(canonicalEnvelopeJson);
  const root = merkleRoot(canonical.map(envelopeHashOfCanonical));
  if (root !== header.merkleRoot) return err({ kind: 'merkle-root-mismatch', expected: root, actual: header.merkleRoot });
  return ok(canonical);
}

/** Both halves: the signature over the header, then the envelopes against it. Resolves to the batch hash. */
export function verifyBatch(batch: SignedBatch, publicKey: PublicKey): Result<Sha256Hex, BatchVerificationError> {
  const header = verifyHeader(batch.header, batch.signature, publicKey);
  if (!header.ok) return header;
  const envelopes = verifyEnvelopes(batch);
  return envelopes.ok ? header : envelopes;
}

function receiptSigningBytes(body: ReceiptBody): Buffer {
  return Buffer.concat([Buffer.from(RECEIPT_TAG, 'utf8'), Buffer.of(0), canonicalBytes(body)]);
}

/** Signs a receipt with the central key. Ed25519 is deterministic: same body, same receipt. */
export function signReceipt(body: ReceiptBody, centralPrivateKeyPem: string): SignedReceipt {
  return { body, signature: sign(null, receiptSigningBytes(body), importPrivateKey(centralPrivateKeyPem)).toString('base64') };
}

/** Whether `receipt` was signed by the central key. A station checks it before marking a batch synced. */
export function verifyReceipt(receipt: SignedReceipt, centralPublicKey: PublicKey): boolean {
  try {
    return verify(null, receiptSigningBytes(receipt.body), importPublicKey(centralPublicKey), Buffer.from(receipt.signature, 'base64'));
  } catch {
    return false;
  }
}

function exportSigningBytes(body: BatchExportBody): Buffer {
  return Buffer.concat([Buffer.from(EXPORT_TAG, 'utf8'), Buffer.of(0), Buffer.from(canonicalJson(body), 'utf8')]);
}

/** Signs a station's export file with the station key. */
export function signBatchExport(body: BatchExportBody, privateKeyPem: string): SignedBatchExport {
  return { body, signature: sign(null, exportSigningBytes(body), importPrivateKey(privateKeyPem)).toString('base64') };
}

export function verifyBatchExport(file: SignedBatchExport, stationPublicKey: PublicKey): boolean {
  try {
    return verify(null, exportSigningBytes(file.body), importPublicKey(stationPublicKey), Buffer.from(file.signature, 'base64'));
  } catch {
    return false;
  }
}
