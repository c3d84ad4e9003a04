import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unwrap } from '../result.ts';
import { tabulateIrv } from './irv.ts';
import { STANDARD_IRV_RULES, type IrvContest, type IrvRules, type TiebreakRule } from './irv_contest.ts';
import { referenceTabulateIrv } from './irv_reference.test-support.ts';
import type { IrvResult, IrvRound } from './irv_result.ts';
import {
  OVERVOTE_MARK,
  UNDECLARED_WRITE_IN_MARK,
  candidateMark,
  rankingFromOrder,
  type BallotMark,
  type RankingCount,
  type SliceDimension,
} from './ranking.ts';

/** A plain contest of our own: ids as names, standard rules. */
function ownContest(ids: readonly string[], rules: Partial<IrvRules> = {}): IrvContest {
  return {
    candidates: ids.map((id) => ({ name: id, aliases: [], excluded: false })),
    undeclaredWriteIns: false,
    rules: { ...STANDARD_IRV_RULES, ...rules },
  };
}

function plainRounds(result: IrvResult): unknown {
  const round = (r: IrvRound): unknown => ({
    ...r,
    tally: [...r.tally],
    decisions: r.decisions.map((d) => ({ ...d, transfers: { ...d.transfers, toCandidates: [...d.transfers.toCandidates] } })),
  });
  return {
    winners: result.winners,
    summary: result.summary,
    rounds: result.rounds.map(round),
    slices: result.slices.map((slice) => ({ ...slice, rounds: slice.rounds.map(round) })),
  };
}

describe('tabulateIrv on ranking-pattern counts', () => {
  it('counts a simple contest of our own from ordered candidate ids', () => {
    const result = unwrap(
      tabulateIrv(ownContest(['ALICE', 'BOB', 'CAROL']), [
        { ranking: rankingFromOrder(['ALICE', 'BOB']), count: 4 },
        { ranking: rankingFromOrder(['BOB', 'ALICE']), count: 3 },
        { ranking: rankingFromOrder(['CAROL', 'BOB']), count: 2 },
        { ranking: rankingFromOrder([]), count: 1 },
      ]),
    );
    expect(result.winners).toEqual(['BOB']);
    expect(result.summary).toEqual({ finalThreshold: 5, numCandidates: 3, numWinners: 1, totalNumBallots: 10, undervotes: 1 });
    expect(result.rounds.map((round) => [...round.tally])).toEqual([
      [
        ['ALICE', 4],
        ['BOB', 3],
        ['CAROL', 2],
      ],
      [
        ['ALICE', 4],
        ['BOB', 5],
      ],
    ]);
    expect(result.rounds[0]?.decisions).toEqual([
      { kind: 'eliminated', candidate: 'CAROL', byTiebreak: false, transfers: { toCandidates: new Map([['BOB', 2]]), exhausted: 0 } },
    ]);
  });

  it('merges identical rankings however they are split', () => {
    const contest = ownContest(['A', 'B', 'C']);
    const once = unwrap(
      tabulateIrv(contest, [
        { ranking: rankingFromOrder(['A', 'B']), count: 3 },
        { ranking: rankingFromOrder(['C']), count: 2 },
      ]),
    );
    const split = unwrap(
      tabulateIrv(contest, [
        { ranking: rankingFromOrder(['A', 'B']), count: 1 },
        {
          ranking: [
            { rank: 2, marks: [candidateMark('B')] },
            { rank: 1, marks: [candidateMark('A')] },
          ],
          count: 2,
        },
        { ranking: [{ rank: 1, marks: [candidateMark('C')] }], count: 2 },
      ]),
    );
    expect(plainRounds(split)).toEqual(plainRounds(once));
  });

  it('groups marks given at the same rank number into one overvoted rank', () => {
    const result = unwrap(
      tabulateIrv(ownContest(['A', 'B']), [
        {
          ranking: [
            { rank: 1, marks: [candidateMark('A')] },
            { rank: 1, marks: [candidateMark('B')] },
          ],
          count: 1,
        },
        { ranking: rankingFromOrder(['A']), count: 2 },
      ]),
    );
    expect(result.rounds[0]?.inactive.overvotes).toBe(1);
  });

  it.each([
    [
      { ranking: rankingFromOrder(['NOBODY']), count: 1 },
      { kind: 'unknownCandidate', name: 'NOBODY' },
    ],
    [
      { ranking: [{ rank: 0, marks: [candidateMark('A')] }], count: 1 },
      { kind: 'rankOutOfRange', rank: 0, maxRankingsAllowed: 2 },
    ],
    [
      { ranking: [{ rank: 3, marks: [candidateMark('A')] }], count: 1 },
      { kind: 'rankOutOfRange', rank: 3, maxRankingsAllowed: 2 },
    ],
    [
      { ranking: rankingFromOrder(['A']), count: 1.5 },
      { kind: 'invalidCount', count: 1.5 },
    ],
    [{ ranking: [{ rank: 1, marks: [UNDECLARED_WRITE_IN_MARK] }], count: 1 }, { kind: 'undeclaredWriteInNotEnabled' }],
  ] satisfies [RankingCount, unknown][])('refuses invalid input %#', (ranking, error) => {
    expect(tabulateIrv(ownContest(['A', 'B'], { maxRankingsAllowed: 2 }), [ranking])).toEqual({ ok: false, error });
  });

  it('refuses a spelling that names two candidates', () => {
    const contest: IrvContest = {
      ...ownContest([]),
      candidates: [
        { name: 'A', aliases: ['X'], excluded: false },
        { name: 'B', aliases: ['X'], excluded: false },
      ],
    };
    expect(tabulateIrv(contest, [])).toEqual({ ok: false, error: { kind: 'ambiguousCandidateName', name: 'X' } });
  });
});

// ---------------------------------------------------------------------------------------
// Differential test: the pattern-count engine against the naive ballot-by-ballot reference.

const NAME_POOL = ['A', 'B', 'b', 'Ab', 'É', 'Zoë', 'Dopey', 'Sneezy', 'Grumpy', 'a b'];
const JAVA_LONG = { min: -(2n ** 63n), max: 2n ** 63n - 1n };

const tiebreakArb: fc.Arbitrary<TiebreakRule> = fc.oneof(
  fc.constant({ mode: 'useCandidateOrder' } as const),
  fc.bigInt(JAVA_LONG).map((seed) => ({ mode: 'random', seed }) as const),
  fc.bigInt(JAVA_LONG).map((seed) => ({ mode: 'generatePermutation', seed }) as const),
  fc.bigInt(JAVA_LONG).map((seed) => ({ mode: 'previousRoundCountsThenRandom', seed }) as const),
);

const rulesArb: fc.Arbitrary<IrvRules> = fc.record({
  overvoteRule: fc.constantFrom('exhaustImmediately', 'alwaysSkipToNextRank', 'exhaustIfMultipleContinuing'),
  maxSkippedRanksAllowed: fc.oneof(fc.constant('unlimited' as const), fc.integer({ min: 0, max: 3 })),
  maxRankingsAllowed: fc.oneof(fc.constant('max' as const), fc.integer({ min: 6, max: 8 })),
  exhaustOnDuplicateCandidate: fc.boolean(),
  tiebreak: tiebreakArb,
  batchElimination: fc.boolean(),
  continueUntilTwoCandidatesRemain: fc.boolean(),
  doesFirstRoundDetermineThreshold: fc.boolean(),
  stopTabulationEarlyAfterRound: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null, freq: 6 }),
});

const contestArb: fc.Arbitrary<IrvContest> = fc
  .oneof({ weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }, { weight: 4, arbitrary: fc.integer({ min: 3, max: 8 }) })
  .chain((size) =>
    fc
      .record({
        names: fc.shuffledSubarray(NAME_POOL, { minLength: size, maxLength: size }),
        excluded: fc.array(
          fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
          { minLength: size, maxLength: size },
        ),
        aliased: fc.array(fc.boolean(), { minLength: size, maxLength: size }),
        undeclaredWriteIns: fc.boolean(),
        rules: rulesArb,
        sliceBy: fc.subarray<SliceDimension>(['precinct', 'batch']),
      })
      .map(({ names, excluded, aliased, undeclaredWriteIns, rules, sliceBy }) => ({
        candidates: names.map((name, i) => ({
          name,
          aliases: aliased[i] === true ? [`${name}-alias`] : [],
          excluded: excluded[i] === true,
        })),
        undeclaredWriteIns,
        rules,
        sliceBy,
      })),
  );

/** Ballots for a contest: every spelling, write-ins if enabled, explicit overvotes where allowed. */
function rankingsArb(contest: IrvContest): fc.Arbitrary<RankingCount[]> {
  const choices: { mark: BallotMark; who: string }[] = contest.candidates.flatMap((c) =>
    [c.name, ...c.aliases].map((spelling) => ({ mark: candidateMark(spelling), who: c.name })),
  );
  if (contest.undeclaredWriteIns) {
    choices.push({ mark: UNDECLARED_WRITE_IN_MARK, who: 'UWI' });
  }
  // Earlier choices are more popular (the lower of two draws), so that some candidates
  // trail far enough behind for batch eliminations.
  const index = fc.integer({ min: 0, max: choices.length - 1 });
  const skewedChoice = fc.tuple(index, index).map(([a, b]) => choices[Math.min(a, b)] ?? { mark: UNDECLARED_WRITE_IN_MARK, who: 'UWI' });
  // One rank: a single explicit overvote marker, or 1–3 different candidates.
  const marksArb = fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .uniqueArray(skewedChoice, { minLength: 1, maxLength: 3, selector: (c) => c.who })
        .map((list) => list.map((c) => c.mark)),
    },
    { weight: contest.rules.overvoteRule === 'exhaustIfMultipleContinuing' ? 0 : 1, arbitrary: fc.constant([OVERVOTE_MARK]) },
  );
  const rankingArb = fc.uniqueArray(fc.record({ rank: fc.integer({ min: 1, max: 6 }), marks: marksArb }), {
    maxLength: 5,
    selector: (entry) => entry.rank,
  });
  const sliceValue = fc.constantFrom(undefined, '', 'p1', 'p2', 'P 3');
  return fc.array(
    fc.record({
      ranking: rankingArb,
      count: fc.integer({ min: 0, max: 4 }),
      slice: fc.record({ precinct: sliceValue, batch: sliceValue }),
    }),
    { maxLength: 40 },
  );
}

describe('tabulateIrv against the naive reference', () => {
  it('gives identical round-by-round results on random contests and rules', () => {
    const seen = { tiebreaks: 0, batches: 0, continuedAfterWinner: 0, stoppedEarly: 0, inactiveKinds: new Set<string>() };
    fc.assert(
      fc.property(
        contestArb.chain((contest) => fc.tuple(fc.constant(contest), rankingsArb(contest))),
        ([contest, rankings]) => {
          const actual = tabulateIrv(contest, rankings);
          expect(actual.ok).toBe(true);
          if (!actual.ok) {
            return;
          }
          expect(plainRounds(actual.value)).toEqual(plainRounds(referenceTabulateIrv(contest, rankings)));

          const decisions = actual.value.rounds.flatMap((round) => round.decisions);
          if (decisions.some((d) => d.byTiebreak)) seen.tiebreaks++;
          if (actual.value.rounds.some((round) => round.decisions.filter((d) => d.kind === 'eliminated').length >= 2)) seen.batches++;
          const electedIn = actual.value.rounds.findIndex((round) => round.decisions.some((d) => d.kind === 'elected'));
          if (electedIn >= 0 && electedIn < actual.value.rounds.length - 1) seen.continuedAfterWinner++;
          if (actual.value.winners.length === 0) seen.stoppedEarly++;
          const last = actual.value.rounds[actual.value.rounds.length - 1];
          for (const [kind, count] of Object.entries(last?.inactive ?? {})) if (count > 0) seen.inactiveKinds.add(kind);
        },
      ),
      { seed: 20250611, numRuns: 400 },
    );
    // The generator must actually reach the interesting paths.
    expect(seen.tiebreaks).toBeGreaterThan(100);
    expect(seen.batches).toBeGreaterThan(10);
    expect(seen.continuedAfterWinner).toBeGreaterThan(20);
    expect(seen.stoppedEarly).toBeGreaterThan(20);
    expect([...seen.inactiveKinds].sort()).toEqual(['exhaustedChoices', 'overvotes', 'repeatedRankings', 'skippedRankings']);
  });
});
