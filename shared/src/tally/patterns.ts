import { err, ok, type Result } from '../result.ts';
import type { IrvContest } from './irv_contest.ts';
import type { IrvInputError } from './irv_result.ts';
import { UNDECLARED_WRITE_INS, type BallotMark, type RankingCount, type SliceDimension, type SliceTag } from './ranking.ts';

/**
 * Turns the caller's rankings into the compact table the round loop works on. Identical
 * rankings (same marks at the same ranks, in the same slices) are merged into one pattern
 * with a ballot count, so eight million ballots cost what their distinct rankings cost.
 * This runs once per distinct input ranking, so it avoids per-ranking allocations: marks
 * go straight into growable typed arrays and patterns are found again through a hash table
 * over those arrays.
 */

/** Candidate numbering: config order, then "Undeclared Write-ins" when it is enabled. */
export type CandidateDirectory = {
  /** Report name of each candidate index. */
  readonly names: readonly string[];
  readonly excluded: readonly boolean[];
  /** Index of the write-in pseudo-candidate, or -1 when write-ins are not enabled. */
  readonly writeInIndex: number;
  /** Every spelling a CVR may use (names and aliases) → candidate index. */
  readonly lookup: ReadonlyMap<string, number>;
};

export function buildCandidateDirectory(contest: IrvContest): Result<CandidateDirectory, IrvInputError> {
  const names: string[] = [];
  const excluded: boolean[] = [];
  const lookup = new Map<string, number>();
  for (const candidate of contest.candidates) {
    const index = names.length;
    names.push(candidate.name);
    excluded.push(candidate.excluded);
    for (const spelling of [candidate.name, ...candidate.aliases]) {
      const existing = lookup.get(spelling);
      if ((existing !== undefined && existing !== index) || spelling === UNDECLARED_WRITE_INS) {
        return err({ kind: 'ambiguousCandidateName', name: spelling });
      }
      lookup.set(spelling, index);
    }
  }
  let writeInIndex = -1;
  if (contest.undeclaredWriteIns) {
    writeInIndex = names.length;
    names.push(UNDECLARED_WRITE_INS);
    excluded.push(false);
  }
  return ok({ names, excluded, writeInIndex, lookup });
}

/** `markCandidate` value of the explicit overvote marker. */
export const OVERVOTE_CANDIDATE = -1;

/**
 * Distinct rankings in flat typed arrays (struct-of-arrays): pattern p owns ranks
 * `rankStart[p] .. rankStart[p+1]-1`, and rank r owns marks `markStart[r] .. markStart[r+1]-1`.
 */
export type PatternTable = {
  readonly size: number;
  /** Ballots per pattern. */
  readonly ballots: Float64Array;
  readonly rankStart: Int32Array;
  readonly rankNumber: Int32Array;
  /** 1 where the rank carries the explicit overvote marker. */
  readonly rankHasOvervoteMarker: Uint8Array;
  readonly markStart: Int32Array;
  /** Candidate index of each mark (aliases resolved), or OVERVOTE_CANDIDATE. */
  readonly markCandidate: Int32Array;
  /**
   * The mark as the CVR spelled it, numbered, for the duplicate check: RCTab compares raw
   * strings there, so an alias and its name are different marks.
   */
  readonly markSpelling: Int32Array;
  readonly spellingCount: number;
  /** Per requested slice dimension: each pattern's slice number, and the slice values. */
  readonly slices: readonly PatternSlices[];
};

export type PatternSlices = {
  readonly dimension: SliceDimension;
  readonly sliceOf: Int32Array;
  readonly values: readonly string[];
};

/** Slice value RCTab gives a ballot with no precinct / batch. */
const MISSING_SLICE: { readonly [D in SliceDimension]: string } = {
  precinct: 'missing_precinct_id',
  batch: 'missing_batch_id',
};

/** Spelling numbers 0 and 1 are the overvote marker and the write-in; names follow. */
const OVERVOTE_SPELLING = 0;
const WRITE_IN_SPELLING = 1;

export function compilePatterns(
  directory: CandidateDirectory,
  maxRankingsAllowed: number | 'max',
  sliceBy: readonly SliceDimension[],
  rankings: Iterable<RankingCount>,
): Result<PatternTable, IrvInputError> {
  // Every spelling is known up front, so marks resolve with a single map lookup.
  const spellingOf = new Map<string, number>();
  const candidateOfSpelling = [OVERVOTE_CANDIDATE, directory.writeInIndex];
  for (const [spelling, candidate] of directory.lookup) {
    spellingOf.set(spelling, candidateOfSpelling.length);
    candidateOfSpelling.push(candidate);
  }
  const sliceNumbers = sliceBy.map(() => new Map<string, number>());
  const maxRank = maxRankingsAllowed === 'max' ? Number.MAX_SAFE_INTEGER : maxRankingsAllowed;

  // Every new ArrayBuffer can trigger a full GC of the caller's (possibly huge) heap, so
  // size the store once from the number of input rankings when it is known.
  const store = new PatternStore(sliceBy.length, Array.isArray(rankings) ? rankings.length : 1024);
  // The current ranking's marks, as (rank, spelling) pairs in rank order.
  const scratch = new MarkScratch();
  const scratchSlices = new Int32Array(sliceBy.length);

  for (const { ranking, count, slice } of rankings) {
    if (!Number.isSafeInteger(count) || count < 0) {
      return err({ kind: 'invalidCount', count });
    }
    scratch.clear();
    let inOrder = true;
    let previousRank = 0;
    // Indexed loops: this runs once per mark of every distinct input ranking.
    for (let r = 0; r < ranking.length; r++) {
      const { rank, marks } = ranking[r] as RankingCount['ranking'][number];
      if (!Number.isSafeInteger(rank) || rank < 1 || rank > maxRank) {
        return err({ kind: 'rankOutOfRange', rank, maxRankingsAllowed });
      }
      inOrder &&= rank >= previousRank;
      previousRank = rank;
      for (let m = 0; m < marks.length; m++) {
        const mark = marks[m] as BallotMark;
        switch (mark.kind) {
          case 'candidate': {
            const spelling = spellingOf.get(mark.name);
            if (spelling === undefined) {
              return err({ kind: 'unknownCandidate', name: mark.name });
            }
            scratch.push(rank, spelling);
            break;
          }
          case 'overvote':
            scratch.push(rank, OVERVOTE_SPELLING);
            break;
          case 'undeclaredWriteIn':
            if (directory.writeInIndex < 0) {
              return err({ kind: 'undeclaredWriteInNotEnabled' });
            }
            scratch.push(rank, WRITE_IN_SPELLING);
            break;
        }
      }
    }
    if (count === 0) {
      continue;
    }
    if (!inOrder) {
      // Ranks given out of order: group them, keeping the marks' order within a rank.
      scratch.sortByRank();
    }
    for (let d = 0; d < sliceBy.length; d++) {
      scratchSlices[d] = sliceNumber(sliceNumbers[d] as Map<string, number>, sliceValue(slice, sliceBy[d] as SliceDimension));
    }
    store.add(scratch, scratchSlices, count);
  }

  return ok(
    store.finish(
      candidateOfSpelling,
      sliceBy.map((dimension, d) => ({ dimension, values: [...(sliceNumbers[d] as Map<string, number>).keys()] })),
    ),
  );
}

function sliceNumber(numbers: Map<string, number>, value: string): number {
  let number = numbers.get(value);
  if (number === undefined) {
    number = numbers.size;
    numbers.set(value, number);
  }
  return number;
}

function sliceValue(slice: SliceTag | undefined, dimension: SliceDimension): string {
  const value = slice?.[dimension];
  return value === undefined || value === '' ? MISSING_SLICE[dimension] : value;
}

/** The marks of the ranking being read, reused from one ranking to the next. */
class MarkScratch {
  rank = new Int32Array(64);
  spelling = new Int32Array(64);
  length = 0;

  clear(): void {
    this.length = 0;
  }

  push(rank: number, spelling: number): void {
    if (this.length === this.rank.length) {
      this.rank = grow(this.rank, this.length * 2);
      this.spelling = grow(this.spelling, this.length * 2);
    }
    this.rank[this.length] = rank;
    this.spelling[this.length] = spelling;
    this.length++;
  }

  /** Stable sort by rank (Array.prototype.sort is stable). */
  sortByRank(): void {
    const order = Array.from({ length: this.length }, (_, i) => i).sort((a, b) => (this.rank[a] as number) - (this.rank[b] as number));
    const rank = order.map((i) => this.rank[i] as number);
    const spelling = order.map((i) => this.spelling[i] as number);
    this.rank.set(rank);
    this.spelling.set(spelling);
  }
}

/** Growable flat storage of distinct patterns, with a hash table to find them again. */
class PatternStore {
  size = 0;
  ballots: Float64Array;
  hashes: Int32Array;
  /** Pattern p's marks are markBegin[p] .. markBegin[p+1]-1. */
  markBegin: Int32Array;
  markRank: Int32Array;
  markSpelling: Int32Array;
  sliceOf: Int32Array;
  /** Open addressing, linear probing; holds pattern + 1, 0 when free. */
  table: Int32Array;

  constructor(
    private readonly dimensions: number,
    expectedPatterns: number,
  ) {
    const capacity = Math.max(expectedPatterns, 16);
    this.ballots = new Float64Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.markBegin = new Int32Array(capacity + 1);
    this.markRank = new Int32Array(capacity * 4);
    this.markSpelling = new Int32Array(capacity * 4);
    this.sliceOf = new Int32Array(capacity * Math.max(dimensions, 1));
    let tableSize = 16;
    while (tableSize < capacity * 2) {
      tableSize *= 2;
    }
    this.table = new Int32Array(tableSize);
  }

  add(marks: MarkScratch, slices: Int32Array, count: number): void {
    const hash = hashPattern(marks, slices, this.dimensions);
    const mask = this.table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.table[slot] as number;
      if (entry === 0) {
        this.table[slot] = this.append(marks, slices, count, hash) + 1;
        if (this.size * 2 > this.table.length) {
          this.rehash();
        }
        return;
      }
      const pattern = entry - 1;
      if (this.hashes[pattern] === hash && this.equals(pattern, marks, slices)) {
        this.ballots[pattern] = (this.ballots[pattern] as number) + count;
        return;
      }
    }
  }

  finish(
    candidateOfSpelling: readonly number[],
    slices: readonly { readonly dimension: SliceDimension; readonly values: readonly string[] }[],
  ): PatternTable {
    // Locals, not `this.` lookups, in this once-per-mark loop.
    const { size, markBegin, markRank, markSpelling } = this;
    const markCount = markBegin[size] as number;
    const rankStart = new Int32Array(size + 1);
    // At most one rank per mark; the views below cut these to size without copying.
    const rankNumber = new Int32Array(markCount);
    const rankHasOvervoteMarker = new Uint8Array(markCount);
    const markStart = new Int32Array(markCount + 1);
    const markCandidate = new Int32Array(markCount);
    let ranks = 0;
    for (let pattern = 0; pattern < size; pattern++) {
      rankStart[pattern] = ranks;
      const end = markBegin[pattern + 1] as number;
      let previousRank = 0;
      for (let m = markBegin[pattern] as number; m < end; m++) {
        const rank = markRank[m] as number;
        if (rank !== previousRank) {
          markStart[ranks] = m;
          rankNumber[ranks] = rank;
          ranks++;
          previousRank = rank;
        }
        const spelling = markSpelling[m] as number;
        markCandidate[m] = candidateOfSpelling[spelling] as number;
        if (spelling === OVERVOTE_SPELLING) {
          rankHasOvervoteMarker[ranks - 1] = 1;
        }
      }
    }
    rankStart[size] = ranks;
    markStart[ranks] = markCount;
    return {
      size,
      ballots: this.ballots.subarray(0, size),
      rankStart,
      rankNumber: rankNumber.subarray(0, ranks),
      rankHasOvervoteMarker: rankHasOvervoteMarker.subarray(0, ranks),
      markStart: markStart.subarray(0, ranks + 1),
      markCandidate,
      markSpelling: markSpelling.subarray(0, markCount),
      spellingCount: candidateOfSpelling.length,
      slices: slices.map(({ dimension, values }, d) => {
        const sliceOf = new Int32Array(size);
        for (let pattern = 0; pattern < size; pattern++) {
          sliceOf[pattern] = this.sliceOf[pattern * this.dimensions + d] as number;
        }
        return { dimension, sliceOf, values };
      }),
    };
  }

  private append(marks: MarkScratch, slices: Int32Array, count: number, hash: number): number {
    const pattern = this.size;
    if (pattern + 1 >= this.ballots.length) {
      const capacity = this.ballots.length * 2;
      this.ballots = grow(this.ballots, capacity);
      this.hashes = grow(this.hashes, capacity);
      this.markBegin = grow(this.markBegin, capacity + 1);
      this.sliceOf = grow(this.sliceOf, capacity * Math.max(this.dimensions, 1));
    }
    const begin = this.markBegin[pattern] as number;
    const end = begin + marks.length;
    if (end > this.markRank.length) {
      const capacity = Math.max(end, this.markRank.length * 2);
      this.markRank = grow(this.markRank, capacity);
      this.markSpelling = grow(this.markSpelling, capacity);
    }
    // Plain loops: `set(subarray(...))` would allocate two views per pattern.
    for (let i = 0; i < marks.length; i++) {
      this.markRank[begin + i] = marks.rank[i] as number;
      this.markSpelling[begin + i] = marks.spelling[i] as number;
    }
    this.markBegin[pattern + 1] = end;
    for (let d = 0; d < this.dimensions; d++) {
      this.sliceOf[pattern * this.dimensions + d] = slices[d] as number;
    }
    this.ballots[pattern] = count;
    this.hashes[pattern] = hash;
    this.size++;
    return pattern;
  }

  private equals(pattern: number, marks: MarkScratch, slices: Int32Array): boolean {
    const begin = this.markBegin[pattern] as number;
    if ((this.markBegin[pattern + 1] as number) - begin !== marks.length) {
      return false;
    }
    for (let i = 0; i < marks.length; i++) {
      if (this.markRank[begin + i] !== marks.rank[i] || this.markSpelling[begin + i] !== marks.spelling[i]) {
        return false;
      }
    }
    for (let d = 0; d < this.dimensions; d++) {
      if (this.sliceOf[pattern * this.dimensions + d] !== slices[d]) {
        return false;
      }
    }
    return true;
  }

  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    const mask = this.table.length - 1;
    for (let pattern = 0; pattern < this.size; pattern++) {
      let slot = (this.hashes[pattern] as number) & mask;
      while (this.table[slot] !== 0) {
        slot = (slot + 1) & mask;
      }
      this.table[slot] = pattern + 1;
    }
  }
}

/** FNV-1a over the (rank, spelling) pairs and slice numbers, as a 32-bit int. */
function hashPattern(marks: MarkScratch, slices: Int32Array, dimensions: number): number {
  const prime = 0x01000193;
  let hash = 0x811c9dc5 | 0;
  for (let i = 0; i < marks.length; i++) {
    hash = Math.imul(hash ^ (marks.rank[i] as number), prime);
    hash = Math.imul(hash ^ (marks.spelling[i] as number), prime);
  }
  for (let d = 0; d < dimensions; d++) {
    hash = Math.imul(hash ^ (slices[d] as number), prime);
  }
  // A final avalanche so that linear probing sees well-spread low bits.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash;
}

function grow<T extends Int32Array | Float64Array>(array: T, capacity: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(capacity);
  bigger.set(array);
  return bigger;
}
