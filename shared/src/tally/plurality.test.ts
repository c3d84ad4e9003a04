import { describe, expect, it } from 'vitest';
import type { CandidateRace } from '../election/definition.ts';
import { sampleElection } from '../election/fixtures/sample_election.ts';
import type { CandidateId } from '../ids.ts';
import { pluralityResult } from './plurality.ts';

const race = sampleElection().contests.find((c): c is CandidateRace => c.id === 'DEP-MONTREAL-NORD')!;
const [caq, plq, pq, qs] = race.candidates.map((c) => c.id) as [CandidateId, CandidateId, CandidateId, CandidateId];
const votes = (entries: [CandidateId, number][]) => ({ votes: new Map(entries), blank: 3 });

describe('plurality', () => {
  it('elects the candidate with the most votes and ranks every candidate', () => {
    const result = pluralityResult(
      race,
      votes([
        [plq, 40],
        [qs, 55],
        [caq, 12],
      ]),
    );
    expect(result.outcome).toEqual({ kind: 'winner', candidate: qs });
    expect(result.standings).toEqual([
      { candidate: qs, votes: 55 },
      { candidate: plq, votes: 40 },
      { candidate: caq, votes: 12 },
      { candidate: pq, votes: 0 },
    ]);
    expect(result.valid).toBe(107);
    expect(result.blank).toBe(3);
  });

  it('reports a tie for first as a tie, declaring nobody, under the default rule', () => {
    expect(
      pluralityResult(
        race,
        votes([
          [plq, 40],
          [qs, 40],
          [caq, 12],
        ]),
      ).outcome,
    ).toEqual({ kind: 'tie', tied: [plq, qs] });
  });

  it('settles a tie by lot only when the race says so, reproducibly from the seed', () => {
    const byLot: CandidateRace = { ...race, tieRule: { kind: 'lot', seed: '1' } };
    const a = pluralityResult(
      byLot,
      votes([
        [plq, 40],
        [qs, 40],
      ]),
    );
    expect(a.outcome.kind).toBe('winner-by-lot');
    expect(
      pluralityResult(
        byLot,
        votes([
          [qs, 40],
          [plq, 40],
        ]),
      ).outcome,
    ).toEqual(a.outcome);
    // java.util.Random(1).nextDouble() = 0.7308781907032909 → index 1 of the sorted pair.
    expect(a.outcome).toEqual({ kind: 'winner-by-lot', candidate: [plq, qs].sort()[1], tied: [plq, qs] });
  });

  it('declares nobody before any vote', () => {
    expect(pluralityResult(race, { votes: new Map(), blank: 2 }).outcome).toEqual({ kind: 'no-votes' });
  });
});
