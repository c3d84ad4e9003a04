import type { CandidateRace } from '../election/definition.ts';
import type { CandidateId } from '../ids.ts';
import { JavaRandom } from './java_random.ts';

/** Votes in one plurality race. Candidates with no votes may be absent. */
export interface PluralityCounts {
  readonly votes: ReadonlyMap<CandidateId, number>;
  readonly blank: number;
}

export interface CandidateVotes {
  readonly candidate: CandidateId;
  readonly votes: number;
}

export type PluralityOutcome =
  | { readonly kind: 'no-votes' }
  | { readonly kind: 'winner'; readonly candidate: CandidateId }
  /** Tied for first and the race's tie rule is to report it: nobody is declared. */
  | { readonly kind: 'tie'; readonly tied: readonly CandidateId[] }
  /** Tied for first and settled by drawing lots from the race's published seed. */
  | { readonly kind: 'winner-by-lot'; readonly candidate: CandidateId; readonly tied: readonly CandidateId[] };

export interface PluralityResult {
  readonly contest: CandidateRace['id'];
  /** Every candidate of the race, most votes first (ties in ballot order). */
  readonly standings: readonly CandidateVotes[];
  readonly valid: number;
  readonly blank: number;
  readonly outcome: PluralityOutcome;
}

export function pluralityResult(race: CandidateRace, counts: PluralityCounts): PluralityResult {
  const standings = race.candidates.map((c) => ({ candidate: c.id, votes: counts.votes.get(c.id) ?? 0 })).sort((a, b) => b.votes - a.votes); // stable: equal votes keep ballot order
  const valid = standings.reduce((sum, s) => sum + s.votes, 0);
  return { contest: race.id, standings, valid, blank: counts.blank, outcome: decide(race, standings, valid) };
}

function decide(race: CandidateRace, standings: readonly CandidateVotes[], valid: number): PluralityOutcome {
  const top = standings[0];
  if (top === undefined || valid === 0) return { kind: 'no-votes' };
  const tied = standings.filter((s) => s.votes === top.votes).map((s) => s.candidate);
  if (tied.length === 1) return { kind: 'winner', candidate: top.candidate };
  switch (race.tieRule.kind) {
    case 'report':
      return { kind: 'tie', tied };
    case 'lot': {
      // As RCTab draws: one java.util.Random from the seed, index floor(nextDouble × n) into
      // the tied ids in code-unit order. Anyone can replay the draw from the published seed.
      const sorted = [...tied].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const index = Math.floor(new JavaRandom(BigInt(race.tieRule.seed)).nextDouble() * sorted.length);
      const candidate = sorted[index];
      if (candidate === undefined) throw new Error('lot index out of range');
      return { kind: 'winner-by-lot', candidate, tied };
    }
  }
}
