import type { ElectionState, Race, RidingResult } from '@scrutin/shared/api';

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
  const rows = Math.max(2, Math.min(12, Math.round(Math.sqrt(seats / 3.2))));
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
