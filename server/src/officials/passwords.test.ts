import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT_PARAMS, hashPassword, needsRehash, verifyPassword } from './passwords.ts';

describe('password hashing', () => {
  it('verifies the right password and refuses any other', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', stored)).toBe(false);
    expect(await verifyPassword('Correct horse battery staple', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('encodes scrypt and its parameters, with a fresh random salt per hash', async () => {
    const a = await hashPassword('the same password');
    const b = await hashPassword('the same password');
    expect(a).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(a.split('$')[3]).not.toBe(b.split('$')[3]);
    expect(needsRehash(a)).toBe(false);
  });

  it('verifies a hash made with other parameters, and says it needs re-hashing', async () => {
    const cheaper = await hashPassword('an older password hash', { logN: 12, r: 8, p: 1 });
    expect(cheaper.startsWith('$scrypt$ln=12,r=8,p=1$')).toBe(true);
    expect(await verifyPassword('an older password hash', cheaper)).toBe(true);
    expect(needsRehash(cheaper, DEFAULT_SCRYPT_PARAMS)).toBe(true);
  });

  it('uses OWASP’s scrypt parameters (N = 2^17, r = 8, p = 1), and still verifies a hash of the former N = 2^15', async () => {
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ logN: 17, r: 8, p: 1 });
    const former = await hashPassword('a password from before', { logN: 15, r: 8, p: 1 });
    expect(await verifyPassword('a password from before', former)).toBe(true);
    expect(needsRehash(former)).toBe(true);
  });

  it('runs at most two derivations at once, and every queued one completes', async () => {
    const stored = await hashPassword('queued passwords', { logN: 12, r: 8, p: 1 });
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) => verifyPassword(i % 2 === 0 ? 'queued passwords' : 'wrong', stored)),
    );
    expect(results).toEqual([true, false, true, false, true, false, true]);
  });

  it('treats NFC and NFD spellings of the same accented password as one', async () => {
    const stored = await hashPassword('élection générale 2026'.normalize('NFD'));
    expect(await verifyPassword('élection générale 2026'.normalize('NFC'), stored)).toBe(true);
  });

  it('never matches a malformed or tampered hash, and refuses absurd parameters', async () => {
    const stored = await hashPassword('correct horse battery staple');
    const parts = stored.split('$');
    const flipped = [...parts.slice(0, 5), `${parts[5]?.startsWith('A') === true ? 'B' : 'A'}${parts[5]?.slice(1) ?? ''}`].join('$');
    expect(await verifyPassword('correct horse battery staple', flipped)).toBe(false);
    expect(await verifyPassword('correct horse battery staple', '')).toBe(false);
    expect(await verifyPassword('correct horse battery staple', 'plain text')).toBe(false);
    expect(await verifyPassword('correct horse battery staple', stored.replace('ln=17', 'ln=30'))).toBe(false);
    expect(needsRehash('not a hash')).toBe(true);
  });
});
