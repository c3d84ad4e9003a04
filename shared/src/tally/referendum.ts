import type { PassingRule, Referendum } from '../election/definition.ts';

/** Ballots cast on one referendum question. Blank ballots count for turnout, not for the majority. */
export interface ReferendumCounts {
  readonly oui: number;
  readonly non: number;
  readonly blank: number;
}

export const NO_REFERENDUM_VOTES: ReferendumCounts = { oui: 0, non: 0, blank: 0 };

export function addReferendumCounts(a: ReferendumCounts, b: ReferendumCounts): ReferendumCounts {
  return { oui: a.oui + b.oui, non: a.non + b.non, blank: a.blank + b.blank };
}

export type ReferendumOutcome =
  | { readonly kind: 'adopted' }
  | { readonly kind: 'rejected'; readonly reason: 'majority-not-reached' | 'quorum-not-met' }
  | { readonly kind: 'no-votes' };

export interface ReferendumResult {
  readonly contest: Referendum['id'];
  readonly counts: ReferendumCounts;
  readonly cast: number;
  /** oui / (oui + non), or null before any decided vote. */
  readonly ouiShare: number | null;
  readonly outcome: ReferendumOutcome;
}

/**
 * Applies the passing rule with exact integer arithmetic: simple majority is oui > non;
 * a supermajority p/q needs oui·q ≥ p·(oui + non); a quorum p/q needs cast·q ≥ p·registered.
 */
export function referendumResult(referendum: Referendum, counts: ReferendumCounts, registeredVoters: number): ReferendumResult {
  const decided = counts.oui + counts.non;
  const cast = decided + counts.blank;
  return {
    contest: referendum.id,
    counts,
    cast,
    ouiShare: decided === 0 ? null : counts.oui / decided,
    outcome: outcome(referendum.passingRule, counts, cast, registeredVoters),
  };
}

function outcome(rule: PassingRule, counts: ReferendumCounts, cast: number, registeredVoters: number): ReferendumOutcome {
  const decided = counts.oui + counts.non;
  if (cast === 0) return { kind: 'no-votes' };
  if (rule.quorum !== null && cast * rule.quorum.denominator < rule.quorum.numerator * registeredVoters) {
    return { kind: 'rejected', reason: 'quorum-not-met' };
  }
  const majority = rule.majority;
  const passes =
    majority.kind === 'simple'
      ? counts.oui > counts.non
      : decided > 0 && counts.oui * majority.fraction.denominator >= majority.fraction.numerator * decided;
  return passes ? { kind: 'adopted' } : { kind: 'rejected', reason: 'majority-not-reached' };
}
