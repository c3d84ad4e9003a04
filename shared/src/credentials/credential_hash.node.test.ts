import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ElectionIdSchema } from '../ids.ts';
import { createCredentialHasher, credentialHash, credentialHashFromBytes, credentialHashInput } from './credential_hash.node.ts';
import { syntheticNas, type Nas } from './nas.ts';
import { createVoterCodeGenerator, type VoterCode } from './voter_code.ts';

const election = ElectionIdSchema.parse('qc-demo-2026');
const nas = '046454286' as Nas;
const code = '7KQ4M2ZXW9PDE' as VoterCode;

describe('credentialHash', () => {
  it('hashes the documented byte layout (hand-computed vector)', () => {
    // Written out by hand from the layout in credential_hash.node.ts:
    const expectedInput =
      Buffer.from('scrutin/credential/v1', 'ascii').toString('hex') + // the tag, 21 bytes
      '0000000c' +
      Buffer.from('qc-demo-2026').toString('hex') + // election id, 12 bytes
      '00000009' +
      '303436343534323836' + // NAS 046454286
      '0000000d' +
      Buffer.from('7KQ4M2ZXW9PDE').toString('hex'); // code with its check
    expect(credentialHashInput(election, nas, code).toString('hex')).toBe(expectedInput);
    expect(credentialHashInput(election, nas, code)).toHaveLength(55 + 12);
    // Computed outside the code base:
    //   printf 'scrutin/credential/v1\x00\x00\x00\x0cqc-demo-2026\x00\x00\x00\x09046454286\x00\x00\x00\x0d7KQ4M2ZXW9PDE' | sha256sum
    expect(credentialHash(election, nas, code)).toBe('b23088d96758511aab6c30da8551d634ce39864802ccfcb63fc42228dcca2e13');
  });

  it('is useless in another election', () => {
    const other = ElectionIdSchema.parse('qc-demo-2027');
    expect(credentialHash(other, nas, code)).not.toBe(credentialHash(election, nas, code));
    expect(credentialHash(other, nas, code)).toBe(
      createHash('sha256')
        .update(credentialHashInput(other, nas, code))
        .digest('hex'),
    );
  });

  it('changes with the NAS and with the code', () => {
    const base = credentialHash(election, nas, code);
    expect(credentialHash(election, '130692544' as Nas, code)).not.toBe(base);
    expect(credentialHash(election, nas, '0123456789ABV' as VoterCode)).not.toBe(base);
  });

  it('has a bulk hasher giving the same digests', () => {
    const hasher = createCredentialHasher(election);
    const nextCode = createVoterCodeGenerator();
    for (let i = 0; i < 1000; i += 1) {
      const n = syntheticNas(i);
      const c = nextCode();
      const digest = hasher.digest(n, c);
      expect(digest).toHaveLength(32);
      expect(credentialHashFromBytes(digest)).toBe(credentialHash(election, n, c));
    }
    expect(() => hasher.digest('12345' as Nas, code)).toThrow(/not canonical/);
  });
});
