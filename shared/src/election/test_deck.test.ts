import { describe, expect, it } from 'vitest';
import { BallotSchema, validateBallot } from '../ballot/ballot.ts';
import type { CandidateId, RidingCode } from '../ids.ts';
import { unwrap } from '../result.ts';
import { tallyBallots as tallyOfBallots } from '../tally/election_tally.ts';
import type { CandidateRace, ElectionDefinition } from './definition.ts';
import { ballotStyle } from './election.ts';
import { sampleElection } from './fixtures/sample_election.ts';
import { compareWithExpected, describeTallyDifference, testDeck, type DeckBallot, type TestDeck } from './test_deck.ts';

const election = sampleElection();
const decks: readonly TestDeck[] = election.ridings.map((r) => unwrap(testDeck(election, r.code)));

/** The deck's ballots as the kiosk would send them (an id is added where the schema wants one). */
function asBallot(ballot: DeckBallot, n: number) {
  return BallotSchema.parse({ id: n.toString(16).padStart(32, '0'), ...ballot });
}

/** The tally path the station and central use, over the deck's ballots. */
function tallyBallots(ballots: readonly DeckBallot[]) {
  return tallyOfBallots(ballots.map(asBallot));
}

function raceOf(e: ElectionDefinition, riding: RidingCode): CandidateRace {
  const race = e.contests.find((c): c is CandidateRace => c.kind === 'candidate' && c.riding === riding);
  if (race === undefined) throw new Error(`no race in ${riding}`);
  return race;
}

describe('the logic-and-accuracy test deck', () => {
  it.each(decks.map((d) => [d.riding, d] as const))(
    'covers every contest, option and blank of %s, each option with its own count',
    (riding, deck) => {
      const style = ballotStyle(election, riding);
      expect(deck.expected.contests.map((c) => c.contest)).toEqual(style.map((c) => c.id));
      deck.ballots.forEach((ballot, i) => {
        expect(validateBallot(election, riding, asBallot(ballot, i)).ok).toBe(true);
      });
      for (const contest of style) {
        const expected = deck.expected.contests.find((c) => c.contest === contest.id)!;
        const ids = contest.kind === 'referendum' ? contest.options.map((o) => o.id) : contest.candidates.map((c) => c.id);
        expect(expected.options.map((o) => o.option)).toEqual(ids);
        const counts = [...expected.options.map((o) => o.votes), expected.blank];
        expect(counts.every((n) => n > 0)).toBe(true);
        expect(new Set(counts).size).toBe(counts.length);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(deck.ballots.length);
        expect(expected.ballots).toBe(deck.ballots.length);
      }
    },
  );

  it('exercises ranked transfers: full, partial and single rankings, several rounds, exhausted ballots, no tie', () => {
    const ranked = decks.flatMap((d) => d.expected.contests.filter((c) => c.kind === 'ranked'));
    expect(ranked.map((c) => c.contest)).toEqual(['DEP-MONTREAL-CENTRE', 'DEP-SHERBROOKE']);
    for (const contest of ranked) {
      const race = raceOf(election, contest.contest.replace(/^DEP-/, '') as RidingCode);
      const lengths = new Set(contest.patterns.map((p) => p.ranking.length));
      expect(lengths.has(1)).toBe(true);
      expect(lengths.has(2)).toBe(true);
      expect(lengths.has(race.candidates.length)).toBe(true);
      expect(contest.rounds.length).toBeGreaterThanOrEqual(3);
      // Votes move between rounds (transfers) and some ballots exhaust.
      const winnerVotes = contest.rounds.map((r) => r.tally.find((t) => t.candidate === contest.winner)?.votes ?? 0);
      expect(winnerVotes.at(-1)).toBeGreaterThan(winnerVotes[0]!);
      expect(contest.rounds.at(-1)!.inactive).toBeGreaterThan(0);
      expect(contest.rounds.flatMap((r) => r.decisions).some((d) => d.byTiebreak)).toBe(false);
    }
    // Montréal-Centre: six candidates, first choices 1..6; the strongest is elected in round 5.
    const centre = decks.find((d) => d.riding === 'MONTREAL-CENTRE')!.expected.contests.find((c) => c.kind === 'ranked')!;
    expect(centre.rounds.map((r) => r.tally.map((t) => t.votes))).toEqual([
      [1, 2, 3, 4, 5, 6],
      [2, 3, 4, 5, 7],
      [3, 4, 5, 8],
      [4, 5, 9],
      [5, 11],
    ]);
    expect(centre.winner).toBe('MONTREAL-CENTRE-IND-6');
  });

  it('is deterministic and scales with copies', () => {
    const riding = 'SHERBROOKE' as RidingCode;
    expect(unwrap(testDeck(election, riding))).toEqual(unwrap(testDeck(election, riding)));
    const three = unwrap(testDeck(election, riding, { copies: 3 }));
    const one = decks.find((d) => d.riding === riding)!;
    expect(three.ballots.length).toBe(3 * one.ballots.length);
    expect(three.expected.contests.map((c) => c.options.map((o) => o.votes))).toEqual(
      one.expected.contests.map((c) => c.options.map((o) => 3 * o.votes)),
    );
    expect(compareWithExpected(election, three.expected, tallyBallots(three.ballots))).toEqual([]);
  });

  it('refuses an unknown riding and a copy count below one', () => {
    expect(testDeck(election, 'NOWHERE' as RidingCode)).toEqual({ ok: false, error: { kind: 'unknown-riding', riding: 'NOWHERE' } });
    expect(testDeck(election, 'SHERBROOKE' as RidingCode, { copies: 0 })).toEqual({
      ok: false,
      error: { kind: 'invalid-copies', copies: 0 },
    });
  });
});

describe('comparing a tally with the deck', () => {
  it.each(decks.map((d) => [d.riding, d] as const))('finds no difference when %s counts its deck right', (_riding, deck) => {
    expect(compareWithExpected(election, deck.expected, tallyBallots(deck.ballots))).toEqual([]);
  });

  it('catches a swapped pair of candidates (a plurality race)', () => {
    const deck = decks.find((d) => d.riding === 'ABITIBI-OUEST')!;
    const [a, b] = raceOf(election, deck.riding).candidates.map((c) => c.id) as [CandidateId, CandidateId];
    const swap = (c: CandidateId | null) => (c === a ? b : c === b ? a : c);
    const swapped = deck.ballots.map((ballot) => ({
      ...ballot,
      selections: ballot.selections.map((s) => (s.kind === 'plurality' ? { ...s, choice: swap(s.choice) } : s)),
    }));
    expect(compareWithExpected(election, deck.expected, tallyBallots(swapped))).toEqual([
      { kind: 'votes', contest: 'DEP-ABITIBI-OUEST', option: a, expected: 1, actual: 2 },
      { kind: 'votes', contest: 'DEP-ABITIBI-OUEST', option: b, expected: 2, actual: 1 },
    ]);
  });

  it('catches a swapped pair of candidates in a ranked race, down to the rounds', () => {
    const deck = decks.find((d) => d.riding === 'SHERBROOKE')!;
    const ids = raceOf(election, deck.riding).candidates.map((c) => c.id);
    const [a, b] = [ids[3]!, ids[4]!];
    const swap = (c: CandidateId) => (c === a ? b : c === b ? a : c);
    const swapped = deck.ballots.map((ballot) => ({
      ...ballot,
      selections: ballot.selections.map((s) => (s.kind === 'ranked' ? { ...s, ranking: s.ranking.map(swap) } : s)),
    }));
    const differences = compareWithExpected(election, deck.expected, tallyBallots(swapped));
    expect(differences).toContainEqual({ kind: 'votes', contest: 'DEP-SHERBROOKE', option: a, expected: 4, actual: 5 });
    expect(differences).toContainEqual({ kind: 'votes', contest: 'DEP-SHERBROOKE', option: b, expected: 5, actual: 4 });
    expect(differences).toContainEqual({ kind: 'irv-winner', contest: 'DEP-SHERBROOKE', expected: b, actual: a });
    expect(differences.some((d) => d.kind === 'ranking-pattern')).toBe(true);
    expect(differences.some((d) => d.kind === 'irv-round-votes')).toBe(true);
  });

  it('catches a lost ballot', () => {
    const deck = decks.find((d) => d.riding === 'MONTREAL-CENTRE')!;
    const lost = deck.ballots[5]!;
    const differences = compareWithExpected(election, deck.expected, tallyBallots(deck.ballots.filter((b) => b !== lost)));
    expect(differences[0]).toEqual({
      kind: 'ballots',
      riding: 'MONTREAL-CENTRE',
      expected: deck.ballots.length,
      actual: deck.ballots.length - 1,
    });
    // Each of the lost ballot's selections is missing from its contest's count.
    for (const selection of lost.selections) {
      const option =
        selection.kind === 'ranked'
          ? (selection.ranking[0] ?? 'blank')
          : selection.kind === 'plurality'
            ? (selection.choice ?? 'blank')
            : (selection.choice ?? 'blank');
      const expected = deck.expected.contests.find((c) => c.contest === selection.contest)!;
      const votes = option === 'blank' ? expected.blank : expected.options.find((o) => o.option === option)!.votes;
      expect(differences).toContainEqual({ kind: 'votes', contest: selection.contest, option, expected: votes, actual: votes - 1 });
    }
  });

  it('catches ballots of another riding and votes in a contest not on the ballot', () => {
    const deck = decks.find((d) => d.riding === 'QUEBEC-CENTRE')!;
    const other = decks.find((d) => d.riding === 'ABITIBI-EST')!;
    const mixed = [...deck.ballots, other.ballots[0]!];
    const differences = compareWithExpected(election, deck.expected, tallyBallots(mixed));
    expect(differences).toContainEqual({ kind: 'unexpected-riding', riding: 'ABITIBI-EST', ballots: 1 });
    expect(differences).toContainEqual({ kind: 'unexpected-contest', contest: 'DEP-ABITIBI-EST', votes: 1 });
  });

  it('words every difference in French and English', () => {
    const deck = decks.find((d) => d.riding === 'SHERBROOKE')!;
    const differences = compareWithExpected(election, deck.expected, tallyBallots(deck.ballots.slice(1)));
    expect(differences.length).toBeGreaterThan(0);
    for (const d of differences) {
      const words = describeTallyDifference(d);
      expect(words.fr).not.toBe('');
      expect(words.en).not.toBe('');
    }
    expect(describeTallyDifference(differences[0]!)).toEqual({
      fr: `Bulletins comptés dans SHERBROOKE\u00a0: ${deck.ballots.length - 1} au lieu de ${deck.ballots.length}.`,
      en: `Ballots counted in SHERBROOKE: ${deck.ballots.length - 1} instead of ${deck.ballots.length}.`,
    });
  });
});
