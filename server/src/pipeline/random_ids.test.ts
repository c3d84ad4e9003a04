import { describe, expect, it } from 'vitest';
import { newBallotIds, sampleElection, type CastBallot } from '@scrutin/shared/node';
import { shuffledIndices, withRandomIds } from './validator.ts';

const election = sampleElection();
const riding = election.stations[0]!.riding;
const castBallot = (i: number): CastBallot => ({
  election: election.id,
  riding,
  selections: [{ kind: 'referendum', contest: `L-${i}` as never, choice: 'oui' }],
});

describe('the ballot ids central chooses', () => {
  it('draws n distinct 128-bit ids in one call', () => {
    const ids = newBallotIds(1000);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(newBallotIds(0)).toEqual([]);
  });

  it('gives every ballot a fresh id, each ballot exactly once, whatever order they came in', () => {
    const envelopes = Array.from({ length: 50 }, (_, i) => ({ ballot: castBallot(i) }));
    const ballots = withRandomIds(envelopes);
    expect(ballots).toHaveLength(50);
    expect(new Set(ballots.map((b) => b.selections[0]?.contest)).size).toBe(50);
    expect(ballots.map((b) => b.selections)).toEqual(expect.arrayContaining(envelopes.map((e) => e.ballot.selections)));
    expect(new Set(ballots.map((b) => b.id)).size).toBe(50);
    for (const b of ballots) expect(b.id).toMatch(/^[0-9a-f]{32}$/);
    expect(withRandomIds([])).toEqual([]);
  });

  it('shuffles 0 … n−1 into a permutation, every time', () => {
    for (const n of [0, 1, 2, 7, 250, 1000]) {
      const order = [...shuffledIndices(n)];
      expect(order.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  it('is a uniform shuffle: where the first envelope lands is uniform (chi-square, 7 degrees of freedom)', () => {
    const n = 8;
    const trials = 16_000;
    const landed = new Array<number>(n).fill(0);
    const envelopes = Array.from({ length: n }, (_, i) => ({ ballot: castBallot(i) }));
    for (let t = 0; t < trials; t += 1) {
      const position = withRandomIds(envelopes).findIndex((b) => b.selections[0]?.contest === 'L-0');
      landed[position] = (landed[position] ?? 0) + 1;
    }
    expect(landed.reduce((a, b) => a + b, 0)).toBe(trials);
    const expected = trials / n;
    const chi2 = landed.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
    // P(χ²₇ > 29.9) ≈ 1e-4: a fair shuffle fails this about once in ten thousand runs; the
    // identity order (or any fixed order) gives χ² = 112,000.
    expect(chi2).toBeLessThan(29.9);
  });

  it('draws every order of three with the same chance (chi-square, 5 degrees of freedom)', () => {
    const trials = 12_000;
    const seen = new Map<string, number>();
    for (let t = 0; t < trials; t += 1) {
      const key = [...shuffledIndices(3)].join('');
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(['012', '021', '102', '120', '201', '210']);
    const expected = trials / 6;
    const chi2 = [...seen.values()].reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
    // P(χ²₅ > 25.7) ≈ 1e-4. The classic mistake, swapping with any position instead of one up to
    // i, makes some orders 5/27 likely and others 4/27: χ² ≈ 150 here.
    expect(chi2).toBeLessThan(25.7);
  });
});
