import { describe, expect, it } from 'vitest';
import { PIN_HASH_PATTERN, hashPin, verifyPin } from './poll_workers.ts';

describe('poll-worker PIN hashes', () => {
  it('hashes with scrypt at the default cost, salted, and verifies only the right PIN', async () => {
    const hash = await hashPin('482915');
    expect(hash).toMatch(PIN_HASH_PATTERN);
    expect(hash.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await hashPin('482915')).not.toBe(hash);
    expect(await verifyPin('482915', hash)).toBe(true);
    expect(await verifyPin('482916', hash)).toBe(false);
    expect(await verifyPin('482915', 'sha256$abc')).toBe(false);
  });

  it('refuses to hash a PIN that is not 6 to 12 digits', async () => {
    await expect(hashPin('12a456')).rejects.toThrow(/6 to 12 digits/);
    await expect(hashPin('1234')).rejects.toThrow(/6 to 12 digits/);
    await expect(hashPin('12345')).rejects.toThrow(/6 to 12 digits/);
    await expect(hashPin('1234567890123')).rejects.toThrow(/6 to 12 digits/);
  });
});
