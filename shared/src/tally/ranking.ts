/**
 * The ballot model the tabulator counts: a voter's marks grouped by rank. It can say
 * everything a cast vote record can say about one contest — blank ranks (a rank number that
 * never appears), overvotes (two or more marks at one rank), an explicit overvote marker,
 * repeated candidates and undeclared write-ins — so that RCTab's rules can be applied to it.
 */

/** The name RCTab gives the undeclared write-in pseudo-candidate in every report. */
export const UNDECLARED_WRITE_INS = 'Undeclared Write-ins';

export type BallotMark =
  /** A candidate as the CVR spells it: a config name or one of its aliases. */
  | { readonly kind: 'candidate'; readonly name: string }
  /** The CVR's explicit "overvote here" value. */
  | { readonly kind: 'overvote' }
  /** A write-in that names nobody on the candidate list. */
  | { readonly kind: 'undeclaredWriteIn' };

/** All the marks a ballot carries at one rank number (1-based). */
export type RankMarks = { readonly rank: number; readonly marks: readonly BallotMark[] };

/** A ballot's marks, rank by rank. Ranks without marks are simply absent. */
export type Ranking = readonly RankMarks[];

/** Where a ballot was counted, for tabulate-by-precinct / tabulate-by-batch reports. */
export type SliceTag = { readonly precinct?: string; readonly batch?: string };
export type SliceDimension = keyof SliceTag;

/** How many ballots carry one distinct ranking (and, optionally, one slice). */
export type RankingCount = {
  readonly ranking: Ranking;
  readonly count: number;
  readonly slice?: SliceTag;
};

export function candidateMark(name: string): BallotMark {
  return { kind: 'candidate', name };
}

export const OVERVOTE_MARK: BallotMark = { kind: 'overvote' };
export const UNDECLARED_WRITE_IN_MARK: BallotMark = { kind: 'undeclaredWriteIn' };

/**
 * The common case for our own contests: an ordered list of candidate ids, first choice
 * first, one candidate per rank, no blanks.
 */
export function rankingFromOrder(candidates: readonly string[]): Ranking {
  return candidates.map((name, index) => ({ rank: index + 1, marks: [candidateMark(name)] }));
}
