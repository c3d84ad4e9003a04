/**
 * IRV over 8 million ballots: generates a realistic ranked-ballot distribution, aggregates
 * it to ranking-pattern counts and tabulates. Prints one JSON line. Target: tabulation in
 * under 5 s on a 2-core machine (measured here, never asserted in tests).
 *
 * Voter model: 20 candidates in 4 party blocs of 5; a candidate's popularity follows a Zipf
 * law (the k-th most popular has weight 1/k); most voters rank 1–5 candidates, a fifth cast
 * bullet votes; after the first choice a voter stays in the first choice's bloc 70% of the
 * time.
 */
import {
  STANDARD_IRV_RULES,
  candidateMark,
  seededRandom,
  tabulateIrv,
  type BallotMark,
  type IrvContest,
  type RankingCount,
} from '@scrutin/shared';

/** BENCH_BALLOTS overrides the size, for profiling smaller runs. */
const BALLOTS = Number(process.env.BENCH_BALLOTS ?? 8_000_000);
const CANDIDATES = 20;
const BLOCS = 4;
const STAY_IN_BLOC = 0.7;
/** Cumulative share of voters ranking exactly 1, 2, … candidates (up to 10). */
const LENGTH_CDF = [0.2, 0.4, 0.62, 0.76, 0.88, 0.93, 0.96, 0.98, 0.99, 1];

export async function benchIrv(): Promise<void> {
  await Promise.resolve();
  const names = Array.from({ length: CANDIDATES }, (_, i) => `CAND-${String(i + 1).padStart(2, '0')}`);
  const contest: IrvContest = {
    candidates: names.map((name) => ({ name, aliases: [], excluded: false })),
    undeclaredWriteIns: false,
    rules: STANDARD_IRV_RULES,
  };

  const aggregateStart = performance.now();
  const aggregateCpu = process.cpuUsage();
  const patterns = aggregateBallots(BALLOTS, seededRandom(20_240_611));
  const aggregateCpuMs = cpuMsSince(aggregateCpu);
  const aggregateMs = performance.now() - aggregateStart;

  // The tabulator reads the patterns lazily, straight from the compact counter: no
  // million-object array of rankings sits in the heap while it counts. tabulateMs therefore
  // includes turning each pattern key into a ranking.
  const tabulateStart = performance.now();
  const tabulateCpu = process.cpuUsage();
  const result = tabulateIrv(contest, rankingsOf(patterns, names));
  const tabulateCpuMs = cpuMsSince(tabulateCpu);
  const tabulateMs = performance.now() - tabulateStart;
  if (!result.ok) {
    throw new Error(`bench contest refused: ${JSON.stringify(result.error)}`);
  }
  console.log(
    JSON.stringify({
      bench: 'irv',
      ballots: BALLOTS,
      candidates: CANDIDATES,
      distinctPatterns: patterns.size,
      aggregateMs: Math.round(aggregateMs),
      tabulateMs: Math.round(tabulateMs),
      // CPU time too: on a shared machine wall time includes waiting for a core.
      aggregateCpuMs,
      tabulateCpuMs,
      rounds: result.value.rounds.length,
      winner: result.value.winners[0] ?? null,
      exhausted: result.value.rounds.at(-1)?.inactive.exhaustedChoices ?? 0,
    }),
  );
}

/**
 * Draws `count` ballots and counts them by ranking, without ever holding them: a ranking of
 * up to 10 candidates is a base-21 number (digit = candidate + 1), which fits in a double.
 */
function aggregateBallots(count: number, random: () => number): PatternCounter {
  const popularity = Array.from({ length: CANDIDATES }, (_, k) => 1 / (k + 1));
  // Spread the popular candidates over the blocs so that every bloc has a contender.
  const blocOf = Array.from({ length: CANDIDATES }, (_, c) => c % BLOCS);
  const anyone = cumulative(popularity);
  const inBloc = Array.from({ length: BLOCS }, (_, bloc) => cumulative(popularity.map((w, c) => (blocOf[c] === bloc ? w : 0))));

  const counts = new PatternCounter();
  const chosen = new Uint8Array(CANDIDATES);
  for (let ballot = 0; ballot < count; ballot++) {
    chosen.fill(0);
    const length = pick(LENGTH_CDF, random()) + 1;
    const first = pick(anyone, random());
    chosen[first] = 1;
    let key = first + 1;
    const bloc = inBloc[blocOf[first] ?? 0] ?? anyone;
    for (let rank = 1; rank < length; rank++) {
      const table = random() < STAY_IN_BLOC ? bloc : anyone;
      let next = pick(table, random());
      // Rejection sampling; fall back to any unranked candidate when the bloc is used up.
      for (let tries = 0; chosen[next] === 1 && tries < 8; tries++) {
        next = pick(table, random());
      }
      if (chosen[next] === 1) {
        next = pick(anyone, random());
        while (chosen[next] === 1) {
          next = (next + 1) % CANDIDATES;
        }
      }
      chosen[next] = 1;
      key = key * 21 + next + 1;
    }
    counts.add(key);
  }
  return counts;
}

/**
 * Counts per ranking key in an open-addressing table of doubles: far lighter than a
 * Map<number, number> whose keys above 2^31 would each be a heap-allocated number.
 */
class PatternCounter {
  private keys = new Float64Array(1 << 16);
  private counts = new Float64Array(1 << 16);
  size = 0;

  add(key: number): void {
    let mask = this.keys.length - 1;
    let slot = this.slotOf(key, mask);
    while (this.keys[slot] !== 0 && this.keys[slot] !== key) {
      slot = (slot + 1) & mask;
    }
    if (this.keys[slot] === 0) {
      this.keys[slot] = key;
      this.size++;
      if (this.size * 2 > this.keys.length) {
        this.grow();
        mask = this.keys.length - 1;
        slot = this.slotOf(key, mask);
        while (this.keys[slot] !== key) {
          slot = (slot + 1) & mask;
        }
      }
    }
    this.counts[slot] = (this.counts[slot] ?? 0) + 1;
  }

  *entries(): Generator<[key: number, count: number]> {
    for (let slot = 0; slot < this.keys.length; slot++) {
      const key = this.keys[slot] ?? 0;
      if (key !== 0) {
        yield [key, this.counts[slot] ?? 0];
      }
    }
  }

  private slotOf(key: number, mask: number): number {
    // Mix the high and low halves of the key (keys reach 2^44).
    const low = (key % 4294967296) | 0;
    const high = Math.floor(key / 4294967296) | 0;
    return (Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b) >>> 7) & mask;
  }

  private grow(): void {
    const keys = this.keys;
    const counts = this.counts;
    this.keys = new Float64Array(keys.length * 2);
    this.counts = new Float64Array(keys.length * 2);
    const mask = this.keys.length - 1;
    keys.forEach((key, old) => {
      if (key !== 0) {
        let slot = this.slotOf(key, mask);
        while (this.keys[slot] !== 0) {
          slot = (slot + 1) & mask;
        }
        this.keys[slot] = key;
        this.counts[slot] = counts[old] ?? 0;
      }
    });
  }
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system) / 1000);
}

function* rankingsOf(patterns: PatternCounter, names: readonly string[]): Generator<RankingCount> {
  // Rankings share one marks array per candidate: readonly data, no need to copy it.
  const marksOf: readonly (readonly BallotMark[])[] = names.map((name) => [candidateMark(name)]);
  for (const [key, count] of patterns.entries()) {
    yield { ranking: decodeRanking(key).map((candidate, i) => ({ rank: i + 1, marks: marksOf[candidate] ?? [] })), count };
  }
}

function decodeRanking(key: number): number[] {
  const ranking: number[] = [];
  for (let rest = key; rest > 0; rest = Math.floor(rest / 21)) {
    ranking.push((rest % 21) - 1);
  }
  return ranking.reverse();
}

function cumulative(weights: readonly number[]): number[] {
  const total = weights.reduce((sum, w) => sum + w, 0);
  let running = 0;
  return weights.map((w) => (running += w / total));
}

/** Index of the first cumulative share above `u`. */
function pick(cdf: readonly number[], u: number): number {
  let low = 0;
  let high = cdf.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (u < (cdf[middle] ?? 1)) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return low;
}
