import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newBallotId } from '../ballot/ballot_hash.node.ts';
import { blankBallot } from '../ballot/ballot.ts';
import { sampleElection } from '../election/fixtures/sample_election.ts';
import type { CredentialHash, RidingCode, Sha256Hex, StationId } from '../ids.ts';
import { SignedBatchSchema, type Envelope, type SignedBatch } from './batch.ts';
import {
  batchHash,
  envelopeHash,
  envelopesMerkleRoot,
  generateStationKeyPair,
  merkleRoot,
  publicKeyOf,
  signBatch,
  verifyBatch,
} from './batch_crypto.node.ts';

const election = sampleElection();
const riding = 'ABITIBI-EST' as RidingCode;
const station = 'ST-00004' as StationId;
const keys = generateStationKeyPair();

function credential(n: number): CredentialHash {
  return createHash('sha256').update(`voter ${n}`).digest('hex') as CredentialHash;
}

function envelopes(n: number): Envelope[] {
  return Array.from({ length: n }, (_, i) => ({ credentialHash: credential(i), ballot: blankBallot(election, riding, newBallotId()) }));
}

function batch(sequence = 1, previous: Sha256Hex | null = null): SignedBatch {
  return signBatch({ election: election.id, station, sequence, previousBatchHash: previous, envelopes: envelopes(5) }, keys.privateKeyPem);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest();

describe('Merkle root (RFC 6962 shape)', () => {
  it('hashes one leaf as SHA-256(0x00 ‖ h) and splits at the largest power of two', () => {
    const [a, b, c] = [sha(Buffer.from('a')), sha(Buffer.from('b')), sha(Buffer.from('c'))];
    const leaf = (h: Buffer) => sha(Buffer.concat([Buffer.of(0), h]));
    const node = (l: Buffer, r: Buffer) => sha(Buffer.concat([Buffer.of(1), l, r]));
    expect(merkleRoot([a])).toBe(leaf(a).toString('hex'));
    expect(merkleRoot([a, b, c])).toBe(node(node(leaf(a), leaf(b)), leaf(c)).toString('hex'));
    expect(merkleRoot([a, b, c])).not.toBe(merkleRoot([b, a, c]));
    expect(() => merkleRoot([])).toThrow();
  });
});

describe('signed batches', () => {
  it('round-trips through JSON and verifies with the station key', () => {
    const signed = batch();
    const parsed = SignedBatchSchema.parse(JSON.parse(JSON.stringify(signed)));
    expect(verifyBatch(parsed, keys.publicKey)).toEqual({ ok: true, value: batchHash(signed.body) });
    expect(publicKeyOf(keys.privateKeyPem)).toBe(keys.publicKey);
    expect(signed.body.merkleRoot).toBe(envelopesMerkleRoot(signed.body.envelopes));
  });

  it('chains batches through previousBatchHash', () => {
    const first = batch(1);
    const second = batch(2, batchHash(first.body));
    expect(verifyBatch(second, keys.publicKey).ok).toBe(true);
    expect(verifyBatch(batch(2, null), keys.publicKey)).toEqual({ ok: false, error: { kind: 'chain-broken', sequence: 2 } });
    expect(verifyBatch(batch(1, batchHash(first.body)), keys.publicKey)).toEqual({
      ok: false,
      error: { kind: 'chain-broken', sequence: 1 },
    });
  });

  it('refuses another station’s key', () => {
    expect(verifyBatch(batch(), generateStationKeyPair().publicKey)).toEqual({ ok: false, error: { kind: 'bad-signature' } });
  });

  // Every field of the batch, altered after signing, must be caught.
  const tampers: Record<string, (b: SignedBatch) => SignedBatch> = {
    election: (b) => ({ ...b, body: { ...b.body, election: 'other-election' as SignedBatch['body']['election'] } }),
    station: (b) => ({ ...b, body: { ...b.body, station: 'ST-00005' as StationId } }),
    sequence: (b) => ({ ...b, body: { ...b.body, sequence: 7, previousBatchHash: b.body.merkleRoot } }),
    previousBatchHash: (b) => ({ ...b, body: { ...b.body, sequence: 2, previousBatchHash: b.body.merkleRoot } }),
    'an envelope credential': (b) => ({
      ...b,
      body: { ...b.body, envelopes: b.body.envelopes.map((e, i) => (i === 2 ? { ...e, credentialHash: credential(99) } : e)) },
    }),
    'an envelope ballot': (b) => ({
      ...b,
      body: {
        ...b.body,
        envelopes: b.body.envelopes.map((e, i) =>
          i === 0
            ? {
                ...e,
                ballot: {
                  ...e.ballot,
                  selections: [
                    { kind: 'referendum', contest: e.ballot.selections[0]!.contest, choice: 'non' },
                    ...e.ballot.selections.slice(1),
                  ],
                },
              }
            : e,
        ),
      },
    }),
    'envelope order': (b) => ({ ...b, body: { ...b.body, envelopes: [...b.body.envelopes].reverse() } }),
    'a removed envelope': (b) => ({ ...b, body: { ...b.body, envelopes: b.body.envelopes.slice(1) } }),
    'an added envelope': (b) => ({ ...b, body: { ...b.body, envelopes: [...b.body.envelopes, ...envelopes(1)] } }),
    merkleRoot: (b) => ({ ...b, body: { ...b.body, merkleRoot: credential(1) as string as Sha256Hex } }),
    signature: (b) => ({
      ...b,
      signature: Buffer.from(Buffer.from(b.signature, 'base64').map((x, i) => (i === 10 ? x ^ 1 : x))).toString('base64'),
    }),
  };

  for (const [field, tamper] of Object.entries(tampers)) {
    it(`detects tampering with ${field}`, () => {
      const signed = batch();
      const tampered = tamper(signed);
      expect(JSON.stringify(tampered)).not.toBe(JSON.stringify(signed));
      const result = verifyBatch(tampered, keys.publicKey);
      expect(result.ok).toBe(false);
    });
  }

  it('refuses a Merkle root that does not match even when the signature covers it', () => {
    const signed = batch();
    const recomputed = signBatch({ ...signed.body, envelopes: signed.body.envelopes.slice(1) }, keys.privateKeyPem);
    const forged: SignedBatch = { body: { ...recomputed.body, merkleRoot: signed.body.merkleRoot }, signature: recomputed.signature };
    expect(verifyBatch(forged, keys.publicKey)).toMatchObject({ ok: false, error: { kind: 'merkle-root-mismatch' } });
  });

  it('gives every envelope its own hash even with identical choices', () => {
    const [a, b] = envelopes(2);
    expect(envelopeHash(a!).equals(envelopeHash(b!))).toBe(false);
  });

  it('rejects malformed batches at the schema', () => {
    const signed = batch();
    expect(SignedBatchSchema.safeParse({ ...signed, signature: 'abc' }).success).toBe(false);
    expect(SignedBatchSchema.safeParse({ ...signed, body: { ...signed.body, envelopes: [] } }).success).toBe(false);
    expect(SignedBatchSchema.safeParse({ ...signed, body: { ...signed.body, sequence: 0 } }).success).toBe(false);
    expect(SignedBatchSchema.safeParse({ ...signed, body: { ...signed.body, version: 2 } }).success).toBe(false);
  });
});

describe('central receipts', () => {
  it('are deterministic, verify with the central key and fail when any field changes', async () => {
    const { signReceipt, verifyReceipt } = await import('./batch_crypto.node.ts');
    const central = generateStationKeyPair();
    const signed = batch();
    const body = {
      version: 1 as const,
      election: election.id,
      station,
      sequence: 1,
      batchHash: batchHash(signed.body),
      envelopes: 5,
      receivedAt: '2026-10-05T21:31:00.000Z',
    };
    const receipt = signReceipt(body, central.privateKeyPem);
    expect(signReceipt(body, central.privateKeyPem)).toEqual(receipt);
    expect(verifyReceipt(receipt, central.publicKey)).toBe(true);
    expect(verifyReceipt(receipt, keys.publicKey)).toBe(false);
    expect(verifyReceipt({ ...receipt, body: { ...body, envelopes: 4 } }, central.publicKey)).toBe(false);
    expect(verifyReceipt({ ...receipt, body: { ...body, sequence: 2 } }, central.publicKey)).toBe(false);
  });
});

describe('the single-pass canonical body', () => {
  it('is byte for byte RFC 8785 of the whole body', async () => {
    const { canonicalJson } = await import('../canonical.ts');
    for (let n = 1; n <= 40; n += 13) {
      const signed = signBatch(
        { election: election.id, station, sequence: 2, previousBatchHash: batchHash(batch().body), envelopes: envelopes(n) },
        keys.privateKeyPem,
      );
      const direct = createHash('sha256')
        .update(`scrutin/batch/v1\u0000${canonicalJson(signed.body)}`, 'utf8')
        .digest('hex');
      expect(batchHash(signed.body)).toBe(direct);
      expect(verifyBatch(signed, keys.publicKey)).toEqual({ ok: true, value: direct });
    }
  });
});
