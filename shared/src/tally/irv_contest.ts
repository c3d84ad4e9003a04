import type { SliceDimension } from './ranking.ts';

/**
 * What the IRV tabulator needs to know about a contest besides the ballots: the candidates
 * in config order and the counting rules. These are RCTab's single-winner rules, already
 * validated (the RCTab config schema in rctab/config.ts is the boundary that checks them).
 */

export type OvervoteRule = 'exhaustImmediately' | 'alwaysSkipToNextRank' | 'exhaustIfMultipleContinuing';

/** How a tie is broken. Seeds are Java longs, hence bigint. */
export type TiebreakRule =
  /** One `java.util.Random(seed)` for the whole count; each tie takes one draw. */
  | { readonly mode: 'random'; readonly seed: bigint }
  /** Config order: the first tied candidate wins a tie for winner, the last loses one for loser. */
  | { readonly mode: 'useCandidateOrder' }
  /** Like useCandidateOrder, over the sorted names shuffled by `java.util.Random(seed)`. */
  | { readonly mode: 'generatePermutation'; readonly seed: bigint }
  /** Look back through earlier rounds' tallies, then draw as `random` does. */
  | { readonly mode: 'previousRoundCountsThenRandom'; readonly seed: bigint };

export type TiebreakMode = TiebreakRule['mode'];

export type IrvRules = {
  readonly overvoteRule: OvervoteRule;
  /** How many blank ranks in a row a ballot may jump over. */
  readonly maxSkippedRanksAllowed: number | 'unlimited';
  /** The highest rank number a ballot may use; a higher one is an input error. */
  readonly maxRankingsAllowed: number | 'max';
  readonly exhaustOnDuplicateCandidate: boolean;
  readonly tiebreak: TiebreakRule;
  readonly batchElimination: boolean;
  readonly continueUntilTwoCandidatesRemain: boolean;
  readonly doesFirstRoundDetermineThreshold: boolean;
  /** Stop after this round whatever the state; null means never stop early. */
  readonly stopTabulationEarlyAfterRound: number | null;
};

export type IrvCandidate = {
  /** The name every report uses. */
  readonly name: string;
  /** Other spellings a CVR may use for this candidate. */
  readonly aliases: readonly string[];
  /** Excluded candidates are never counted; ballots pass over them. */
  readonly excluded: boolean;
};

export type IrvContest = {
  /** In config order, which is also the useCandidateOrder tiebreak order. */
  readonly candidates: readonly IrvCandidate[];
  /** Whether the "Undeclared Write-ins" pseudo-candidate takes part in the count. */
  readonly undeclaredWriteIns: boolean;
  readonly rules: IrvRules;
  /** Which per-slice results to compute (tabulate by precinct / by batch). */
  readonly sliceBy?: readonly SliceDimension[];
};

/**
 * Plain IRV for our own contests (one candidate per rank, no blanks): exhaust overvotes,
 * allow any gap, eliminate one candidate at a time, break ties by candidate order.
 */
export const STANDARD_IRV_RULES: IrvRules = {
  overvoteRule: 'exhaustImmediately',
  maxSkippedRanksAllowed: 'unlimited',
  maxRankingsAllowed: 'max',
  exhaustOnDuplicateCandidate: false,
  tiebreak: { mode: 'useCandidateOrder' },
  batchElimination: false,
  continueUntilTwoCandidatesRemain: false,
  doesFirstRoundDetermineThreshold: false,
  stopTabulationEarlyAfterRound: null,
};
