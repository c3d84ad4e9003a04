import { ok, type Result } from '../result.ts';
import type { IrvContest, IrvRules } from './irv_contest.ts';
import {
  INACTIVE_REASONS,
  type InactiveCounts,
  type InactiveReason,
  type IrvDecision,
  type IrvInputError,
  type IrvResult,
  type IrvRound,
  type IrvSliceResult,
  type Transfers,
} from './irv_result.ts';
import { OVERVOTE_CANDIDATE, buildCandidateDirectory, compilePatterns, type CandidateDirectory, type PatternTable } from './patterns.ts';
import type { RankingCount, SliceDimension } from './ranking.ts';
import { createTiebreaker, type Tiebreaker } from './tiebreak.ts';

/**
 * Single-winner instant-runoff tabulation with RCTab 2.0's rules (see
 * shared/conformance/rctab/README.md, "Tabulation semantics"), over ranking-pattern counts.
 *
 * Each distinct ranking is one pattern with a ballot count. A pattern is held by one
 * continuing candidate or is inactive; a round re-scans only the patterns held by the
 * candidates eliminated in the round before, so the work per round is proportional to the
 * ballots that actually move.
 *
 * Where the README is silent (states no real contest reaches), this engine decides:
 * - "Undeclared Write-ins" never wins: it is left out of every winner rule (threshold,
 *   last candidate standing, final pair).
 * - The count stops when no candidate is continuing any more (every candidate excluded, or
 *   the write-ins were the last ones left).
 * - The explicit overvote marker under exhaustIfMultipleContinuing is an overvote (RCTab's
 *   config validation refuses that combination; so does rctab/config.ts).
 * - The duplicate check looks at a rank's marks one by one, so `A|A` at one rank repeats A.
 */
export function tabulateIrv(contest: IrvContest, rankings: Iterable<RankingCount>): Result<IrvResult, IrvInputError> {
  const directory = buildCandidateDirectory(contest);
  if (!directory.ok) {
    return directory;
  }
  const table = compilePatterns(directory.value, contest.rules.maxRankingsAllowed, contest.sliceBy ?? [], rankings);
  if (!table.ok) {
    return table;
  }
  return ok(new IrvCount(contest, directory.value, table.value).run());
}

/** A scan's outcome: a candidate index (≥ 0), or -3 − the index of an inactive reason. */
const INACTIVE_BASE = -3;
const EXHAUSTED_CHOICES = INACTIVE_BASE - INACTIVE_REASONS.indexOf('exhaustedChoices');
const OVERVOTES = INACTIVE_BASE - INACTIVE_REASONS.indexOf('overvotes');
const REPEATED_RANKINGS = INACTIVE_BASE - INACTIVE_REASONS.indexOf('repeatedRankings');
const SKIPPED_RANKINGS = INACTIVE_BASE - INACTIVE_REASONS.indexOf('skippedRankings');
const REASONS = INACTIVE_REASONS.length;

type Decided = { readonly candidate: number; readonly byTiebreak: boolean };

/** One round as it is counted; transfers are filled in while the next round is counted. */
type RoundRecord = {
  readonly round: number;
  readonly continuing: readonly number[];
  readonly tally: Float64Array;
  readonly threshold: number;
  readonly inactive: Float64Array;
  readonly elected: readonly Decided[];
  readonly eliminated: readonly Decided[];
  /** Eliminated candidate → ballots received per candidate index, plus exhausted at the end. */
  readonly transfers: Map<number, Float64Array>;
  /** Per slice dimension: the same, per slice, and the slice tallies and inactive counts. */
  readonly slices: readonly SliceRoundRecord[];
};

type SliceRoundRecord = {
  readonly tally: Float64Array;
  readonly inactive: Float64Array;
  readonly transfers: Map<number, Float64Array>;
};

/** Running per-slice counters for one slice dimension. */
type SliceCounters = {
  readonly dimension: SliceDimension;
  readonly sliceOf: Int32Array;
  readonly values: readonly string[];
  readonly tally: Float64Array;
  readonly inactive: Float64Array;
  readonly ballots: Float64Array;
  readonly undervotes: Float64Array;
};

class IrvCount {
  private readonly rules: IrvRules;
  private readonly names: readonly string[];
  private readonly candidateCount: number;
  private readonly writeIn: number;
  /** 1 where the candidate can receive ballots (continuing, or elected under continue-until-two). */
  private readonly receiving: Uint8Array;
  /** Patterns held by each candidate, as singly linked lists through `nextHeld`. */
  private readonly firstHeld: Int32Array;
  private readonly nextHeld: Int32Array;
  private readonly tally: Float64Array;
  private readonly inactive = new Float64Array(REASONS);
  private readonly slices: readonly SliceCounters[];
  private readonly tiebreak: Tiebreaker;
  private readonly rounds: RoundRecord[] = [];
  /** Scratch for the duplicate check: spelling → scan number that last saw it. */
  private readonly seenInScan: Int32Array;
  private scanNumber = 0;
  private undervotes = 0;
  private totalBallots = 0;

  constructor(
    contest: IrvContest,
    directory: CandidateDirectory,
    private readonly table: PatternTable,
  ) {
    this.rules = contest.rules;
    this.names = directory.names;
    this.candidateCount = directory.names.length;
    this.writeIn = directory.writeInIndex;
    this.receiving = Uint8Array.from(directory.excluded, (excluded) => (excluded ? 0 : 1));
    this.firstHeld = new Int32Array(this.candidateCount).fill(-1);
    this.nextHeld = new Int32Array(table.size).fill(-1);
    this.tally = new Float64Array(this.candidateCount);
    this.seenInScan = new Int32Array(table.spellingCount);
    this.slices = table.slices.map(({ dimension, sliceOf, values }) => ({
      dimension,
      sliceOf,
      values,
      tally: new Float64Array(values.length * this.candidateCount),
      inactive: new Float64Array(values.length * REASONS),
      ballots: new Float64Array(values.length),
      undervotes: new Float64Array(values.length),
    }));
    this.tiebreak = createTiebreaker(contest.rules.tiebreak, directory.names);
  }

  run(): IrvResult {
    const rules = this.rules;
    let winner: Decided | null = null;
    let frozenThreshold: number | null = null;

    for (let round = 1; ; round++) {
      const previous = this.rounds[this.rounds.length - 1];
      if (previous === undefined) {
        this.countFirstRound();
      } else {
        // Counting this round is moving the ballots of last round's eliminated candidates;
        // where they go is that round's transfers.
        for (const { candidate } of previous.eliminated) {
          this.transferBallotsOf(candidate, previous);
        }
      }

      const continuing = this.continuingCandidates();
      const active = continuing.reduce((sum, candidate) => sum + (this.tally[candidate] as number), 0);
      const threshold: number = frozenThreshold ?? Math.floor(active / 2) + 1;
      if (round === 1 && rules.doesFirstRoundDetermineThreshold) {
        frozenThreshold = threshold;
      }
      const tallyOf = (candidate: number): number => this.tally[candidate] as number;

      const elected: Decided[] = [];
      let eliminated: Decided[] = [];
      if (winner === null) {
        winner = this.identifyWinner(continuing, threshold, tallyOf);
        if (winner !== null) {
          elected.push(winner);
          this.setStatus(winner.candidate, 'elected');
          if (rules.continueUntilTwoCandidatesRemain) {
            // The threshold stays where it was when the seat was filled.
            frozenThreshold = threshold;
          }
        }
      }
      const keepEliminating =
        elected.length === 0 &&
        continuing.length > 0 &&
        (winner === null || (rules.continueUntilTwoCandidatesRemain && continuing.length > 2));
      if (keepEliminating) {
        eliminated = this.chooseEliminations(continuing, tallyOf);
        for (const { candidate } of eliminated) {
          this.setStatus(candidate, 'eliminated');
        }
      }

      this.rounds.push({
        round,
        continuing,
        tally: this.tally.slice(),
        threshold,
        inactive: this.inactive.slice(),
        elected,
        eliminated,
        transfers: new Map(),
        slices: this.slices.map((slice) => ({
          tally: slice.tally.slice(),
          inactive: slice.inactive.slice(),
          transfers: new Map(),
        })),
      });

      const stillContinuing = this.receiving.reduce((sum, flag) => sum + flag, 0);
      if (rules.stopTabulationEarlyAfterRound !== null && round >= rules.stopTabulationEarlyAfterRound) {
        break;
      }
      if (stillContinuing === 0) {
        break;
      }
      if (winner !== null) {
        if (!rules.continueUntilTwoCandidatesRemain) {
          break;
        }
        // Continue until two remain, then show one last round after the final elimination.
        if (stillContinuing <= 2 && eliminated.length === 0) {
          break;
        }
      }
    }
    return this.result(winner);
  }

  /** Round 1: every pattern is scanned once. */
  private countFirstRound(): void {
    const { table } = this;
    for (let pattern = 0; pattern < table.size; pattern++) {
      const ballots = table.ballots[pattern] as number;
      this.totalBallots += ballots;
      for (const slice of this.slices) {
        const s = slice.sliceOf[pattern] as number;
        slice.ballots[s] = (slice.ballots[s] as number) + ballots;
      }
      if (table.rankStart[pattern] === table.rankStart[pattern + 1]) {
        // Ranked nobody: counted apart as an undervote, never in the inactive categories.
        this.undervotes += ballots;
        for (const slice of this.slices) {
          const s = slice.sliceOf[pattern] as number;
          slice.undervotes[s] = (slice.undervotes[s] as number) + ballots;
        }
        continue;
      }
      this.place(pattern, this.scan(pattern));
    }
  }

  /**
   * Moves every pattern held by an eliminated candidate to its next holder, recording the
   * moves as the transfers of the round that eliminated it.
   */
  private transferBallotsOf(from: number, eliminatedIn: RoundRecord): void {
    const { table } = this;
    const exhaustedColumn = this.candidateCount;
    const counts = new Float64Array(this.candidateCount + 1);
    eliminatedIn.transfers.set(from, counts);
    const sliceCounts = this.slices.map((slice, d) => {
      const array = new Float64Array(slice.values.length * (this.candidateCount + 1));
      eliminatedIn.slices[d]?.transfers.set(from, array);
      return array;
    });

    let pattern = this.firstHeld[from] as number;
    this.firstHeld[from] = -1;
    // The candidate's tally (and its slice tallies, pattern by pattern below) empties out.
    this.tally[from] = 0;
    while (pattern >= 0) {
      const next = this.nextHeld[pattern] as number;
      const ballots = table.ballots[pattern] as number;
      for (const slice of this.slices) {
        const cell = (slice.sliceOf[pattern] as number) * this.candidateCount + from;
        slice.tally[cell] = (slice.tally[cell] as number) - ballots;
      }
      const target = this.scan(pattern);
      this.place(pattern, target);
      const column = target >= 0 ? target : exhaustedColumn;
      counts[column] = (counts[column] as number) + ballots;
      for (let d = 0; d < this.slices.length; d++) {
        const slice = this.slices[d] as SliceCounters;
        const array = sliceCounts[d] as Float64Array;
        const cell = (slice.sliceOf[pattern] as number) * (this.candidateCount + 1) + column;
        array[cell] = (array[cell] as number) + ballots;
      }
      pattern = next;
    }
  }

  /** Gives a pattern to its new holder: a candidate's list and tally, or an inactive count. */
  private place(pattern: number, target: number): void {
    const ballots = this.table.ballots[pattern] as number;
    if (target >= 0) {
      this.nextHeld[pattern] = this.firstHeld[target] as number;
      this.firstHeld[target] = pattern;
      this.tally[target] = (this.tally[target] as number) + ballots;
      for (const slice of this.slices) {
        const cell = (slice.sliceOf[pattern] as number) * this.candidateCount + target;
        slice.tally[cell] = (slice.tally[cell] as number) + ballots;
      }
      return;
    }
    const reason = INACTIVE_BASE - target;
    this.inactive[reason] = (this.inactive[reason] as number) + ballots;
    for (const slice of this.slices) {
      const cell = (slice.sliceOf[pattern] as number) * REASONS + reason;
      slice.inactive[cell] = (slice.inactive[cell] as number) + ballots;
    }
  }

  /**
   * RCTab's ballot scan, from the first marked rank: returns the first continuing candidate
   * the ballot reaches, or why it becomes inactive. Rank order of the checks matters: skipped
   * ranks, then duplicates, then overvotes, then the candidates themselves.
   */
  private scan(pattern: number): number {
    const { table, rules, receiving } = this;
    const maxSkipped = rules.maxSkippedRanksAllowed;
    const firstRank = table.rankStart[pattern] as number;
    const lastRank = (table.rankStart[pattern + 1] as number) - 1;
    const scanNumber = ++this.scanNumber;
    let lastRankSeen = 0;
    for (let r = firstRank; r <= lastRank; r++) {
      const rank = table.rankNumber[r] as number;
      if (maxSkipped !== 'unlimited' && rank - lastRankSeen > maxSkipped + 1) {
        return SKIPPED_RANKINGS;
      }
      // Overvoted ranks and ranks of eliminated candidates still count as marked.
      lastRankSeen = rank;
      const firstMark = table.markStart[r] as number;
      const endMark = table.markStart[r + 1] as number;
      if (rules.exhaustOnDuplicateCandidate) {
        for (let m = firstMark; m < endMark; m++) {
          const spelling = table.markSpelling[m] as number;
          if (this.seenInScan[spelling] === scanNumber) {
            return REPEATED_RANKINGS;
          }
          this.seenInScan[spelling] = scanNumber;
        }
      }
      const isLastRank = r === lastRank;
      if (table.rankHasOvervoteMarker[r] === 1 || endMark - firstMark > 1) {
        const explicit = table.rankHasOvervoteMarker[r] === 1;
        switch (rules.overvoteRule) {
          case 'exhaustImmediately':
            return OVERVOTES;
          case 'alwaysSkipToNextRank':
            if (isLastRank) {
              return EXHAUSTED_CHOICES;
            }
            continue;
          case 'exhaustIfMultipleContinuing': {
            if (explicit) {
              return OVERVOTES;
            }
            let continuingMarks = 0;
            for (let m = firstMark; m < endMark; m++) {
              const candidate = table.markCandidate[m] as number;
              if (candidate !== OVERVOTE_CANDIDATE && receiving[candidate] === 1) {
                continuingMarks++;
              }
            }
            if (continuingMarks > 1) {
              return OVERVOTES;
            }
            break;
          }
        }
      }
      for (let m = firstMark; m < endMark; m++) {
        const candidate = table.markCandidate[m] as number;
        if (candidate !== OVERVOTE_CANDIDATE && receiving[candidate] === 1) {
          return candidate;
        }
      }
      if (isLastRank) {
        return EXHAUSTED_CHOICES;
      }
    }
    return EXHAUSTED_CHOICES;
  }

  private continuingCandidates(): number[] {
    const list: number[] = [];
    for (let candidate = 0; candidate < this.candidateCount; candidate++) {
      if (this.receiving[candidate] === 1) {
        list.push(candidate);
      }
    }
    return list;
  }

  private setStatus(candidate: number, status: 'elected' | 'eliminated'): void {
    // Under continue-until-two the winner stays in the count (and keeps its ballots).
    const receives = status === 'elected' && this.rules.continueUntilTwoCandidatesRemain;
    this.receiving[candidate] = receives ? 1 : 0;
  }

  /** The seat goes to a candidate at or over the threshold, else by the special cases. */
  private identifyWinner(continuing: readonly number[], threshold: number, tallyOf: (candidate: number) => number): Decided | null {
    // While write-ins hold votes nobody is elected: they are dropped first.
    if (this.writeIn >= 0 && this.receiving[this.writeIn] === 1 && tallyOf(this.writeIn) > 0) {
      return null;
    }
    const eligible = continuing.filter((candidate) => candidate !== this.writeIn);
    const reached = eligible.filter((candidate) => tallyOf(candidate) >= threshold);
    if (reached.length > 0) {
      return this.pickTop(reached, tallyOf);
    }
    if (continuing.length === 1 && eligible.length === 1) {
      return { candidate: eligible[0] as number, byTiebreak: false };
    }
    if (continuing.length === 2 && eligible.length === 2) {
      // Final pair, neither at the threshold: a frozen threshold can leave the leader
      // below it, and an exact tie is settled by the tiebreak rather than an elimination.
      return this.pickTop(eligible, tallyOf);
    }
    return null;
  }

  private pickTop(candidates: readonly number[], tallyOf: (candidate: number) => number): Decided {
    const most = Math.max(...candidates.map(tallyOf));
    const top = candidates.filter((candidate) => tallyOf(candidate) === most);
    if (top.length === 1) {
      return { candidate: top[0] as number, byTiebreak: false };
    }
    return { candidate: this.breakTie(top, 'winner'), byTiebreak: true };
  }

  /** Write-ins first, then a batch if it takes two or more, else the single lowest. */
  private chooseEliminations(continuing: readonly number[], tallyOf: (candidate: number) => number): Decided[] {
    if (this.writeIn >= 0 && continuing.includes(this.writeIn) && tallyOf(this.writeIn) > 0) {
      return [{ candidate: this.writeIn, byTiebreak: false }];
    }
    if (this.rules.batchElimination) {
      const batch = this.batch(continuing, tallyOf);
      if (batch.length >= 2) {
        return batch.map((candidate) => ({ candidate, byTiebreak: false }));
      }
    }
    const fewest = Math.min(...continuing.map(tallyOf));
    const last = continuing.filter((candidate) => tallyOf(candidate) === fewest);
    if (last.length === 1) {
      return [{ candidate: last[0] as number, byTiebreak: false }];
    }
    return [{ candidate: this.breakTie(last, 'loser'), byTiebreak: true }];
  }

  /**
   * Batch elimination: walking up the distinct tallies, every candidate below a tally that
   * the lower candidates together can't reach is mathematically out. Under
   * continue-until-two, a batch that would leave one candidate gives back its last group.
   */
  private batch(continuing: readonly number[], tallyOf: (candidate: number) => number): number[] {
    const values = [...new Set(continuing.map(tallyOf))].sort((a, b) => a - b);
    const groups: number[][] = [];
    const seen: number[] = [];
    const marked = new Set<number>();
    let runningTotal = 0;
    for (const value of values) {
      if (runningTotal < value) {
        const group = seen.filter((candidate) => !marked.has(candidate));
        if (group.length > 0) {
          groups.push(group);
          group.forEach((candidate) => marked.add(candidate));
        }
      }
      const atValue = continuing.filter((candidate) => tallyOf(candidate) === value);
      runningTotal += value * atValue.length;
      seen.push(...atValue);
    }
    if (this.rules.continueUntilTwoCandidatesRemain && marked.size === continuing.length - 1) {
      groups.pop();
    }
    return groups.flat();
  }

  private breakTie(tied: readonly number[], kind: 'winner' | 'loser'): number {
    const previousRounds = this.rounds.map((record) => (name: string) => {
      const index = this.names.indexOf(name);
      return record.continuing.includes(index) ? record.tally[index] : undefined;
    });
    const picked = this.tiebreak(
      tied.map((candidate) => this.names[candidate] as string),
      { kind, previousRounds },
    );
    return this.names.indexOf(picked);
  }

  private result(winner: Decided | null): IrvResult {
    const last = this.rounds[this.rounds.length - 1];
    return {
      rounds: this.rounds.map((record) => this.toRound(record, record.tally, record.inactive, record.transfers, 0)),
      winners: winner === null ? [] : [this.names[winner.candidate] as string],
      summary: {
        finalThreshold: last?.threshold ?? 0,
        numCandidates: this.candidateCount,
        numWinners: 1,
        totalNumBallots: this.totalBallots,
        undervotes: this.undervotes,
      },
      slices: this.slices.flatMap((slice, d) =>
        slice.values.map((value, s): IrvSliceResult => ({
          dimension: slice.dimension,
          value,
          totalNumBallots: slice.ballots[s] as number,
          undervotes: slice.undervotes[s] as number,
          rounds: this.rounds.map((record) => {
            const sliceRecord = record.slices[d] as SliceRoundRecord;
            return this.toRound(record, sliceRecord.tally, sliceRecord.inactive, sliceRecord.transfers, s);
          }),
        })),
      ),
    };
  }

  /**
   * Builds the public round from a record; `slice` picks the rows of per-slice arrays (the
   * whole-contest arrays have a single row, slice 0).
   */
  private toRound(
    record: RoundRecord,
    tally: Float64Array,
    inactive: Float64Array,
    transfers: ReadonlyMap<number, Float64Array>,
    slice: number,
  ): IrvRound {
    const width = this.candidateCount;
    const decision = (kind: IrvDecision['kind'], { candidate, byTiebreak }: Decided): IrvDecision => ({
      kind,
      candidate: this.names[candidate] as string,
      byTiebreak,
      transfers: this.toTransfers(transfers.get(candidate), slice),
    });
    const byName = (a: IrvDecision, b: IrvDecision): number => (a.candidate < b.candidate ? -1 : a.candidate > b.candidate ? 1 : 0);
    const inactiveCounts = Object.fromEntries(
      INACTIVE_REASONS.map((reason, i) => [reason, inactive[slice * REASONS + i] as number]),
    ) as Record<InactiveReason, number>;
    return {
      round: record.round,
      tally: new Map(record.continuing.map((candidate) => [this.names[candidate] as string, tally[slice * width + candidate] as number])),
      threshold: record.threshold,
      inactive: inactiveCounts satisfies InactiveCounts,
      decisions: [
        ...record.elected.map((decided) => decision('elected', decided)).sort(byName),
        ...record.eliminated.map((decided) => decision('eliminated', decided)).sort(byName),
      ],
    };
  }

  private toTransfers(counts: Float64Array | undefined, slice: number): Transfers {
    const toCandidates = new Map<string, number>();
    if (counts === undefined) {
      return { toCandidates, exhausted: 0 };
    }
    const width = this.candidateCount + 1;
    for (let candidate = 0; candidate < this.candidateCount; candidate++) {
      const ballots = counts[slice * width + candidate] as number;
      if (ballots > 0) {
        toCandidates.set(this.names[candidate] as string, ballots);
      }
    }
    return { toCandidates, exhausted: counts[slice * width + this.candidateCount] as number };
  }
}
