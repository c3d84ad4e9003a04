import type { CandidateRace } from '@scrutin/shared';
import type { ElectionState, IrvRound, Race, RidingResult } from '@scrutin/shared/api';

/**
 * How a riding's result may be shown. A winner is declared only when the count is final
 * (the election is certified); before that the leader is shown as leading, or as elected
 * provisionally once polls are closed and every station of the riding has reported.
 */
export type RaceStatus = 'no-votes' | 'tie' | 'leading' | 'elected-provisional' | 'elected';

export function raceStatus(r: RidingResult, state: ElectionState): RaceStatus {
  if (r.winner === null) return r.ballots === 0 || r.race.kind === 'no-votes' ? 'no-votes' : 'tie';
  if (state === 'certified') return 'elected';
  if (state === 'closed' && r.complete) return 'elected-provisional';
  return 'leading';
}

/**
 * How a tie is settled: by lot (a draw from the race's published seed), by the counts of
 * earlier rounds and then by lot, or by the order of the candidates on the ballot.
 */
export type TieBreak = 'lot' | 'previous-rounds' | 'order';

export function tieBreakOf(race: CandidateRace | undefined): TieBreak {
  // A plurality race's tie rule is a lot or a reported tie; an IRV race without options uses
  // the standard rules, which break ties by candidate order.
  if (race === undefined || race.method === 'plurality') return 'lot';
  if (race.irv === undefined) return 'order';
  switch (race.irv.tiebreak.mode) {
    case 'useCandidateOrder':
      return 'order';
    case 'previousRoundCountsThenRandom':
      return 'previous-rounds';
    case 'random':
    case 'generatePermutation':
      return 'lot';
  }
}

/**
 * How a race was decided, in words a reader can check against the figures: an absolute
 * majority (at or over the threshold), a win without one (most votes, or the last pair at a
 * frozen threshold), a tie settled by the tie-break, or a tie left unresolved.
 */
export type Decision =
  | { readonly kind: 'none' }
  | { readonly kind: 'majority'; readonly candidate: string; readonly votes: number; readonly threshold: number }
  | { readonly kind: 'plurality'; readonly candidate: string; readonly votes: number; readonly total: number; readonly threshold: number }
  | {
      readonly kind: 'tie-broken';
      readonly candidate: string;
      readonly tied: readonly string[];
      readonly votes: number;
      readonly by: TieBreak;
    }
  | { readonly kind: 'tie'; readonly tied: readonly string[]; readonly votes: number };

/** A race with a decision to tell. */
export type RaceDecided = Exclude<Decision, { readonly kind: 'none' }>;

/** The absolute majority of `total` votes: more than half. */
function majorityOf(total: number): number {
  return Math.floor(total / 2) + 1;
}

export function decisionOf(race: Race, tieBreak: TieBreak): Decision {
  switch (race.kind) {
    case 'plurality': {
      const { outcome, standings, valid } = race.result;
      const top = standings[0]?.votes ?? 0;
      switch (outcome.kind) {
        case 'no-votes':
          return { kind: 'none' };
        case 'tie':
          return { kind: 'tie', tied: outcome.tied, votes: top };
        case 'winner-by-lot':
          return { kind: 'tie-broken', candidate: outcome.candidate, tied: outcome.tied, votes: top, by: 'lot' };
        case 'winner': {
          const threshold = majorityOf(valid);
          return top >= threshold
            ? { kind: 'majority', candidate: outcome.candidate, votes: top, threshold }
            : { kind: 'plurality', candidate: outcome.candidate, votes: top, total: valid, threshold };
        }
      }
      break;
    }
    case 'irv': {
      const round = race.result.rounds.findLast((r) => r.decisions.some((d) => d.kind === 'elected'));
      const elected = round?.decisions.find((d) => d.kind === 'elected');
      if (round === undefined || elected === undefined) return { kind: 'none' };
      return irvDecision(round, elected.candidate, elected.byTiebreak, tieBreak);
    }
    case 'irv-error':
    case 'no-votes':
      return { kind: 'none' };
  }
}

/** How the candidate elected in `round` was elected. */
export function irvDecision(round: IrvRound, candidate: string, byTiebreak: boolean, tieBreak: TieBreak): RaceDecided {
  const votes = round.tally[candidate] ?? 0;
  if (byTiebreak) {
    const tied = Object.entries(round.tally)
      .filter(([, v]) => v === votes)
      .map(([c]) => c);
    return { kind: 'tie-broken', candidate, tied, votes, by: tieBreak };
  }
  if (votes >= round.threshold) return { kind: 'majority', candidate, votes, threshold: round.threshold };
  const total = Object.values(round.tally).reduce((n, v) => n + v, 0);
  return { kind: 'plurality', candidate, votes, total, threshold: round.threshold };
}

/** First-preference (or plurality) votes per candidate, most first, and the valid total. */
export function firstPreferences(race: Race): {
  readonly standings: readonly { readonly candidate: string; readonly votes: number }[];
  readonly valid: number;
  readonly blank: number;
} {
  switch (race.kind) {
    case 'plurality':
      return { standings: race.result.standings, valid: race.result.valid, blank: race.result.blank };
    case 'irv': {
      const first = race.result.rounds[0]?.tally ?? {};
      const standings = Object.entries(first)
        .map(([candidate, votes]) => ({ candidate, votes }))
        .sort((a, b) => b.votes - a.votes);
      return { standings, valid: standings.reduce((n, s) => n + s.votes, 0), blank: race.result.summary.undervotes };
    }
    case 'irv-error':
    case 'no-votes':
      return { standings: [], valid: 0, blank: 0 };
  }
}

/** Seat positions of a hemicycle of `seats` seats, left to right, in concentric rows. */
export function hemicycleSeats(seats: number): { readonly x: number; readonly y: number }[] {
  if (seats === 0) return [];
  // A small assembly sits on one arc: two half-empty rows of a few seats read as a scatter.
  const rows = seats <= 12 ? 1 : Math.max(2, Math.min(12, Math.round(Math.sqrt(seats / 3.2))));
  const inner = rows === 1 ? 1 : 0.5;
  const radii = Array.from({ length: rows }, (_, i) => (rows === 1 ? 1 : inner + ((1 - inner) * i) / (rows - 1)));
  const total = radii.reduce((a, b) => a + b, 0);
  const perRow = radii.map((r) => Math.max(1, Math.round((seats * r) / total)));
  let diff = seats - perRow.reduce((a, b) => a + b, 0);
  for (let i = rows - 1; diff !== 0; i = (i - 1 + rows) % rows) {
    const step = diff > 0 ? 1 : -1;
    if (perRow[i] !== undefined && (perRow[i] ?? 0) + step >= 1) {
      perRow[i] = (perRow[i] ?? 0) + step;
      diff -= step;
    }
  }
  const points: { x: number; y: number; angle: number; r: number }[] = [];
  radii.forEach((r, i) => {
    const n = perRow[i] ?? 1;
    for (let j = 0; j < n; j += 1) {
      const angle = n === 1 ? Math.PI / 2 : Math.PI - (Math.PI * j) / (n - 1);
      points.push({ x: r * Math.cos(angle), y: r * Math.sin(angle), angle, r });
    }
  });
  return points.sort((a, b) => b.angle - a.angle || a.r - b.r).map(({ x, y }) => ({ x, y }));
}
