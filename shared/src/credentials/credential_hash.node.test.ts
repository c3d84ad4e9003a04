import { createHash, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CredentialSchema, ElectionIdSchema } from '../ids.ts';
import {
  cardCredentialHash,
  createCredentialHasher,
  credentialHash,
  credentialHashFromBytes,
  credentialSalt,
  deriveCredential,
  deriveCredentialAsync,
} from './credential_hash.node.ts';
import { DEFAULT_KDF, kdfMeetsProductionFloor, KdfSchema, TEST_KDF } from './kdf.ts';
import { syntheticNas, type Nas } from './nas.ts';
import { createVoterCodeGenerator, type VoterCode } from './voter_code.ts';

const election = ElectionIdSchema.parse('qc-demo-2026');
const nas = '046454286' as Nas;
const code = '7KQ4M2ZXW9PDE' as VoterCode;

describe('credentials v2', () => {
  it('salts scrypt with the documented byte layout and hashes the credential under its own tag', () => {
    const expectedSalt =
      Buffer.from('scrutin/credential/v2', 'ascii').toString('hex') +
      '00' +
      '0000000c' +
      Buffer.from('qc-demo-2026').toString('hex') +
      '00000009' +
      '303436343534323836';
    expect(credentialSalt(election, nas).toString('hex')).toBe(expectedSalt);
    const credential = deriveCredential(election, nas, code, TEST_KDF);
    // Recomputed here from the layout alone, with node:crypto directly.
    const direct = scryptSync(Buffer.from('7KQ4M2ZXW9PDE', 'ascii'), Buffer.from(expectedSalt, 'hex'), 32, { N: 16, r: 1, p: 1 });
    expect(credential).toBe(direct.toString('hex'));
    expect(CredentialSchema.safeParse(credential).success).toBe(true);
    const check = createHash('sha256')
      .update(Buffer.concat([Buffer.from('scrutin/check/v2\u0000', 'utf8'), direct]))
      .digest('hex');
    expect(credentialHash(credential)).toBe(check);
    expect(cardCredentialHash(election, nas, code, TEST_KDF)).toBe(check);
  });

  it('derives the same credential off the event loop', async () => {
    expect(await deriveCredentialAsync(election, nas, code, TEST_KDF)).toBe(deriveCredential(election, nas, code, TEST_KDF));
  });

  it('is useless in another election, and changes with the NAS, the code and the parameters', () => {
    const base = cardCredentialHash(election, nas, code, TEST_KDF);
    expect(cardCredentialHash(ElectionIdSchema.parse('qc-demo-2027'), nas, code, TEST_KDF)).not.toBe(base);
    expect(cardCredentialHash(election, '130692544' as Nas, code, TEST_KDF)).not.toBe(base);
    expect(cardCredentialHash(election, nas, '0123456789ABV' as VoterCode, TEST_KDF)).not.toBe(base);
    expect(cardCredentialHash(election, nas, code, { ...TEST_KDF, logN: 5 })).not.toBe(base);
  });

  it('keeps the credential and its check value apart: one is not the other', () => {
    const credential = deriveCredential(election, nas, code, TEST_KDF);
    expect(credentialHash(credential)).not.toBe(credential);
  });

  it('has a bulk hasher giving the same check values', () => {
    const hasher = createCredentialHasher(election, TEST_KDF);
    const nextCode = createVoterCodeGenerator();
    for (let i = 0; i < 200; i += 1) {
      const n = syntheticNas(i);
      const c = nextCode();
      const digest = hasher.digest(n, c);
      expect(digest).toHaveLength(32);
      expect(credentialHashFromBytes(digest)).toBe(cardCredentialHash(election, n, c, TEST_KDF));
    }
    expect(() => hasher.digest('12345' as Nas, code)).toThrow(/not canonical/);
  });

  it('runs the production setting (scrypt 2^14, r 8) and refuses parameters outside the schema', () => {
    expect(kdfMeetsProductionFloor(DEFAULT_KDF)).toBe(true);
    expect(kdfMeetsProductionFloor(TEST_KDF)).toBe(false);
    expect(cardCredentialHash(election, nas, code, DEFAULT_KDF)).toMatch(/^[0-9a-f]{64}$/);
    expect(KdfSchema.safeParse({ ...DEFAULT_KDF, logN: 40 }).success).toBe(false);
    expect(KdfSchema.safeParse({ ...DEFAULT_KDF, algorithm: 'sha256' }).success).toBe(false);
    expect(KdfSchema.safeParse({ ...DEFAULT_KDF, extra: 1 }).success).toBe(false);
  });
});
