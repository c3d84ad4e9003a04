import { describe, expect, it } from 'vitest';
import { DEFAULT_KDF, PRODUCTION_MIN_ANONYMITY_SET, sampleElection, TEST_KDF } from '@scrutin/shared';
import { modeProblems, productionFloorProblems } from './production_floor.ts';

describe('the production floors', () => {
  it('accepts the defaults (no credentials, no secrecy: the production KDF and k = 25)', () => {
    expect(productionFloorProblems({})).toEqual([]);
    expect(
      productionFloorProblems({
        credentials: { kdf: DEFAULT_KDF },
        secrecy: { anonymitySet: PRODUCTION_MIN_ANONYMITY_SET, embargo: true },
      }),
    ).toEqual([]);
    expect(
      productionFloorProblems({
        credentials: { kdf: { algorithm: 'scrypt', logN: 17, r: 8, p: 2 } },
        secrecy: { anonymitySet: 100, embargo: false },
      }),
    ).toEqual([]);
  });

  it('refuses a weaker KDF (N or r) and an anonymity set under 25, each with its path', () => {
    expect(productionFloorProblems({ credentials: { kdf: { algorithm: 'scrypt', logN: 13, r: 8, p: 1 } } }).map((p) => p.path)).toEqual([
      'credentials.kdf',
    ]);
    expect(productionFloorProblems({ credentials: { kdf: { algorithm: 'scrypt', logN: 14, r: 4, p: 1 } } }).map((p) => p.path)).toEqual([
      'credentials.kdf',
    ]);
    expect(productionFloorProblems({ secrecy: { anonymitySet: 24, embargo: true } })).toEqual([
      { path: 'secrecy.anonymitySet', message: 'an anonymity set of 24 ballots is below the production floor of 25' },
    ]);
    const sample = sampleElection();
    expect(sample.credentials?.kdf).toEqual(TEST_KDF);
    expect(productionFloorProblems(sample).map((p) => p.path)).toEqual(['credentials.kdf', 'secrecy.anonymitySet']);
  });

  it('applies in production mode only', () => {
    const sample = sampleElection();
    expect(modeProblems('production', sample)).toHaveLength(2);
    expect(modeProblems('test', sample)).toEqual([]);
    expect(modeProblems('demo', sample)).toEqual([]);
  });
});
