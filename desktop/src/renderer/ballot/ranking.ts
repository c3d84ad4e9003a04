import type { CandidateId } from '@scrutin/shared';

/**
 * The ranked race as the voter builds it: candidates in order of preference. Pure functions
 * (the store calls them), so each rule is tested on its own.
 */
export type Ranking = readonly CandidateId[];

/**
 * A tap on a candidate: an unranked one takes the next rank (if the race allows more); a
 * ranked one leaves the ranking and those after it move up.
 */
export function toggleRank(ranking: Ranking, candidate: CandidateId, maxRankings: number): Ranking {
  if (ranking.includes(candidate)) return ranking.filter((c) => c !== candidate);
  if (ranking.length >= maxRankings) return ranking;
  return [...ranking, candidate];
}

/** Moves a ranked candidate one place up (-1) or down (+1); anything else is left as is. */
export function moveRank(ranking: Ranking, candidate: CandidateId, direction: -1 | 1): Ranking {
  const from = ranking.indexOf(candidate);
  const to = from + direction;
  if (from < 0 || to < 0 || to >= ranking.length) return ranking;
  const next = [...ranking];
  const other = next[to];
  if (other === undefined) return ranking;
  next[to] = candidate;
  next[from] = other;
  return next;
}

/** The 1-based rank of a candidate, or null when unranked. */
export function rankOf(ranking: Ranking, candidate: CandidateId): number | null {
  const i = ranking.indexOf(candidate);
  return i < 0 ? null : i + 1;
}

/** French and English ordinals as printed on the screen: 1er, 2e…; 1st, 2nd, 3rd, 4th…, 11th, 12th, 13th, 21st. */
export function ordinal(n: number, language: 'fr' | 'en'): string {
  if (language === 'fr') return n === 1 ? '1er' : `${n}e`;
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  switch (n % 10) {
    case 1:
      return `${n}st`;
    case 2:
      return `${n}nd`;
    case 3:
      return `${n}rd`;
    default:
      return `${n}th`;
  }
}
