/**
 * A deliberately naive IRV tabulator, written straight from the "Tabulation semantics"
 * section of shared/conformance/rctab/README.md, for differential testing of irv.ts. It
 * handles every ballot one by one in every round, keeps names as strings throughout, and
 * shares nothing with the real engine except the Java random generator and the types.
 * Clarity over speed: never use it for real counts.
 *
 * Where the README is silent, it follows the same documented choices as irv.ts:
 * "Undeclared Write-ins" never wins; the count stops once no candidate is continuing;
 * the overvote marker under exhaustIfMultipleContinuing is an overvote.
 */
import type { IrvContest, TiebreakRule } from './irv_contest.ts';
import type { InactiveReason, IrvDecision, IrvResult, IrvRound, IrvSliceResult } from './irv_result.ts';
import { JavaRandom } from './java_random.ts';
import type { BallotMark, RankingCount, SliceDimension } from './ranking.ts';

const UWI = 'Undeclared Write-ins';
const OVERVOTE = Symbol('overvote');
type Raw = string | typeof OVERVOTE;

type Ballot = {
  /** Marked ranks in ascending order, each with the raw strings marked there. */
  readonly ranks: readonly { readonly rank: number; readonly raws: readonly Raw[] }[];
  readonly slice: Partial<Record<SliceDimension, string>>;
  holder: string | null;
  inactive: InactiveReason | 'noRankings' | null;
};

export function referenceTabulateIrv(contest: IrvContest, rankings: readonly RankingCount[]): IrvResult {
  const rules = contest.rules;
  const names = contest.candidates.map((c) => c.name);
  if (contest.undeclaredWriteIns) names.push(UWI);
  const nameOf = (raw: string): string => {
    if (raw === UWI) return UWI;
    for (const c of contest.candidates) if (c.name === raw || c.aliases.includes(raw)) return c.name;
    throw new Error(`unknown candidate ${raw}`);
  };
  const excluded = new Set(contest.candidates.filter((c) => c.excluded).map((c) => c.name));
  const eliminated = new Set<string>();
  let winner: string | null = null;
  const isContinuing = (name: string): boolean =>
    !excluded.has(name) && !eliminated.has(name) && (name !== winner || rules.continueUntilTwoCandidatesRemain);

  // Expand the counts back into individual ballots, in input order.
  const ballots: Ballot[] = [];
  for (const entry of rankings) {
    for (let i = 0; i < entry.count; i++) {
      ballots.push({ ranks: groupByRank(entry.ranking), slice: { ...entry.slice }, holder: null, inactive: null });
    }
  }

  const tiebreak = makeTiebreak(rules.tiebreak, names);
  const roundTallies: Map<string, number>[] = [];
  const rounds: {
    round: number;
    continuing: string[];
    threshold: number;
    elected: { name: string; tie: boolean }[];
    eliminated: { name: string; tie: boolean }[];
    ballotsSnapshot: { holder: string | null; inactive: Ballot['inactive'] }[];
  }[] = [];
  let frozen: number | null = null;

  for (let round = 1; ; round++) {
    // Count: every ballot, in order.
    for (const ballot of ballots) {
      if (ballot.inactive !== null) continue;
      if (ballot.holder !== null && isContinuing(ballot.holder)) continue;
      if (ballot.ranks.length === 0) {
        ballot.inactive = 'noRankings';
        continue;
      }
      const outcome = scanBallot(ballot);
      if (typeof outcome === 'string') {
        ballot.holder = outcome;
      } else {
        ballot.holder = null;
        ballot.inactive = outcome.inactive;
      }
    }

    const continuing = names.filter(isContinuing);
    const tally = new Map<string, number>(continuing.map((n) => [n, 0]));
    for (const ballot of ballots) {
      if (ballot.inactive === null && ballot.holder !== null) tally.set(ballot.holder, (tally.get(ballot.holder) ?? 0) + 1);
    }
    let active = 0;
    for (const v of tally.values()) active += v;
    const threshold: number = frozen ?? Math.floor(active / 2) + 1;
    if (round === 1 && rules.doesFirstRoundDetermineThreshold) frozen = threshold;

    const elected: { name: string; tie: boolean }[] = [];
    let out: { name: string; tie: boolean }[] = [];
    if (winner === null) {
      const found = findWinner(continuing, tally, threshold, round);
      if (found !== null) {
        winner = found.name;
        elected.push(found);
        if (rules.continueUntilTwoCandidatesRemain) frozen = threshold;
      }
    }
    if (
      elected.length === 0 &&
      continuing.length > 0 &&
      (winner === null || (rules.continueUntilTwoCandidatesRemain && continuing.length > 2))
    ) {
      out = findLosers(continuing, tally, round);
      for (const loser of out) eliminated.add(loser.name);
    }
    roundTallies.push(tally);
    rounds.push({
      round,
      continuing,
      threshold,
      elected,
      eliminated: out,
      ballotsSnapshot: ballots.map((b) => ({ holder: b.holder, inactive: b.inactive })),
    });

    const left = names.filter(isContinuing).length;
    if (rules.stopTabulationEarlyAfterRound !== null && round >= rules.stopTabulationEarlyAfterRound) break;
    if (left === 0) break;
    if (winner !== null && !rules.continueUntilTwoCandidatesRemain) break;
    if (winner !== null && left <= 2 && out.length === 0) break;
  }

  // Reports: the whole contest, then each slice, from the per-round ballot snapshots.
  const roundsFor = (inSlice: (ballot: Ballot) => boolean): IrvRound[] =>
    rounds.map((r, index) => {
      const tally = new Map<string, number>(r.continuing.map((n) => [n, 0]));
      const inactive = { exhaustedChoices: 0, overvotes: 0, repeatedRankings: 0, skippedRankings: 0 };
      ballots.forEach((ballot, i) => {
        if (!inSlice(ballot)) return;
        const state = must(r.ballotsSnapshot[i]);
        if (state.inactive === null && state.holder !== null) tally.set(state.holder, (tally.get(state.holder) ?? 0) + 1);
        else if (state.inactive !== null && state.inactive !== 'noRankings') inactive[state.inactive]++;
      });
      // Transfers of this round's decisions: compare each ballot's holder now and next round.
      const next = rounds[index + 1];
      const decision = (kind: IrvDecision['kind'], d: { name: string; tie: boolean }): IrvDecision => {
        const toCandidates = new Map<string, number>();
        let exhausted = 0;
        if (kind === 'eliminated' && next !== undefined) {
          ballots.forEach((ballot, i) => {
            if (!inSlice(ballot)) return;
            const now = must(r.ballotsSnapshot[i]);
            const then = must(next.ballotsSnapshot[i]);
            if (now.inactive !== null || now.holder !== d.name) return;
            if (then.inactive !== null) exhausted++;
            else if (then.holder !== null) toCandidates.set(then.holder, (toCandidates.get(then.holder) ?? 0) + 1);
          });
        }
        const ordered = new Map(names.filter((n) => toCandidates.has(n)).map((n) => [n, must(toCandidates.get(n))]));
        return { kind, candidate: d.name, byTiebreak: d.tie, transfers: { toCandidates: ordered, exhausted } };
      };
      const byName = (a: IrvDecision, b: IrvDecision): number => codeUnitCompare(a.candidate, b.candidate);
      return {
        round: r.round,
        tally,
        threshold: r.threshold,
        inactive,
        decisions: [
          ...r.elected.map((d) => decision('elected', d)).sort(byName),
          ...r.eliminated.map((d) => decision('eliminated', d)).sort(byName),
        ],
      };
    });

  const slices: IrvSliceResult[] = [];
  for (const dimension of contest.sliceBy ?? []) {
    const missing = dimension === 'precinct' ? 'missing_precinct_id' : 'missing_batch_id';
    const valueOf = (ballot: Ballot): string => {
      const v = ballot.slice[dimension];
      return v === undefined || v === '' ? missing : v;
    };
    const values: string[] = [];
    for (const ballot of ballots) if (!values.includes(valueOf(ballot))) values.push(valueOf(ballot));
    for (const value of values) {
      const inSlice = (ballot: Ballot): boolean => valueOf(ballot) === value;
      slices.push({
        dimension,
        value,
        rounds: roundsFor(inSlice),
        totalNumBallots: ballots.filter(inSlice).length,
        undervotes: ballots.filter((b) => inSlice(b) && b.ranks.length === 0).length,
      });
    }
  }

  return {
    rounds: roundsFor(() => true),
    winners: winner === null ? [] : [winner],
    summary: {
      finalThreshold: rounds[rounds.length - 1]?.threshold ?? 0,
      numCandidates: names.length,
      numWinners: 1,
      totalNumBallots: ballots.length,
      undervotes: ballots.filter((b) => b.ranks.length === 0).length,
    },
    slices,
  };

  /** README step 4: re-scan from the first marked rank. */
  function scanBallot(ballot: Ballot): string | { inactive: InactiveReason } {
    let last = 0;
    const seen: Raw[] = [];
    for (let i = 0; i < ballot.ranks.length; i++) {
      const { rank, raws } = must(ballot.ranks[i]);
      const isLast = i === ballot.ranks.length - 1;
      if (rules.maxSkippedRanksAllowed !== 'unlimited' && rank - last > rules.maxSkippedRanksAllowed + 1) {
        return { inactive: 'skippedRankings' };
      }
      last = rank;
      if (rules.exhaustOnDuplicateCandidate) {
        for (const raw of raws) {
          if (seen.includes(raw)) return { inactive: 'repeatedRankings' };
          seen.push(raw);
        }
      }
      if (raws.includes(OVERVOTE)) {
        if (rules.overvoteRule === 'alwaysSkipToNextRank') {
          if (isLast) return { inactive: 'exhaustedChoices' };
          continue;
        }
        return { inactive: 'overvotes' };
      }
      if (raws.length >= 2) {
        if (rules.overvoteRule === 'exhaustImmediately') return { inactive: 'overvotes' };
        if (rules.overvoteRule === 'alwaysSkipToNextRank') {
          if (isLast) return { inactive: 'exhaustedChoices' };
          continue;
        }
        const continuingHere = raws.filter((raw) => typeof raw === 'string' && isContinuing(nameOf(raw))).length;
        if (continuingHere >= 2) return { inactive: 'overvotes' };
      }
      for (const raw of raws) {
        if (typeof raw === 'string' && isContinuing(nameOf(raw))) return nameOf(raw);
      }
      if (isLast) return { inactive: 'exhaustedChoices' };
    }
    return { inactive: 'exhaustedChoices' };
  }

  function findWinner(
    continuing: string[],
    tally: Map<string, number>,
    threshold: number,
    round: number,
  ): { name: string; tie: boolean } | null {
    if ((tally.get(UWI) ?? 0) > 0) return null;
    const eligible = continuing.filter((n) => n !== UWI);
    const over = eligible.filter((n) => must(tally.get(n)) >= threshold);
    const top = (among: string[]): { name: string; tie: boolean } => {
      const most = Math.max(...among.map((n) => must(tally.get(n))));
      const tied = among.filter((n) => tally.get(n) === most);
      return tied.length === 1 ? { name: must(tied[0]), tie: false } : { name: tiebreak(tied, 'winner', roundTallies, round), tie: true };
    };
    if (over.length > 0) return top(over);
    if (continuing.length === 1 && eligible.length === 1) return { name: must(eligible[0]), tie: false };
    if (continuing.length === 2 && eligible.length === 2) return top(eligible);
    return null;
  }

  function findLosers(continuing: string[], tally: Map<string, number>, round: number): { name: string; tie: boolean }[] {
    if (continuing.includes(UWI) && must(tally.get(UWI)) > 0) return [{ name: UWI, tie: false }];
    if (rules.batchElimination) {
      const values = [...new Set(continuing.map((n) => must(tally.get(n))))].sort((a, b) => a - b);
      let sum = 0;
      const seen: string[] = [];
      const marked: string[] = [];
      let lastGroup: string[] = [];
      for (const v of values) {
        if (sum < v) {
          const group = seen.filter((n) => !marked.includes(n));
          if (group.length > 0) {
            marked.push(...group);
            lastGroup = group;
          }
        }
        const atV = continuing.filter((n) => tally.get(n) === v);
        sum += v * atV.length;
        seen.push(...atV);
      }
      let batch = marked;
      if (rules.continueUntilTwoCandidatesRemain && continuing.length - marked.length === 1) {
        batch = marked.filter((n) => !lastGroup.includes(n));
      }
      if (batch.length >= 2) return batch.map((name) => ({ name, tie: false }));
    }
    const least = Math.min(...continuing.map((n) => must(tally.get(n))));
    const lowest = continuing.filter((n) => tally.get(n) === least);
    if (lowest.length === 1) return [{ name: must(lowest[0]), tie: false }];
    return [{ name: tiebreak(lowest, 'loser', roundTallies, round), tie: true }];
  }
}

function groupByRank(ranking: RankingCount['ranking']): Ballot['ranks'] {
  const map = new Map<number, Raw[]>();
  for (const { rank, marks } of ranking) {
    for (const mark of marks) {
      const list = map.get(rank) ?? [];
      list.push(rawOf(mark));
      map.set(rank, list);
    }
  }
  return [...map.keys()].sort((a, b) => a - b).map((rank) => ({ rank, raws: must(map.get(rank)) }));
}

function rawOf(mark: BallotMark): Raw {
  if (mark.kind === 'candidate') return mark.name;
  if (mark.kind === 'overvote') return OVERVOTE;
  return UWI;
}

/** Java String.compareTo, char by char. */
function codeUnitCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

/** Simulates `new HashSet<>(list)` then iterating it: a table of bucket lists. */
function hashSetIteration(list: readonly string[]): string[] {
  let capacity = 1;
  const wanted = Math.max(Math.floor(list.length / 0.75) + 1, 16);
  while (capacity < wanted) capacity *= 2;
  const table: string[][] = Array.from({ length: capacity }, () => []);
  for (const s of list) {
    const h = javaHash(s);
    must(table[(h ^ (h >>> 16)) & (capacity - 1)]).push(s);
  }
  return table.flat();
}

function makeTiebreak(
  rule: TiebreakRule,
  names: readonly string[],
): (tied: string[], kind: 'winner' | 'loser', history: Map<string, number>[], round: number) => string {
  const byOrder = (order: readonly string[], tied: string[], kind: 'winner' | 'loser'): string => {
    const hits = order.filter((n) => tied.includes(n));
    return kind === 'winner' ? must(hits[0]) : must(hits[hits.length - 1]);
  };
  if (rule.mode === 'useCandidateOrder') return (tied, kind) => byOrder(names, tied, kind);
  if (rule.mode === 'generatePermutation') {
    const perm = [...names].sort(codeUnitCompare);
    const shuffler = new JavaRandom(rule.seed);
    for (let i = perm.length; i > 1; i--) {
      const j = shuffler.nextInt(i);
      [perm[i - 1], perm[j]] = [must(perm[j]), must(perm[i - 1])];
    }
    return (tied, kind) => byOrder(perm, tied, kind);
  }
  const random = new JavaRandom(rule.seed);
  const draw = (list: string[]): string => must(list[Math.floor(random.nextDouble() * list.length)]);
  if (rule.mode === 'random') return (tied) => draw([...tied].sort(codeUnitCompare));
  return (tied, kind, history, round) => {
    let contention = [...tied].sort(codeUnitCompare);
    for (let r = round - 1; r >= 1; r--) {
      const tally = must(history[r - 1]);
      const ordered = hashSetIteration(contention);
      const votes = ordered.map((n) => must(tally.get(n)));
      const pick = kind === 'winner' ? Math.max(...votes) : Math.min(...votes);
      contention = ordered.filter((n) => tally.get(n) === pick);
      if (contention.length === 1) return must(contention[0]);
    }
    return draw(contention);
  };
}

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('reference tabulator: missing value');
  return value;
}
