import { z } from 'zod';

/**
 * The memory-hard key-derivation function that turns a voter card into its credential
 * (credentials v2, see credential_hash.node.ts). Its parameters are part of the election
 * definition, so the authority's card generator, every kiosk and every test agree on them.
 *
 * scrypt with N = 2^logN, r, p. The production floor is logN 14, r 8 (16 MiB and about 50 ms
 * per derivation on a 2-core station, measured by `npm run bench -- credentials`); a kiosk
 * derives once per check-in. Tests and the demo use a cheap setting, which production refuses.
 */
export const KdfSchema = z
  .object({
    algorithm: z.literal('scrypt'),
    logN: z.int().min(4).max(20),
    r: z.int().min(1).max(32),
    p: z.int().min(1).max(16),
  })
  .strict();
export type Kdf = z.infer<typeof KdfSchema>;

/** What an election gets when its definition names no KDF: the production setting. */
export const DEFAULT_KDF: Kdf = { algorithm: 'scrypt', logN: 14, r: 8, p: 1 };

/** For tests, fixtures and the embedded demo only: about a thousand times cheaper. */
export const TEST_KDF: Kdf = { algorithm: 'scrypt', logN: 4, r: 1, p: 1 };

/** The weakest setting production mode accepts (SCRUTIN_MODE=production). */
export const PRODUCTION_MIN_KDF = { logN: 14, r: 8 } as const;

export function kdfMeetsProductionFloor(kdf: Kdf): boolean {
  return kdf.logN >= PRODUCTION_MIN_KDF.logN && kdf.r >= PRODUCTION_MIN_KDF.r;
}

/** Bytes of memory one derivation needs (128 · N · r), for scrypt's maxmem. */
export function kdfMemoryBytes(kdf: Kdf): number {
  return 128 * 2 ** kdf.logN * kdf.r * kdf.p;
}
