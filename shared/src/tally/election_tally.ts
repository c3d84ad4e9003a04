import type { Ballot } from '../ballot/ballot.ts';
import type { CandidateId, ContestId, RidingCode } from '../ids.ts';
import { assertNever } from '../result.ts';
import type { PluralityCounts } from './plurality.ts';
import type { ReferendumCounts } from './referendum.ts';

/**
 * The counts an election's results are computed from: per referendum question and riding,
 * per plurality race, and, for ranked races, the ranking-pattern counts (distinct ranking →
 * how many ballots), so that a recount over millions of ballots runs over a few thousand
 * patterns. The central pipeline keeps exactly these counts in its tally tables; this module
 * can also build them from ballots, which is how the live tally is checked.
 */
export interface RankedCounts {
  /** Key: `rankingPatternKey(ranking)`. */
  readonly patterns: ReadonlyMap<string, number>;
  readonly blank: number;
}

export interface ElectionTally {
  /** Ballots counted per riding. */
  readonly ballots: ReadonlyMap<RidingCode, number>;
  readonly referendums: ReadonlyMap<ContestId, ReadonlyMap<RidingCode, ReferendumCounts>>;
  readonly plurality: ReadonlyMap<ContestId, PluralityCounts>;
  readonly ranked: ReadonlyMap<ContestId, RankedCounts>;
}

/** A ranking as one string: candidate ids in preference order, joined by ">" (ids never contain it). */
export function rankingPatternKey(ranking: readonly CandidateId[]): string {
  return ranking.join('>');
}

export function rankingOfPatternKey(key: string): CandidateId[] {
  return key === '' ? [] : (key.split('>') as CandidateId[]);
}

interface MutableRanked {
  patterns: Map<string, number>;
  blank: number;
}
interface MutablePlurality {
  votes: Map<CandidateId, number>;
  blank: number;
}

/** Accumulates validated ballots into an `ElectionTally`. */
export class TallyBuilder {
  private readonly ballots = new Map<RidingCode, number>();
  private readonly referendums = new Map<ContestId, Map<RidingCode, ReferendumCounts>>();
  private readonly plurality = new Map<ContestId, MutablePlurality>();
  private readonly ranked = new Map<ContestId, MutableRanked>();

  add(ballot: Ballot, times = 1): this {
    this.ballots.set(ballot.riding, (this.ballots.get(ballot.riding) ?? 0) + times);
    for (const s of ballot.selections) {
      switch (s.kind) {
        case 'referendum': {
          const byRiding = getOrSet(this.referendums, s.contest, () => new Map<RidingCode, ReferendumCounts>());
          const c = byRiding.get(ballot.riding) ?? { oui: 0, non: 0, blank: 0 };
          const key = s.choice ?? 'blank';
          byRiding.set(ballot.riding, { ...c, [key]: c[key] + times });
          break;
        }
        case 'plurality': {
          const counts = getOrSet(this.plurality, s.contest, () => ({ votes: new Map<CandidateId, number>(), blank: 0 }));
          if (s.choice === null) counts.blank += times;
          else counts.votes.set(s.choice, (counts.votes.get(s.choice) ?? 0) + times);
          break;
        }
        case 'ranked': {
          const counts = getOrSet(this.ranked, s.contest, () => ({ patterns: new Map<string, number>(), blank: 0 }));
          if (s.ranking.length === 0) counts.blank += times;
          else {
            const key = rankingPatternKey(s.ranking);
            counts.patterns.set(key, (counts.patterns.get(key) ?? 0) + times);
          }
          break;
        }
        default:
          assertNever(s, 'selection');
      }
    }
    return this;
  }

  build(): ElectionTally {
    return { ballots: this.ballots, referendums: this.referendums, plurality: this.plurality, ranked: this.ranked };
  }
}

export function tallyBallots(ballots: Iterable<Ballot>): ElectionTally {
  const builder = new TallyBuilder();
  for (const ballot of ballots) builder.add(ballot);
  return builder.build();
}

function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
