import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CastBallot, Selection } from '../ballot/ballot.ts';
import { newTrackingCode } from '../ballot/tracking_code.ts';
import { ballotStyle } from '../election/election.ts';
import { sampleElection } from '../election/fixtures/sample_election.ts';
import type { Credential, RidingCode, StationId } from '../ids.ts';
import type { Envelope, SignedBatchExport } from './batch.ts';
import { generateStationKeyPair, signBatch, signBatchExport, verifyBatchExport } from './batch_crypto.node.ts';
import { SealedBatchExportSchema, describeOpenExportError, type SealedBatchExport } from './export_sealing.ts';
import { exportPublicKeyOf, generateExportKeyPair, openBatchExport, sealBatchExport } from './export_sealing.node.ts';

const election = sampleElection();
const riding = 'ABITIBI-OUEST' as RidingCode;
const station = 'ST-00001' as StationId;
const stationKeys = generateStationKeyPair();
const central = generateExportKeyPair();

/** A ballot that chooses the last candidate of each contest and ranks every candidate: its ids are all in the plaintext. */
function markedBallot(): CastBallot {
  const selections = ballotStyle(election, riding).map((c): Selection => {
    if (c.kind === 'referendum') return { kind: 'referendum', contest: c.id, choice: 'oui' };
    const ids = c.candidates.map((k) => k.id);
    return c.method === 'irv'
      ? { kind: 'ranked', contest: c.id, ranking: ids }
      : { kind: 'plurality', contest: c.id, choice: ids[ids.length - 1] ?? null };
  });
  return { election: election.id, riding, selections };
}

function envelopes(n: number): Envelope[] {
  return Array.from({ length: n }, () => ({
    credential: randomBytes(32).toString('hex') as Credential,
    tracking: newTrackingCode(),
    ballot: markedBallot(),
  }));
}

function signedExport(): SignedBatchExport {
  const batch = signBatch(
    { election: election.id, station, mode: 'live', sequence: 1, previousBatchHash: null, final: false, envelopes: envelopes(25) },
    stationKeys.privateKeyPem,
  );
  return signBatchExport(
    {
      format: 'scrutin-batch-export',
      version: 2,
      election: election.id,
      station,
      exportedAt: '2026-10-05T20:01:02.000Z',
      batches: [batch],
    },
    stationKeys.privateKeyPem,
  );
}

/** The file as it lies on the stick, and read back. */
const onStick = (sealed: SealedBatchExport): unknown => JSON.parse(JSON.stringify(sealed));

describe('export keys', () => {
  it('makes X25519 key pairs whose public half is derived from the PKCS#8 private key', () => {
    expect(central.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    expect(exportPublicKeyOf(central.privateKeyPem)).toEqual({ ok: true, value: central.publicKey });
    expect(Buffer.from(central.publicKey, 'base64')).toHaveLength(32);
    expect(exportPublicKeyOf(stationKeys.privateKeyPem)).toMatchObject({ ok: false, error: expect.stringContaining('X25519') as unknown });
    expect(exportPublicKeyOf('not a key')).toMatchObject({ ok: false });
  });
});

describe('sealed batch export (HPKE to the central export key)', () => {
  it('round-trips: the opened export is the signed export, its station signature intact', async () => {
    const plain = signedExport();
    const sealed = await sealBatchExport(plain, central.publicKey);
    expect(SealedBatchExportSchema.parse(onStick(sealed))).toEqual(sealed);
    const opened = await openBatchExport(onStick(sealed), central.privateKeyPem);
    expect(opened).toEqual({ ok: true, value: plain });
    expect(opened.ok && verifyBatchExport(opened.value, stationKeys.publicKey)).toBe(true);
  });

  it('shows a finder only the label: no credential, tracking code, choice, header or time', async () => {
    const plain = signedExport();
    const text = JSON.stringify(await sealBatchExport(plain, central.publicKey));
    const file = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(file).sort()).toEqual(['ciphertext', 'election', 'enc', 'format', 'station', 'suite', 'version']);
    const batch = plain.body.batches[0]!;
    const secrets = [
      ...batch.envelopes.flatMap((e) => [e.credential, Buffer.from(e.credential, 'hex').toString('base64'), e.tracking]),
      ...batch.envelopes[0]!.ballot.selections.flatMap((s) =>
        s.kind === 'ranked' ? s.ranking : s.kind === 'plurality' ? [s.choice ?? ''] : [],
      ),
      batch.signature,
      batch.header.merkleRoot,
      plain.signature,
      plain.body.exportedAt,
      riding,
      '"selections"',
      '"choice"',
    ];
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('uses a fresh ephemeral key each time: the same export sealed twice gives two different files', async () => {
    const plain = signedExport();
    const [a, b] = await Promise.all([sealBatchExport(plain, central.publicKey), sealBatchExport(plain, central.publicKey)]);
    expect(a.enc).not.toBe(b.enc);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('refuses to open with another central key', async () => {
    const sealed = await sealBatchExport(signedExport(), generateExportKeyPair().publicKey);
    expect(await openBatchExport(onStick(sealed), central.privateKeyPem)).toEqual({ ok: false, error: { kind: 'cannot-open' } });
  });

  it('refuses a file with any byte of its ciphertext or enc changed', async () => {
    const sealed = await sealBatchExport(signedExport(), central.publicKey);
    for (const field of ['ciphertext', 'enc'] as const) {
      const bytes = Buffer.from(sealed[field], 'base64');
      // Every byte of enc; of the ciphertext, the first, the last (the tag) and a spread between.
      const positions = field === 'enc' ? bytes.keys() : [0, 1, 17, Math.floor(bytes.length / 2), bytes.length - 17, bytes.length - 1];
      for (const at of positions) {
        const changed = Buffer.from(bytes);
        changed[at] = (changed[at] ?? 0) ^ 0x01;
        const tampered = { ...sealed, [field]: changed.toString('base64') };
        expect(await openBatchExport(tampered, central.privateKeyPem)).toEqual({ ok: false, error: { kind: 'cannot-open' } });
      }
    }
    const shorter = { ...sealed, ciphertext: Buffer.from(sealed.ciphertext, 'base64').subarray(0, -1).toString('base64') };
    expect(await openBatchExport(shorter, central.privateKeyPem)).toEqual({ ok: false, error: { kind: 'cannot-open' } });
  });

  it('binds the label: a file relabelled with another station or election does not open', async () => {
    const sealed = await sealBatchExport(signedExport(), central.publicKey);
    for (const relabelled of [
      { ...sealed, station: 'ST-00002' },
      { ...sealed, election: 'other-election-2026' },
    ]) {
      expect(await openBatchExport(relabelled, central.privateKeyPem)).toEqual({ ok: false, error: { kind: 'cannot-open' } });
    }
  });

  it('tells a plain export from a sealed one, and refuses what is neither, with a typed error', async () => {
    const plain = signedExport();
    expect(await openBatchExport(JSON.parse(JSON.stringify(plain)), central.privateKeyPem)).toEqual({
      ok: false,
      error: { kind: 'not-sealed' },
    });
    expect(await openBatchExport({ ...plain, body: { ...plain.body, version: 1 } }, central.privateKeyPem)).toEqual({
      ok: false,
      error: { kind: 'not-sealed' },
    });
    const sealed = await sealBatchExport(plain, central.publicKey);
    for (const bad of [null, 'text', { format: 'something else' }, { ...sealed, extra: 1 }, { ...sealed, version: 1 }]) {
      const opened = await openBatchExport(bad, central.privateKeyPem);
      expect(opened).toMatchObject({ ok: false, error: { kind: 'malformed' } });
      expect(!opened.ok && describeOpenExportError(opened.error)).toBe('This is not a Scrutin sealed export file.');
    }
    expect(describeOpenExportError({ kind: 'not-sealed' })).toMatch(/unsealed export file/);
  });
});
