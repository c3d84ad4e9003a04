import { describe, expect, it } from 'vitest';
import { DEFAULT_KDF, TEST_KDF, type ElectionId } from '@scrutin/shared/node';
import { describeKdf, estimateGeneration, estimateLines, formatDuration, LONG_GENERATION_SECONDS, measureKdf } from './kdf_estimate.ts';

describe('the KDF estimate printed before generation', () => {
  it('measures a derivation, and the production setting costs far more than the test one', () => {
    const id = 'kdf-estimate' as ElectionId;
    const cheap = measureKdf(id, TEST_KDF, 3);
    const production = measureKdf(id, DEFAULT_KDF, 2);
    expect(cheap.samples).toBe(3);
    expect(cheap.msPerDerivation).toBeGreaterThan(0);
    // 2^14 × 8 against 2^4 × 1: thousands of times the work; a factor of 50 survives any noise.
    expect(production.msPerDerivation).toBeGreaterThan(50 * cheap.msPerDerivation);
  });

  it('extrapolates voters × time per derivation / worker threads', () => {
    const estimate = estimateGeneration(8_000_000, 2, { msPerDerivation: 50, samples: 5 });
    expect(estimate.seconds).toBe(200_000);
    expect(formatDuration(estimate.seconds)).toBe('2 days 7 h');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(725)).toBe('12 min 5 s');
    expect(formatDuration(3 * 3600 + 25 * 60)).toBe('3 h 25 min');
  });

  it('warns when generation will be long, and only then', () => {
    const long = estimateLines(DEFAULT_KDF, estimateGeneration(8_000_000, 2, { msPerDerivation: 50, samples: 5 }));
    expect(long.info).toBe(
      'KDF scrypt N=2^14 r=8 p=1 (16 MiB): 50.0 ms per derivation on this machine; 8000000 voters on 2 worker thread(s): about 2 days 7 h',
    );
    expect(long.warning).toMatch(/^generation will take at least 2 days 7 h \(8000000 derivations × 50\.0 ms \/ 2 threads\)/);
    const short = estimateLines(TEST_KDF, estimateGeneration(3600, 2, { msPerDerivation: 0.01, samples: 5 }));
    expect(short.warning).toBeNull();
    const edge = estimateGeneration(LONG_GENERATION_SECONDS * 1000, 1, { msPerDerivation: 1, samples: 1 });
    expect(estimateLines(DEFAULT_KDF, edge).warning).not.toBeNull();
    expect(describeKdf(TEST_KDF)).toBe('scrypt N=2^4 r=1 p=1 (0 MiB)');
  });
});
