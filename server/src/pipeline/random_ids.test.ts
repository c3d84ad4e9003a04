import { describe, expect, it } from 'vitest';
import { newBallotIds, sampleElection, type CastBallot } from '@scrutin/shared/node';
import { withRandomIds } from './validator.ts';

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

  it('gives every ballot a fresh id and writes them in id order, whatever order they came in', () => {
    const envelopes = Array.from({ length: 50 }, (_, i) => ({ ballot: castBallot(i) }));
    const ballots = withRandomIds(envelopes);
    expect(ballots.map((b) => b.selections)).toEqual(expect.arrayContaining(envelopes.map((e) => e.ballot.selections)));
    expect(ballots.map((b) => b.id)).toEqual(ballots.map((b) => b.id).sort());
    expect(new Set(ballots.map((b) => b.id)).size).toBe(50);
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
    const expected = trials / n;
    const chi2 = landed.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
    // P(χ²₇ > 29.9) ≈ 1e-4: a fair shuffle fails this about once in ten thousand runs; the
    // identity order (or any fixed order) gives χ² = 112,000.
    expect(chi2).toBeLessThan(29.9);
  });
});
