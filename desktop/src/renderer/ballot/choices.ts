import type { Ballot, CandidateId, Contest, ElectionId, ReferendumOptionId, RidingCode, Selection } from '@scrutin/shared';

/**
 * The voter's choices while they fill the ballot, one per contest, and the ballot they make.
 * Only in memory; cleared when the voter is done.
 */
export type Choice =
  | { readonly kind: 'referendum'; readonly choice: ReferendumOptionId | null }
  | { readonly kind: 'plurality'; readonly choice: CandidateId | null }
  | { readonly kind: 'ranked'; readonly ranking: readonly CandidateId[] };

export function blankChoice(contest: Contest): Choice {
  if (contest.kind === 'referendum') return { kind: 'referendum', choice: null };
  return contest.method === 'irv' ? { kind: 'ranked', ranking: [] } : { kind: 'plurality', choice: null };
}

export function isBlank(choice: Choice): boolean {
  switch (choice.kind) {
    case 'referendum':
    case 'plurality':
      return choice.choice === null;
    case 'ranked':
      return choice.ranking.length === 0;
  }
}

/** How many candidates a ranked race lets the voter rank. */
export function maxRankingsOf(contest: Contest): number {
  if (contest.kind !== 'candidate') return 0;
  const max = contest.irv?.maxRankings ?? 'max';
  return max === 'max' ? contest.candidates.length : Math.min(max, contest.candidates.length);
}

/** 128 random bits; the station replaces the id with its own anyway. */
function randomBallotId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function selectionOf(contest: Contest, choice: Choice): Selection {
  switch (choice.kind) {
    case 'referendum':
      return { kind: 'referendum', contest: contest.id, choice: choice.choice };
    case 'plurality':
      return { kind: 'plurality', contest: contest.id, choice: choice.choice };
    case 'ranked':
      return { kind: 'ranked', contest: contest.id, ranking: [...choice.ranking] };
  }
}

/**
 * The ballot to cast, in the shape of BallotSchema (the station parses and validates it):
 * every contest of the ballot style, blank where the voter chose nothing.
 */
export function ballotOf(
  election: ElectionId,
  riding: RidingCode,
  contests: readonly Contest[],
  choices: readonly Choice[],
): Omit<Ballot, 'id'> & { readonly id: string } {
  return {
    id: randomBallotId(),
    election,
    riding,
    selections: contests.map((contest, i) => selectionOf(contest, choices[i] ?? blankChoice(contest))),
  };
}
