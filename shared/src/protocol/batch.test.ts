import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newBallotId } from '../ballot/ballot_hash.node.ts';
import { blankBallot, castBallotOf } from '../ballot/ballot.ts';
import { newTrackingCode } from '../ballot/tracking_code.ts';
import { canonicalJson } from '../canonical.ts';
import { sampleElection } from '../election/fixtures/sample_election.ts';
import type { Credential, RidingCode, Sha256Hex, StationId } from '../ids.ts';
import { SignedBatchSchema, type Envelope, type SignedBatch } from './batch.ts';
import {
  batchHash,
  canonicalEnvelopeJson,
  envelopeHash,
  envelopesMerkleRoot,
  generateStationKeyPair,
  merkleRoot,
  publicKeyOf,
  signBatch,
  signReceipt,
  verifyBatch,
  verifyHeader,
  verifyReceipt,
} from './batch_crypto.node.ts';

const election = sampleElection();
const riding = 'ABITIBI-EST' as RidingCode;
const station = 'ST-00004' as StationId;
const keys = generateStationKeyPair();

function credential(): Credential {
  return randomBytes(32).toString('hex') as Credential;
}

function envelopes(n: number): Envelope[] {
  return Array.from({ length: n }, () => ({
    credential: credential(),
    tracking: newTrackingCode(),
    ballot: castBallotOf(blankBallot(election, riding, newBallotId())),
  }));
}

function batch(sequence = 1, previous: Sha256Hex | null = null, final = false): SignedBatch {
  return signBatch(
    { election: election.id, station, mode: 'live', sequence, previousBatchHash: previous, final, envelopes: envelopes(5) },
    keys.privateKeyPem,
  );
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

describe('signed batches (format 2)', () => {
  it('round-trips through JSON and verifies with the station key', () => {
    const signed = batch();
    const parsed = SignedBatchSchema.parse(JSON.parse(JSON.stringify(signed)));
    expect(verifyBatch(parsed, keys.publicKey)).toEqual({ ok: true, value: batchHash(signed.header) });
    expect(publicKeyOf(keys.privateKeyPem)).toBe(keys.publicKey);
    expect(signed.header.merkleRoot).toBe(envelopesMerkleRoot(signed.envelopes));
    expect(signed.header.envelopeCount).toBe(5);
  });

  it('signs the header only: its hash is SHA-256 of the tag and the canonical header, checkable without any envelope', () => {
    const signed = batch(2, batchHash(batch().header), true);
    const direct = createHash('sha256')
      .update(`scrutin/batch/v2\u0000${canonicalJson(signed.header)}`, 'utf8')
      .digest('hex');
    expect(batchHash(signed.header)).toBe(direct);
    expect(verifyHeader(signed.header, signed.signature, keys.publicKey)).toEqual({ ok: true, value: direct });
  });

  it('hashes an envelope as SHA-256 of the tag and its canonical JSON', () => {
    const [e] = envelopes(1);
    const text = canonicalEnvelopeJson(e!);
    expect(text).toBe(canonicalJson(e));
    expect(envelopeHash(e!).toString('hex')).toBe(sha(Buffer.from(`scrutin/envelope/v2\u0000${text}`, 'utf8')).toString('hex'));
  });

  it('chains batches through previousBatchHash', () => {
    const first = batch(1);
    const second = batch(2, batchHash(first.header));
    expect(verifyBatch(second, keys.publicKey).ok).toBe(true);
    expect(verifyBatch(batch(2, null), keys.publicKey)).toEqual({ ok: false, error: { kind: 'chain-broken', sequence: 2 } });
    expect(verifyBatch(batch(1, batchHash(first.header)), keys.publicKey)).toEqual({
      ok: false,
      error: { kind: 'chain-broken', sequence: 1 },
    });
  });

  it('refuses another station’s key', () => {
    expect(verifyBatch(batch(), generateStationKeyPair().publicKey)).toEqual({ ok: false, error: { kind: 'bad-signature' } });
  });

  // Every field of the batch, altered after signing, must be caught.
  const tampers: Record<string, (b: SignedBatch) => SignedBatch> = {
    election: (b) => ({ ...b, header: { ...b.header, election: 'other-election' as SignedBatch['header']['election'] } }),
    station: (b) => ({ ...b, header: { ...b.header, station: 'ST-00005' as StationId } }),
    sequence: (b) => ({ ...b, header: { ...b.header, sequence: 7, previousBatchHash: b.header.merkleRoot } }),
    previousBatchHash: (b) => ({ ...b, header: { ...b.header, sequence: 2, previousBatchHash: b.header.merkleRoot } }),
    final: (b) => ({ ...b, header: { ...b.header, final: !b.header.final } }),
    envelopeCount: (b) => ({ ...b, header: { ...b.header, envelopeCount: 4 } }),
    'an envelope credential': (b) => ({ ...b, envelopes: b.envelopes.map((e, i) => (i === 2 ? { ...e, credential: credential() } : e)) }),
    'an envelope tracking code': (b) => ({
      ...b,
      envelopes: b.envelopes.map((e, i) => (i === 1 ? { ...e, tracking: newTrackingCode() } : e)),
    }),
    'an envelope ballot': (b) => ({
      ...b,
      envelopes: b.envelopes.map((e, i) =>
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
    }),
    'envelope order': (b) => ({ ...b, envelopes: [...b.envelopes].reverse() }),
    'a removed envelope': (b) => ({ ...b, envelopes: b.envelopes.slice(1) }),
    'an added envelope': (b) => ({ ...b, envelopes: [...b.envelopes, ...envelopes(1)] }),
    merkleRoot: (b) => ({ ...b, header: { ...b.header, merkleRoot: credential() as string as Sha256Hex } }),
    mode: (b) => ({ ...b, header: { ...b.header, mode: b.header.mode === 'live' ? 'test' : 'live' } }),
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

  it('refuses envelopes that are not the ones the signed header names', () => {
    const signed = batch();
    const swapped: SignedBatch = { ...signed, envelopes: envelopes(5) };
    expect(verifyBatch(swapped, keys.publicKey)).toMatchObject({ ok: false, error: { kind: 'merkle-root-mismatch' } });
    const short: SignedBatch = { ...signed, envelopes: signed.envelopes.slice(1) };
    expect(verifyBatch(short, keys.publicKey)).toEqual({ ok: false, error: { kind: 'envelope-count-mismatch', header: 5, actual: 4 } });
  });

  it('gives every envelope its own hash even with identical choices', () => {
    const [a, b] = envelopes(2);
    expect(envelopeHash(a!).equals(envelopeHash(b!))).toBe(false);
  });

  it('refuses malformed batches, and any field the format does not define, at the schema', () => {
    const signed = batch();
    const refused = (value: unknown) => {
      expect(SignedBatchSchema.safeParse(value).success).toBe(false);
    };
    refused({ ...signed, signature: 'abc' });
    refused({ ...signed, envelopes: [] });
    refused({ ...signed, header: { ...signed.header, sequence: 0 } });
    refused({ ...signed, header: { ...signed.header, sequence: 1_000_001 } });
    refused({ ...signed, header: { ...signed.header, sequence: 2 ** 31 } });
    refused({ ...signed, header: { ...signed.header, version: 1 } });
    refused({ ...signed, extra: true });
    refused({ ...signed, header: { ...signed.header, note: 'x' } });
    // The mode is required and only test or live: a header cannot leave it out or invent one.
    refused({ ...signed, header: { ...signed.header, mode: undefined } });
    refused({ ...signed, header: { ...signed.header, mode: 'demo' } });
    refused({ ...signed, header: { ...signed.header, mode: 'LIVE' } });
    refused({ ...signed, envelopes: signed.envelopes.map((e, i) => (i === 0 ? { ...e, nas: '046454286' } : e)) });
    refused({ ...signed, envelopes: signed.envelopes.map((e, i) => (i === 0 ? { ...e, ballot: { ...e.ballot, id: newBallotId() } } : e)) });
    refused({ ...signed, envelopes: signed.envelopes.map((e, i) => (i === 0 ? { ...e, tracking: 'ILOU00000000' } : e)) });
  });
});

describe('central receipts', () => {
  it('are deterministic, verify with the central key and fail when any field changes', () => {
    const central = generateStationKeyPair();
    const signed = batch();
    const body = {
      version: 2 as const,
      election: election.id,
      station,
      sequence: 1,
      batchHash: batchHash(signed.header),
      envelopeCount: 5,
      receivedAt: '2026-10-05T21:31:00.000Z',
    };
    const receipt = signReceipt(body, central.privateKeyPem);
    expect(signReceipt(body, central.privateKeyPem)).toEqual(receipt);
    expect(verifyReceipt(receipt, central.publicKey)).toBe(true);
    expect(verifyReceipt(receipt, keys.publicKey)).toBe(false);
    expect(verifyReceipt({ ...receipt, body: { ...body, envelopeCount: 4 } }, central.publicKey)).toBe(false);
    expect(verifyReceipt({ ...receipt, body: { ...body, sequence: 2 } }, central.publicKey)).toBe(false);
  });
});
