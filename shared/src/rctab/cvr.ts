import type { IrvCandidate } from '../tally/irv_contest.ts';
import type { Ranking, RankingCount } from '../tally/ranking.ts';

/** What every CVR reader produces: one ranking per ballot, with where it was cast. */
export type CastVoteRecord = {
  readonly ranking: Ranking;
  readonly precinct?: string;
  readonly batch?: string;
};

/** A CVR file RCTab would reject, with where in the file the problem is. */
export type CvrError = {
  readonly kind: 'invalidCvr';
  /** The file as the config names it. */
  readonly file: string;
  /** e.g. "row 3", "CVR 12 (ballot id 12)"; blank when the whole file is at fault. */
  readonly location: string;
  readonly problem: string;
};

export function cvrError(file: string, location: string, problem: string): CvrError {
  return { kind: 'invalidCvr', file, location, problem };
}

export function describeCvrError(error: CvrError): string {
  return `${error.file}${error.location === '' ? '' : `, ${error.location}`}: ${error.problem}`;
}

/** Every string a CVR may use for a configured candidate: names and aliases. */
export function candidateSpellings(candidates: readonly IrvCandidate[]): ReadonlySet<string> {
  return new Set(candidates.flatMap((candidate) => [candidate.name, ...candidate.aliases]));
}

/** One ballot as the tabulator's input: a ranking with a count of one. */
export function asRankingCount(ballot: CastVoteRecord): RankingCount {
  return { ranking: ballot.ranking, count: 1, slice: { precinct: ballot.precinct, batch: ballot.batch } };
}
