import { createHash, createPrivateKey, hash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalBallot } from '../ballot/ballot_hash.node.ts';
import { canonicalBallotJson } from '../ballot/canonical_ballot.ts';
import { canonicalBytes, canonicalJson } from '../canonical.ts';
import type { Sha256Hex, StationId } from '../ids.ts';
import { err, ok, type Result } from '../result.ts';
import type {
  BatchBody,
  BatchExportBody,
  Envelope,
  PublicKey,
  ReceiptBody,
  SignedBatch,
  SignedBatchExport,
  SignedReceipt,
} from './batch.ts';

export const ENVELOPE_TAG = 'scrutin/envelope/v1';
export const BATCH_TAG = 'scrutin/batch/v1';
export const RECEIPT_TAG = 'scrutin/receipt/v1';
export const EXPORT_TAG = 'scrutin/batch-export/v1';
const MERKLE_LEAF = Buffer.of(0);
const MERKLE_NODE = Buffer.of(1);

/** SHA-256 over the tag, the credential hash and the canonical ballot. */
export function envelopeHash(envelope: Envelope): Buffer {
  return envelopeHashOf(envelope.credentialHash, canonicalBallot(envelope.ballot));
}

function envelopeHashOf(credentialHash: string, canonicalBallotBytes: Buffer | string): Buffer {
  // Written into one reused buffer rather than concatenated: this runs for every envelope of
  // every batch, signed or verified. The bytes are exactly prefix ‖ hex-decoded credential ‖ ballot.
  const most =
    ENVELOPE_PREFIX.length +
    credentialHash.length +
    (typeof canonicalBallotBytes === 'string' ? canonicalBallotBytes.length * 3 : canonicalBallotBytes.length);
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, 2 * scratch.length));
  let at = ENVELOPE_PREFIX.copy(scratch, 0);
  at += scratch.write(credentialHash, at, 'hex');
  at += typeof canonicalBallotBytes === 'string' ? scratch.write(canonicalBallotBytes, at, 'utf8') : canonicalBallotBytes.copy(scratch, at);
  return sha256(scratch.subarray(0, at));
}
let scratch = Buffer.allocUnsafe(4096);

/** One-shot SHA-256: several times cheaper than a Hash object for the many small inputs here. */
function sha256(bytes: Buffer): Buffer {
  return hash('sha256', bytes, 'buffer');
}
const ENVELOPE_PREFIX = Buffer.from(`${ENVELOPE_TAG}\u0000`, 'utf8');

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

/**
 * A batch body canonicalised once: each ballot's canonical JSON serves both its envelope
 * hash and the body's canonical form (which it is a part of), so a batch of 1,000 ballots
 * is encoded once, not twice.
 */
interface CanonicalBatch {
  readonly ballots: readonly string[];
  readonly signingBytes: Buffer;
}

function canonicalBatch(body: BatchBody): CanonicalBatch {
  const ballots = body.envelopes.map((e) => canonicalBallotJson(e.ballot));
  // RFC 8785 key order inside an envelope: "ballot" < "credentialHash".
  const envelopes = body.envelopes
    .map((e, i) => `{"ballot":${ballots[i] ?? ''},"credentialHash":${JSON.stringify(e.credentialHash)}}`)
    .join(',');
  const frame = canonicalJson({ ...body, envelopes: [] });
  const text = frame.replace('"envelopes":[]', () => `"envelopes":[${envelopes}]`);
  return { ballots, signingBytes: Buffer.concat([BATCH_PREFIX, Buffer.from(text, 'utf8')]) };
}

/** The bytes a station signs: the tag, 0x00 and the canonical batch body. */
function batchSigningBytes(body: BatchBody): Buffer {
  return canonicalBatch(body).signingBytes;
}
const BATCH_PREFIX = Buffer.from(`${BATCH_TAG}\u0000`, 'utf8');

/**
 * The batch's identity: chains batches (previousBatchHash) and detects equivocation. It is
 * the SHA-256 of exactly the bytes the station signs.
 */
export function batchHash(body: BatchBody): Sha256Hex {
  return hashOfSigningBytes(batchSigningBytes(body));
}

function hashOfSigningBytes(bytes: Buffer): Sha256Hex {
  return createHash('sha256').update(bytes).digest('hex') as Sha256Hex;
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
  readonly election: BatchBody['election'];
  readonly station: StationId;
  readonly sequence: number;
  readonly previousBatchHash: Sha256Hex | null;
  readonly envelopes: readonly Envelope[];
}

/** Builds the body (with its Merkle root) and signs it with the station's key. */
export function signBatch(batch: UnsignedBatch, privateKeyPem: string): SignedBatch {
  const body: BatchBody = {
    version: 1,
    election: batch.election,
    station: batch.station,
    sequence: batch.sequence,
    previousBatchHash: batch.previousBatchHash,
    envelopes: [...batch.envelopes],
    merkleRoot: envelopesMerkleRoot(batch.envelopes),
  };
  const signature = sign(null, batchSigningBytes(body), importPrivateKey(privateKeyPem)).toString('base64');
  return { body, signature };
}

export type BatchVerificationError =
  | { readonly kind: 'merkle-root-mismatch'; readonly expected: Sha256Hex; readonly actual: Sha256Hex }
  | { readonly kind: 'bad-signature' }
  | { readonly kind: 'chain-broken'; readonly sequence: number }
  | { readonly kind: 'bad-public-key' };

/**
 * Checks a schema-valid batch: the Merkle root matches its envelopes and the signature is the
 * station key's over the canonical body. Chain checks (previousBatchHash) need the station's
 * history and belong to the caller.
 */
export function verifyBatch(batch: SignedBatch, publicKey: PublicKey): Result<Sha256Hex, BatchVerificationError> {
  const { body } = batch;
  if ((body.sequence === 1) !== (body.previousBatchHash === null)) {
    return err({ kind: 'chain-broken', sequence: body.sequence });
  }
  const canonical = canonicalBatch(body);
  const root = merkleRoot(body.envelopes.map((e, i) => envelopeHashOf(e.credentialHash, canonical.ballots[i] ?? '')));
  if (root !== body.merkleRoot) return err({ kind: 'merkle-root-mismatch', expected: root, actual: body.merkleRoot });
  let key: KeyObject;
  try {
    key = importPublicKey(publicKey);
  } catch {
    return err({ kind: 'bad-public-key' });
  }
  const valid = verify(null, canonical.signingBytes, key, Buffer.from(batch.signature, 'base64'));
  return valid ? ok(hashOfSigningBytes(canonical.signingBytes)) : err({ kind: 'bad-signature' });
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
