import type { CandidateRace, ElectionDefinition, Referendum } from '../election/definition.ts';
import type { CandidateId, ContestId, PartyCode, RidingCode, StationId } from '../ids.ts';
import { assertNever } from '../result.ts';
import type { ElectionTally, RankedCounts } from './election_tally.ts';
import { irvWinner, tabulateRace } from './irv_race.ts';
import type { IrvInputError, IrvResult } from './irv_result.ts';
import { pluralityResult, type PluralityResult } from './plurality.ts';
import { addReferendumCounts, NO_REFERENDUM_VOTES, referendumResult, type ReferendumCounts, type ReferendumResult } from './referendum.ts';

/**
 * National results: the winner of every riding, seats and popular vote by party, ridings
 * reporting, and every referendum question nationally and per riding. Pure: the same
 * definition, counts and reporting stations always give the same results.
 */

export type RaceOutcome =
  | { readonly kind: 'plurality'; readonly result: PluralityResult }
  | { readonly kind: 'irv'; readonly result: IrvResult }
  /** The ranked counts did not fit the race (a bug upstream: counts are validated on entry). */
  | { readonly kind: 'irv-error'; readonly error: IrvInputError }
  | { readonly kind: 'no-votes' };

export interface RidingResult {
  readonly riding: RidingCode;
  readonly contest: ContestId;
  readonly method: CandidateRace['method'];
  readonly race: RaceOutcome;
  /** Null while nobody is declared (no votes yet, or an unresolved tie). */
  readonly winner: { readonly candidate: CandidateId; readonly party: PartyCode | null } | null;
  readonly ballots: number;
  readonly registeredVoters: number;
  /** Stations with at least one counted ballot. */
  readonly stationsReporting: number;
  /** Stations whose polls are closed and whose count is whole: final batch counted, no batch missing. */
  readonly stationsClosed: number;
  readonly stationsTotal: number;
  /** Every station of the riding is closed and counted: the riding's count is whole (final once certified). */
  readonly complete: boolean;
}

export interface PartyFigure {
  /** null groups independents who stand for no listed party. */
  readonly party: PartyCode | null;
  readonly seats: number;
  /** First-preference votes (plurality votes, or IRV round-1 votes) across all races. */
  readonly votes: number;
  /** votes / all valid first-preference votes, 0 when there are none. */
  readonly share: number;
}

export interface ReferendumResults {
  readonly contest: ContestId;
  readonly national: ReferendumResult;
  readonly byRiding: readonly { readonly riding: RidingCode; readonly result: ReferendumResult }[];
}

export interface NationalResults {
  readonly ridings: readonly RidingResult[];
  /** Every party of the definition (and independents if any stand), most seats then most votes first. */
  readonly parties: readonly PartyFigure[];
  readonly ridingsReporting: { readonly total: number; readonly reporting: number; readonly complete: number };
  /** Every station of the election: how many have reported a ballot, and how many are closed and counted. */
  readonly stations: { readonly total: number; readonly reporting: number; readonly closed: number };
  readonly turnout: { readonly registeredVoters: number; readonly ballots: number };
  readonly referendums: readonly ReferendumResults[];
}

export function nationalResults(
  election: ElectionDefinition,
  tally: ElectionTally,
  stationsReporting: ReadonlySet<StationId>,
  stationsClosed: ReadonlySet<StationId>,
): NationalResults {
  const stationsByRiding = new Map<RidingCode, { total: number; reporting: number; closed: number; registered: number }>();
  for (const s of election.stations) {
    const entry = stationsByRiding.get(s.riding) ?? { total: 0, reporting: 0, closed: 0, registered: 0 };
    entry.total += 1;
    entry.registered += s.registeredVoters;
    // A station closed with no ballot has reported too: its count (zero) is in.
    if (stationsReporting.has(s.id) || stationsClosed.has(s.id)) entry.reporting += 1;
    if (stationsClosed.has(s.id)) entry.closed += 1;
    stationsByRiding.set(s.riding, entry);
  }

  const ridings = election.contests
    .filter((c): c is CandidateRace => c.kind === 'candidate')
    .map((race): RidingResult => {
      const stations = stationsByRiding.get(race.riding) ?? { total: 0, reporting: 0, closed: 0, registered: 0 };
      const outcome = raceOutcome(race, tally);
      const winnerId = winnerOf(outcome);
      const winner =
        winnerId === null ? null : { candidate: winnerId, party: race.candidates.find((c) => c.id === winnerId)?.party ?? null };
      return {
        riding: race.riding,
        contest: race.id,
        method: race.method,
        race: outcome,
        winner,
        ballots: tally.ballots.get(race.riding) ?? 0,
        registeredVoters: stations.registered,
        stationsReporting: stations.reporting,
        stationsClosed: stations.closed,
        stationsTotal: stations.total,
        complete: stations.total > 0 && stations.closed === stations.total,
      };
    });

  return {
    ridings,
    parties: partyFigures(election, ridings),
    ridingsReporting: {
      total: ridings.length,
      reporting: ridings.filter((r) => r.stationsReporting > 0).length,
      complete: ridings.filter((r) => r.complete).length,
    },
    stations: {
      total: election.stations.length,
      reporting: election.stations.filter((s) => stationsReporting.has(s.id) || stationsClosed.has(s.id)).length,
      closed: election.stations.filter((s) => stationsClosed.has(s.id)).length,
    },
    turnout: {
      registeredVoters: election.stations.reduce((n, s) => n + s.registeredVoters, 0),
      ballots: [...tally.ballots.values()].reduce((n, b) => n + b, 0),
    },
    referendums: election.contests
      .filter((c): c is Referendum => c.kind === 'referendum')
      .map((q) => referendumResults(election, q, tally, stationsByRiding)),
  };
}

function raceOutcome(race: CandidateRace, tally: ElectionTally): RaceOutcome {
  switch (race.method) {
    case 'plurality':
      return { kind: 'plurality', result: pluralityResult(race, tally.plurality.get(race.id) ?? { votes: new Map(), blank: 0 }) };
    case 'irv': {
      const counts: RankedCounts = tally.ranked.get(race.id) ?? { patterns: new Map(), blank: 0 };
      if (counts.patterns.size === 0) return { kind: 'no-votes' };
      const result = tabulateRace(race, counts);
      return result.ok ? { kind: 'irv', result: result.value } : { kind: 'irv-error', error: result.error };
    }
    default:
      return assertNever(race.method, 'race method');
  }
}

function winnerOf(outcome: RaceOutcome): CandidateId | null {
  switch (outcome.kind) {
    case 'plurality': {
      const o = outcome.result.outcome;
      return o.kind === 'winner' || o.kind === 'winner-by-lot' ? o.candidate : null;
    }
    case 'irv':
      return irvWinner(outcome.result);
    case 'irv-error':
    case 'no-votes':
      return null;
    default:
      return assertNever(outcome, 'race outcome');
  }
}

/** First-preference votes per candidate: plurality votes, or IRV round 1. */
function firstPreferences(outcome: RaceOutcome): ReadonlyMap<string, number> {
  switch (outcome.kind) {
    case 'plurality':
      return new Map(outcome.result.standings.map((s) => [s.candidate, s.votes]));
    case 'irv':
      return outcome.result.rounds[0]?.tally ?? new Map();
    case 'irv-error':
    case 'no-votes':
      return new Map();
    default:
      return assertNever(outcome, 'race outcome');
  }
}

function partyFigures(election: ElectionDefinition, ridings: readonly RidingResult[]): PartyFigure[] {
  const seats = new Map<PartyCode | null, number>(election.parties.map((p) => [p.code, 0]));
  const votes = new Map<PartyCode | null, number>(election.parties.map((p) => [p.code, 0]));
  const partyOf = new Map<string, PartyCode | null>();
  for (const c of election.contests) if (c.kind === 'candidate') for (const k of c.candidates) partyOf.set(k.id, k.party);

  for (const r of ridings) {
    if (r.winner !== null) seats.set(r.winner.party, (seats.get(r.winner.party) ?? 0) + 1);
    for (const [candidate, v] of firstPreferences(r.race)) {
      const party = partyOf.get(candidate) ?? null;
      votes.set(party, (votes.get(party) ?? 0) + v);
    }
  }
  const totalVotes = [...votes.values()].reduce((n, v) => n + v, 0);
  return [...votes.keys()]
    .map((party) => {
      const v = votes.get(party) ?? 0;
      return { party, seats: seats.get(party) ?? 0, votes: v, share: totalVotes === 0 ? 0 : v / totalVotes };
    })
    .filter((p) => p.party !== null || p.votes > 0 || p.seats > 0)
    .sort((a, b) => b.seats - a.seats || b.votes - a.votes);
}

function referendumResults(
  election: ElectionDefinition,
  question: Referendum,
  tally: ElectionTally,
  stations: ReadonlyMap<RidingCode, { registered: number }>,
): ReferendumResults {
  const perRiding = tally.referendums.get(question.id) ?? new Map<RidingCode, ReferendumCounts>();
  const byRiding = election.ridings.map((r) => ({
    riding: r.code,
    result: referendumResult(question, perRiding.get(r.code) ?? NO_REFERENDUM_VOTES, stations.get(r.code)?.registered ?? 0),
  }));
  const national = byRiding.reduce((sum, r) => addReferendumCounts(sum, r.result.counts), NO_REFERENDUM_VOTES);
  const registered = election.stations.reduce((n, s) => n + s.registeredVoters, 0);
  return { contest: question.id, national: referendumResult(question, national, registered), byRiding };
}
