import type { Ballot, Selection } from '../ballot/ballot.ts';
import type { CandidateId, ContestId, ElectionId, RidingCode } from '../ids.ts';
import { assertNever, err, ok, type Result } from '../result.ts';
import { rankingPatternKey, type ElectionTally, type RankedCounts } from '../tally/election_tally.ts';
import { tabulateRace } from '../tally/irv_race.ts';
import type { IrvInputError, IrvResult } from '../tally/irv_result.ts';
import type { CandidateRace, Contest, ElectionDefinition, LocalizedText, ReferendumOptionId } from './definition.ts';
import { ballotStyle } from './election.ts';

/**
 * The logic-and-accuracy test deck (docs/polling-day.md): for one riding's ballot style, a
 * deterministic set of ballots and the tally it must produce, so a station (or central) can
 * count the deck like live ballots and compare.
 *
 * How the deck is built, per contest of the ballot style, with K the largest number of
 * options (candidates, or oui/non) among them and N = (K + 1)(K + 2) / 2 ballots:
 * - option i (0-based, in ballot order) receives i + 1 votes, so every option has a distinct
 *   count and two swapped options (a mislabelled candidate, a swapped position) change the
 *   tally;
 * - the rest of the N ballots are blank on that contest (at least K + 1 of them, a count no
 *   option has);
 * - ranked races: the ballots whose first choice is option i rank, in turn, a full ranking
 *   (i, then the others strongest first), a partial one (i, then the option just below it)
 *   and a single choice (i alone). Eliminated options' full rankings transfer, partial ones
 *   skip an already eliminated option and exhaust, single ones exhaust; the expected rounds
 *   are those of the project's own IRV tabulator (tally/irv_race.ts) over those patterns.
 * Ballots are interleaved (each contest's list is rotated differently), so a bug that mixes
 * up contests on one ballot also shows.
 *
 * Browser-safe and pure: the same deck comes out for the same election, riding and copies.
 */
export const TEST_DECK_VERSION = 1;

/** A deck ballot: a ballot as the kiosk casts it, without any identifier. */
export type DeckBallot = Pick<Ballot, 'election' | 'riding' | 'selections'>;

/** A referendum option, a candidate, or a blank (nothing chosen on that contest). */
export type DeckOption = ReferendumOptionId | CandidateId | 'blank';

export interface ExpectedVotes {
  readonly option: Exclude<DeckOption, 'blank'>;
  readonly votes: number;
}

export interface ExpectedRankingPattern {
  readonly ranking: readonly CandidateId[];
  readonly count: number;
}

export interface ExpectedRound {
  readonly round: number;
  /** Votes of every continuing candidate, in ballot order. */
  readonly tally: readonly { readonly candidate: CandidateId; readonly votes: number }[];
  readonly threshold: number;
  /** Ballots no longer counting (cumulative): exhausted rankings. */
  readonly inactive: number;
  readonly decisions: readonly {
    readonly kind: 'elected' | 'eliminated';
    readonly candidate: CandidateId;
    readonly byTiebreak: boolean;
  }[];
}

interface ExpectedContestBase {
  readonly contest: ContestId;
  readonly title: LocalizedText;
  /** Ballots that carry the contest (every deck ballot), blank ones included. */
  readonly ballots: number;
  /** Votes per option in ballot order; first choices for a ranked race. */
  readonly options: readonly ExpectedVotes[];
  readonly blank: number;
}

export type ExpectedContest =
  | (ExpectedContestBase & { readonly kind: 'referendum' })
  | (ExpectedContestBase & { readonly kind: 'plurality' })
  | (ExpectedContestBase & {
      readonly kind: 'ranked';
      readonly patterns: readonly ExpectedRankingPattern[];
      readonly rounds: readonly ExpectedRound[];
      readonly winner: CandidateId | null;
    });

export interface ExpectedTally {
  readonly election: ElectionId;
  readonly riding: RidingCode;
  readonly ballots: number;
  readonly contests: readonly ExpectedContest[];
}

export interface TestDeck {
  readonly version: typeof TEST_DECK_VERSION;
  readonly election: ElectionId;
  readonly riding: RidingCode;
  /** How many times the base deck is repeated (central runs one deck per station of a riding). */
  readonly copies: number;
  readonly ballots: readonly DeckBallot[];
  readonly expected: ExpectedTally;
}

export type TestDeckError =
  | { readonly kind: 'unknown-riding'; readonly riding: RidingCode }
  | { readonly kind: 'invalid-copies'; readonly copies: number }
  | { readonly kind: 'tabulation-failed'; readonly contest: ContestId; readonly error: IrvInputError };

/** One contest's list of N selections, before the ballots are interleaved. */
interface ContestPlan {
  readonly contest: Contest;
  readonly selections: readonly Selection[];
  readonly expected: ExpectedContest;
}

export function testDeck(
  election: ElectionDefinition,
  riding: RidingCode,
  options: { readonly copies?: number } = {},
): Result<TestDeck, TestDeckError> {
  const copies = options.copies ?? 1;
  if (!Number.isSafeInteger(copies) || copies < 1) return err({ kind: 'invalid-copies', copies });
  if (!election.ridings.some((r) => r.code === riding)) return err({ kind: 'unknown-riding', riding });
  const style = ballotStyle(election, riding);
  const widest = Math.max(...style.map((c) => optionIds(c).length));
  const size = ((widest + 1) * (widest + 2)) / 2;

  const plans: ContestPlan[] = [];
  for (const contest of style) {
    const plan = planContest(contest, size, copies);
    if (!plan.ok) return plan;
    plans.push(plan.value);
  }

  const base: DeckBallot[] = Array.from({ length: size }, (_, b) => ({
    election: election.id,
    riding,
    selections: plans.map((plan, c) => plan.selections[(b + 7 * c) % size] as Selection),
  }));
  const ballots = Array.from({ length: copies }, () => base).flat();
  return ok({
    version: TEST_DECK_VERSION,
    election: election.id,
    riding,
    copies,
    ballots,
    expected: { election: election.id, riding, ballots: size * copies, contests: plans.map((p) => p.expected) },
  });
}

function optionIds(contest: Contest): readonly (ReferendumOptionId | CandidateId)[] {
  switch (contest.kind) {
    case 'referendum':
      return contest.options.map((o) => o.id);
    case 'candidate':
      return contest.candidates.map((c) => c.id);
    default:
      return assertNever(contest, 'contest');
  }
}

function planContest(contest: Contest, size: number, copies: number): Result<ContestPlan, TestDeckError> {
  const ids = optionIds(contest);
  const voted = ids.reduce((sum, _id, i) => sum + i + 1, 0);
  const blank = size - voted;
  const options = ids.map((option, i) => ({ option, votes: (i + 1) * copies }));
  const base = { contest: contest.id, title: contest.title, ballots: size * copies, options, blank: blank * copies };

  if (contest.kind === 'referendum') {
    const selections: Selection[] = [
      ...contest.options.flatMap((o, i) => repeat(i + 1, (): Selection => ({ kind: 'referendum', contest: contest.id, choice: o.id }))),
      ...repeat(blank, (): Selection => ({ kind: 'referendum', contest: contest.id, choice: null })),
    ];
    return ok({ contest, selections, expected: { ...base, kind: 'referendum' } });
  }
  if (contest.method === 'plurality') {
    const selections: Selection[] = [
      ...contest.candidates.flatMap((k, i) => repeat(i + 1, (): Selection => ({ kind: 'plurality', contest: contest.id, choice: k.id }))),
      ...repeat(blank, (): Selection => ({ kind: 'plurality', contest: contest.id, choice: null })),
    ];
    return ok({ contest, selections, expected: { ...base, kind: 'plurality' } });
  }

  const rankings = contest.candidates.flatMap((_k, i) => Array.from({ length: i + 1 }, (_, j) => deckRanking(contest, i, j)));
  const selections: Selection[] = [
    ...rankings.map((ranking): Selection => ({ kind: 'ranked', contest: contest.id, ranking })),
    ...repeat(blank, (): Selection => ({ kind: 'ranked', contest: contest.id, ranking: [] })),
  ];
  const patternCounts = new Map<string, { ranking: readonly CandidateId[]; count: number }>();
  for (const ranking of rankings) {
    const key = rankingPatternKey(ranking);
    const entry = patternCounts.get(key) ?? { ranking, count: 0 };
    patternCounts.set(key, { ranking, count: entry.count + copies });
  }
  const patterns = [...patternCounts.values()];
  const counts: RankedCounts = { patterns: new Map([...patternCounts].map(([key, p]) => [key, p.count])), blank: blank * copies };
  const tabulated = tabulateRace(contest, counts);
  if (!tabulated.ok) return err({ kind: 'tabulation-failed', contest: contest.id, error: tabulated.error });
  return ok({ contest, selections, expected: { ...base, kind: 'ranked', patterns, ...roundsOf(contest, tabulated.value) } });
}

/**
 * The j-th ranking of the ballots whose first choice is candidate i: full, partial, single
 * in turn, within the race's ranking limit.
 */
function deckRanking(race: CandidateRace, i: number, j: number): CandidateId[] {
  const ids = race.candidates.map((c) => c.id);
  const first = ids[i] as CandidateId;
  const limit = race.irv?.maxRankings ?? 'max';
  const max = limit === 'max' ? ids.length : limit;
  const strongestFirst = ids.filter((_, k) => k !== i).reverse();
  let ranking: CandidateId[];
  switch (j % 3) {
    case 0:
      ranking = [first, ...strongestFirst];
      break;
    case 1:
      ranking = [first, ids[i === 0 ? ids.length - 1 : i - 1] as CandidateId].filter((c, k, all) => all.indexOf(c) === k);
      break;
    default:
      ranking = [first];
  }
  return ranking.slice(0, max);
}

function roundsOf(race: CandidateRace, result: IrvResult): { rounds: ExpectedRound[]; winner: CandidateId | null } {
  const order = race.candidates.map((c) => c.id as string);
  const rounds = result.rounds.map((r) => ({
    round: r.round,
    tally: [...r.tally]
      .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
      .map(([candidate, votes]) => ({ candidate: candidate as CandidateId, votes })),
    threshold: r.threshold,
    inactive: Object.values(r.inactive).reduce((sum, n) => sum + n, 0),
    decisions: r.decisions.map((d) => ({ kind: d.kind, candidate: d.candidate as CandidateId, byTiebreak: d.byTiebreak })),
  }));
  return { rounds, winner: (result.winners[0] as CandidateId | undefined) ?? null };
}

function repeat<T>(times: number, make: () => T): T[] {
  return Array.from({ length: times }, make);
}

// --- Comparing a tally with the expected one -----------------------------------------------------

export type TallyDifference =
  | { readonly kind: 'ballots'; readonly riding: RidingCode; readonly expected: number; readonly actual: number }
  | { readonly kind: 'votes'; readonly contest: ContestId; readonly option: DeckOption; readonly expected: number; readonly actual: number }
  | {
      readonly kind: 'ranking-pattern';
      readonly contest: ContestId;
      readonly ranking: readonly CandidateId[];
      readonly expected: number;
      readonly actual: number;
    }
  | { readonly kind: 'irv-round-count'; readonly contest: ContestId; readonly expected: number; readonly actual: number }
  | {
      readonly kind: 'irv-round-votes';
      readonly contest: ContestId;
      readonly round: number;
      readonly candidate: CandidateId | 'inactive';
      readonly expected: number | null;
      readonly actual: number | null;
    }
  | {
      readonly kind: 'irv-decisions';
      readonly contest: ContestId;
      readonly round: number;
      readonly expected: string;
      readonly actual: string;
    }
  | { readonly kind: 'irv-winner'; readonly contest: ContestId; readonly expected: CandidateId | null; readonly actual: CandidateId | null }
  | { readonly kind: 'irv-tabulation-failed'; readonly contest: ContestId; readonly error: IrvInputError }
  /** Counts for a contest that is not on the deck's ballot style. */
  | { readonly kind: 'unexpected-contest'; readonly contest: ContestId; readonly votes: number }
  /** Ballots counted in another riding than the deck's. */
  | { readonly kind: 'unexpected-riding'; readonly riding: RidingCode; readonly ballots: number };

/**
 * Every difference between a tally of the deck's ballots (as the station or central counted
 * them) and the deck's expected tally; an empty list means the count is right. `tally` holds
 * only the deck's riding (a station's own tally, or central's test tally of that riding).
 */
export function compareWithExpected(election: ElectionDefinition, expected: ExpectedTally, tally: ElectionTally): TallyDifference[] {
  const differences: TallyDifference[] = [];
  const actualBallots = tally.ballots.get(expected.riding) ?? 0;
  if (actualBallots !== expected.ballots) {
    differences.push({ kind: 'ballots', riding: expected.riding, expected: expected.ballots, actual: actualBallots });
  }
  for (const [riding, ballots] of tally.ballots) {
    if (riding !== expected.riding && ballots > 0) differences.push({ kind: 'unexpected-riding', riding, ballots });
  }

  const onBallot = new Set<ContestId>(expected.contests.map((c) => c.contest));
  for (const contest of expected.contests) {
    switch (contest.kind) {
      case 'referendum': {
        const counts = tally.referendums.get(contest.contest)?.get(expected.riding) ?? { oui: 0, non: 0, blank: 0 };
        compareVotes(
          differences,
          contest,
          (option) => (option === 'oui' ? counts.oui : option === 'non' ? counts.non : 0),
          counts.blank,
          [],
        );
        break;
      }
      case 'plurality': {
        const counts = tally.plurality.get(contest.contest) ?? { votes: new Map<CandidateId, number>(), blank: 0 };
        compareVotes(differences, contest, (option) => counts.votes.get(option as CandidateId) ?? 0, counts.blank, [...counts.votes]);
        break;
      }
      case 'ranked': {
        const counts: RankedCounts = tally.ranked.get(contest.contest) ?? { patterns: new Map<string, number>(), blank: 0 };
        const firstChoices = new Map<CandidateId, number>();
        for (const [key, count] of counts.patterns) {
          const first = key.split('>')[0] as CandidateId;
          firstChoices.set(first, (firstChoices.get(first) ?? 0) + count);
        }
        compareVotes(differences, contest, (option) => firstChoices.get(option as CandidateId) ?? 0, counts.blank, [...firstChoices]);
        compareRanked(differences, election, contest, counts);
        break;
      }
      default:
        assertNever(contest, 'expected contest');
    }
  }

  const stray = (contest: ContestId, votes: number) => {
    if (!onBallot.has(contest) && votes > 0) differences.push({ kind: 'unexpected-contest', contest, votes });
  };
  for (const [contest, byRiding] of tally.referendums) {
    const counts = byRiding.get(expected.riding);
    if (counts !== undefined) stray(contest, counts.oui + counts.non + counts.blank);
  }
  for (const [contest, counts] of tally.plurality)
    stray(
      contest,
      [...counts.votes.values()].reduce((a, b) => a + b, counts.blank),
    );
  for (const [contest, counts] of tally.ranked)
    stray(
      contest,
      [...counts.patterns.values()].reduce((a, b) => a + b, counts.blank),
    );
  return differences;
}

function compareVotes(
  differences: TallyDifference[],
  contest: ExpectedContest,
  actualOf: (option: Exclude<DeckOption, 'blank'>) => number,
  actualBlank: number,
  actualEntries: readonly (readonly [string, number])[],
): void {
  for (const { option, votes } of contest.options) {
    const actual = actualOf(option);
    if (actual !== votes) differences.push({ kind: 'votes', contest: contest.contest, option, expected: votes, actual });
  }
  if (actualBlank !== contest.blank) {
    differences.push({ kind: 'votes', contest: contest.contest, option: 'blank', expected: contest.blank, actual: actualBlank });
  }
  const known = new Set<string>(contest.options.map((o) => o.option));
  for (const [option, votes] of actualEntries) {
    if (!known.has(option) && votes > 0) {
      differences.push({ kind: 'votes', contest: contest.contest, option: option as CandidateId, expected: 0, actual: votes });
    }
  }
}

function compareRanked(
  differences: TallyDifference[],
  election: ElectionDefinition,
  contest: Extract<ExpectedContest, { kind: 'ranked' }>,
  counts: RankedCounts,
): void {
  const expectedPatterns = new Map(contest.patterns.map((p) => [rankingPatternKey(p.ranking), p]));
  for (const [key, p] of expectedPatterns) {
    const actual = counts.patterns.get(key) ?? 0;
    if (actual !== p.count)
      differences.push({ kind: 'ranking-pattern', contest: contest.contest, ranking: p.ranking, expected: p.count, actual });
  }
  for (const [key, actual] of counts.patterns) {
    if (!expectedPatterns.has(key) && actual > 0) {
      differences.push({
        kind: 'ranking-pattern',
        contest: contest.contest,
        ranking: key === '' ? [] : (key.split('>') as CandidateId[]),
        expected: 0,
        actual,
      });
    }
  }

  const race = election.contests.find((c): c is CandidateRace => c.kind === 'candidate' && c.id === contest.contest);
  if (race === undefined) return;
  const tabulated = tabulateRace(race, counts);
  if (!tabulated.ok) {
    differences.push({ kind: 'irv-tabulation-failed', contest: contest.contest, error: tabulated.error });
    return;
  }
  const actual = roundsOf(race, tabulated.value);
  if (actual.rounds.length !== contest.rounds.length) {
    differences.push({ kind: 'irv-round-count', contest: contest.contest, expected: contest.rounds.length, actual: actual.rounds.length });
  }
  contest.rounds.forEach((expectedRound, r) => {
    const actualRound = actual.rounds[r];
    const actualVotes = new Map(actualRound?.tally.map((t) => [t.candidate, t.votes]) ?? []);
    const candidates = new Set([...expectedRound.tally.map((t) => t.candidate), ...actualVotes.keys()]);
    const expectedVotes = new Map(expectedRound.tally.map((t) => [t.candidate, t.votes]));
    for (const candidate of candidates) {
      const e = expectedVotes.get(candidate) ?? null;
      const a = actualVotes.get(candidate) ?? null;
      if (e !== a)
        differences.push({
          kind: 'irv-round-votes',
          contest: contest.contest,
          round: expectedRound.round,
          candidate,
          expected: e,
          actual: a,
        });
    }
    const actualInactive = actualRound?.inactive ?? null;
    if (actualInactive !== expectedRound.inactive) {
      differences.push({
        kind: 'irv-round-votes',
        contest: contest.contest,
        round: expectedRound.round,
        candidate: 'inactive',
        expected: expectedRound.inactive,
        actual: actualInactive,
      });
    }
    const e = describeDecisions(expectedRound.decisions);
    const a = actualRound === undefined ? '' : describeDecisions(actualRound.decisions);
    if (e !== a) differences.push({ kind: 'irv-decisions', contest: contest.contest, round: expectedRound.round, expected: e, actual: a });
  });
  if (actual.winner !== contest.winner) {
    differences.push({ kind: 'irv-winner', contest: contest.contest, expected: contest.winner, actual: actual.winner });
  }
}

function describeDecisions(decisions: ExpectedRound['decisions']): string {
  return decisions.map((d) => `${d.kind} ${d.candidate}${d.byTiebreak ? ' (tiebreak)' : ''}`).join(', ');
}

/** A difference in words, for the poll worker's logic-and-accuracy screen and printout. */
export function describeTallyDifference(d: TallyDifference): LocalizedText {
  const option = (o: DeckOption): LocalizedText => (o === 'blank' ? { fr: 'blancs', en: 'blank' } : { fr: o, en: o });
  switch (d.kind) {
    case 'ballots':
      return {
        fr: `Bulletins comptés dans ${d.riding}\u00a0: ${d.actual} au lieu de ${d.expected}.`,
        en: `Ballots counted in ${d.riding}: ${d.actual} instead of ${d.expected}.`,
      };
    case 'votes':
      return {
        fr: `${d.contest}, ${option(d.option).fr}\u00a0: ${d.actual} votes au lieu de ${d.expected}.`,
        en: `${d.contest}, ${option(d.option).en}: ${d.actual} votes instead of ${d.expected}.`,
      };
    case 'ranking-pattern':
      return {
        fr: `${d.contest}, classement «\u202f${d.ranking.join(' > ') || 'vide'}\u202f»\u00a0: ${d.actual} au lieu de ${d.expected}.`,
        en: `${d.contest}, ranking "${d.ranking.join(' > ') || 'empty'}": ${d.actual} instead of ${d.expected}.`,
      };
    case 'irv-round-count':
      return {
        fr: `${d.contest}\u00a0: ${d.actual} tours de dépouillement au lieu de ${d.expected}.`,
        en: `${d.contest}: ${d.actual} counting rounds instead of ${d.expected}.`,
      };
    case 'irv-round-votes': {
      const who: LocalizedText =
        d.candidate === 'inactive' ? { fr: 'bulletins épuisés', en: 'exhausted ballots' } : { fr: d.candidate, en: d.candidate };
      const n = (v: number | null, lang: 'fr' | 'en') => (v === null ? (lang === 'fr' ? 'absent' : 'none') : String(v));
      return {
        fr: `${d.contest}, tour ${d.round}, ${who.fr}\u00a0: ${n(d.actual, 'fr')} au lieu de ${n(d.expected, 'fr')}.`,
        en: `${d.contest}, round ${d.round}, ${who.en}: ${n(d.actual, 'en')} instead of ${n(d.expected, 'en')}.`,
      };
    }
    case 'irv-decisions':
      return {
        fr: `${d.contest}, tour ${d.round}\u00a0: «\u202f${d.actual}\u202f» au lieu de «\u202f${d.expected}\u202f».`,
        en: `${d.contest}, round ${d.round}: "${d.actual}" instead of "${d.expected}".`,
      };
    case 'irv-winner':
      return {
        fr: `${d.contest}\u00a0: élu·e ${d.actual ?? 'aucun·e'} au lieu de ${d.expected ?? 'aucun·e'}.`,
        en: `${d.contest}: elected ${d.actual ?? 'nobody'} instead of ${d.expected ?? 'nobody'}.`,
      };
    case 'irv-tabulation-failed':
      return {
        fr: `${d.contest}\u00a0: le dépouillement préférentiel a échoué (${d.error.kind}).`,
        en: `${d.contest}: the ranked count failed (${d.error.kind}).`,
      };
    case 'unexpected-contest':
      return {
        fr: `${d.contest} n’est pas sur ce bulletin mais a ${d.votes} votes.`,
        en: `${d.contest} is not on this ballot but has ${d.votes} votes.`,
      };
    case 'unexpected-riding':
      return {
        fr: `${d.ballots} bulletins comptés dans une autre circonscription (${d.riding}).`,
        en: `${d.ballots} ballots counted in another riding (${d.riding}).`,
      };
    default:
      return assertNever(d, 'tally difference');
  }
}
