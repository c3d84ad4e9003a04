import type { TiebreakRule } from './irv_contest.ts';
import { JavaRandom, compareJavaStrings, javaHashSetOrder, javaShuffle } from './java_random.ts';

/**
 * RCTab's non-interactive tiebreaks. A tiebreak either picks the loser among candidates tied
 * for last place or the winner among candidates tied for the seat. Every mode starts from
 * the tied names in code-unit order, so the result never depends on how the caller listed
 * them.
 */

export type TieKind = 'winner' | 'loser';

/** A candidate's votes in one earlier round (undefined if it was not continuing then). */
export type RoundVotes = (candidate: string) => number | undefined;

export type TieContext = {
  readonly kind: TieKind;
  /** Earlier rounds' tallies, round 1 first; the current round is not included. */
  readonly previousRounds: readonly RoundVotes[];
};

/** Picks one of the tied names. Stateful: random modes advance one shared generator. */
export type Tiebreaker = (tied: readonly string[], context: TieContext) => string;

/**
 * @param candidateOrder config order of every candidate name (excluded ones too), with
 *   "Undeclared Write-ins" last when write-ins are enabled.
 */
export function createTiebreaker(rule: TiebreakRule, candidateOrder: readonly string[]): Tiebreaker {
  switch (rule.mode) {
    case 'useCandidateOrder':
      return (tied, { kind }) => pickByOrder(candidateOrder, sortedNames(tied), kind);
    case 'generatePermutation': {
      // Drawn once, before the count: the sorted names shuffled by Random(seed).
      const permutation = javaShuffle(sortedNames(candidateOrder), new JavaRandom(rule.seed));
      return (tied, { kind }) => pickByOrder(permutation, sortedNames(tied), kind);
    }
    case 'random': {
      const random = new JavaRandom(rule.seed);
      return (tied) => drawOne(sortedNames(tied), random);
    }
    case 'previousRoundCountsThenRandom': {
      const random = new JavaRandom(rule.seed);
      return (tied, context) => pickByPreviousRounds(sortedNames(tied), context, random);
    }
  }
}

/** The first tied name in `order` wins; the last one loses. */
function pickByOrder(order: readonly string[], tied: readonly string[], kind: TieKind): string {
  const inOrder = order.filter((name) => tied.includes(name));
  const pick = kind === 'winner' ? inOrder[0] : inOrder[inOrder.length - 1];
  if (pick === undefined) {
    throw new Error(`tiebreak: none of ${JSON.stringify(tied)} is in the candidate order`);
  }
  return pick;
}

/** One `nextDouble()` per tie, scaled to an index into the list as given. */
function drawOne(list: readonly string[], random: JavaRandom): string {
  const pick = list[Math.floor(random.nextDouble() * list.length)];
  if (pick === undefined) {
    throw new Error('tiebreak: nothing to draw from');
  }
  return pick;
}

/**
 * Walk back from the previous round to round 1, keeping the candidates with the fewest
 * (loser) or most (winner) votes, until one is left; otherwise draw. RCTab rebuilds the
 * contenders as a `HashSet` at every step, so after the first step the list the draw
 * indexes into is in HashSet iteration order, not sorted order — that changes which
 * candidate a given draw selects.
 */
function pickByPreviousRounds(sorted: readonly string[], context: TieContext, random: JavaRandom): string {
  let contenders: readonly string[] = sorted;
  for (let index = context.previousRounds.length - 1; index >= 0; index--) {
    const votesIn = context.previousRounds[index];
    if (votesIn === undefined) {
      break;
    }
    const inSetOrder = javaHashSetOrder(contenders);
    const votes = inSetOrder.map((name) => votesOrThrow(votesIn, name));
    const extreme = context.kind === 'winner' ? Math.max(...votes) : Math.min(...votes);
    contenders = inSetOrder.filter((_, i) => votes[i] === extreme);
    if (contenders.length === 1) {
      return contenders[0] as string;
    }
  }
  return drawOne(contenders, random);
}

function votesOrThrow(votesIn: RoundVotes, name: string): number {
  const votes = votesIn(name);
  if (votes === undefined) {
    throw new Error(`tiebreak: "${name}" has no tally in an earlier round`);
  }
  return votes;
}

function sortedNames(names: readonly string[]): string[] {
  return [...names].sort(compareJavaStrings);
}
