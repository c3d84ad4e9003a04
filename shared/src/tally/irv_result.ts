import type { SliceDimension } from './ranking.ts';

/** What the IRV tabulator reports: RCTab's round-by-round results, as typed values. */

/** Why a ballot stopped counting. Ballots with no marks at all are counted apart (undervotes). */
export type InactiveReason = 'exhaustedChoices' | 'overvotes' | 'repeatedRankings' | 'skippedRankings';

export const INACTIVE_REASONS: readonly InactiveReason[] = ['exhaustedChoices', 'overvotes', 'repeatedRankings', 'skippedRankings'];

export type InactiveCounts = { readonly [R in InactiveReason]: number };

/** Where a decided candidate's ballots went while the next round was counted. */
export type Transfers = {
  /** Receiving candidate name → ballots, zero entries left out, in config order. */
  readonly toCandidates: ReadonlyMap<string, number>;
  /** Ballots that became inactive, whatever the reason. */
  readonly exhausted: number;
};

export type IrvDecision = {
  readonly kind: 'elected' | 'eliminated';
  readonly candidate: string;
  /** True when a tiebreak picked this candidate (RCTab marks it with `*` in its CSV). */
  readonly byTiebreak: boolean;
  readonly transfers: Transfers;
};

export type IrvRound = {
  readonly round: number;
  /** Votes of every continuing candidate, in config order, "Undeclared Write-ins" last. */
  readonly tally: ReadonlyMap<string, number>;
  readonly threshold: number;
  /** Cumulative: ballots that became inactive in this round or an earlier one. */
  readonly inactive: InactiveCounts;
  /** Decisions taken at the end of the round: elected first, then eliminated, each by name. */
  readonly decisions: readonly IrvDecision[];
};

export type IrvSummary = {
  readonly finalThreshold: number;
  /** Configured candidates including excluded ones, plus one if write-ins are enabled. */
  readonly numCandidates: number;
  /** Seats to fill (always 1 here). */
  readonly numWinners: number;
  readonly totalNumBallots: number;
  /** Ballots that ranked nobody at all. */
  readonly undervotes: number;
};

/**
 * The same rounds restricted to one precinct's or batch's ballots. Decisions and
 * thresholds are the whole contest's; tallies, transfers and inactive counts are the slice's.
 */
export type IrvSliceResult = {
  readonly dimension: SliceDimension;
  readonly value: string;
  readonly rounds: readonly IrvRound[];
  readonly totalNumBallots: number;
  readonly undervotes: number;
};

export type IrvResult = {
  readonly rounds: readonly IrvRound[];
  /** Empty when the count stopped early before anyone was elected. */
  readonly winners: readonly string[];
  readonly summary: IrvSummary;
  /** In order of first appearance in the input, per requested dimension. */
  readonly slices: readonly IrvSliceResult[];
};

/** Input the tabulator refuses: the contest or a ranking doesn't fit together. */
export type IrvInputError =
  | { readonly kind: 'unknownCandidate'; readonly name: string }
  | { readonly kind: 'undeclaredWriteInNotEnabled' }
  | { readonly kind: 'rankOutOfRange'; readonly rank: number; readonly maxRankingsAllowed: number | 'max' }
  | { readonly kind: 'invalidCount'; readonly count: number }
  | { readonly kind: 'ambiguousCandidateName'; readonly name: string };

export function describeIrvInputError(error: IrvInputError): string {
  switch (error.kind) {
    case 'unknownCandidate':
      return `"${error.name}" is not a candidate name or alias`;
    case 'undeclaredWriteInNotEnabled':
      return 'a ballot has an undeclared write-in, but write-ins are not enabled for this contest';
    case 'rankOutOfRange':
      return `rank ${error.rank} is outside 1..${error.maxRankingsAllowed === 'max' ? '∞' : error.maxRankingsAllowed}`;
    case 'invalidCount':
      return `a ballot count must be a non-negative safe integer, got ${error.count}`;
    case 'ambiguousCandidateName':
      return `"${error.name}" names more than one candidate (as a name or an alias)`;
  }
}
