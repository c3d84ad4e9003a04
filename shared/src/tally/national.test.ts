import { describe, expect, it } from 'vitest';
import type { Ballot, BallotId, Selection } from '../ballot/ballot.ts';
import { validateBallot } from '../ballot/ballot.ts';
import type { CandidateRace } from '../election/definition.ts';
import { ballotStyle } from '../election/election.ts';
import { sampleElection } from '../election/fixtures/sample_election.ts';
import type { CandidateId, PartyCode, RidingCode, StationId } from '../ids.ts';
import { TallyBuilder } from './election_tally.ts';
import { nationalResults } from './national.ts';

const election = sampleElection();
let serial = 0;

/** A ballot of `riding` with the referendum answer and the race preference given. */
function ballot(riding: string, referendum: 'oui' | 'non' | null, preference: string[]): Ballot {
  serial += 1;
  const selections = ballotStyle(election, riding as RidingCode).map((c): Selection => {
    if (c.kind === 'referendum') return { kind: 'referendum', contest: c.id, choice: referendum };
    const ids = preference.map((p) => `${riding}-${p}` as CandidateId);
    return c.method === 'irv'
      ? { kind: 'ranked', contest: c.id, ranking: ids }
      : { kind: 'plurality', contest: c.id, choice: ids[0] ?? null };
  });
  const b: Ballot = {
    id: serial.toString(16).padStart(32, '0') as BallotId,
    election: election.id,
    riding: riding as RidingCode,
    selections,
  };
  const valid = validateBallot(election, riding as RidingCode, b);
  if (!valid.ok) throw new Error(JSON.stringify(valid.error));
  return b;
}

function countOf(entries: [Ballot, number][]) {
  const builder = new TallyBuilder();
  for (const [b, n] of entries) builder.add(b, n);
  return builder.build();
}

describe('national results', () => {
  const tally = countOf([
    // Plurality ridings.
    [ballot('ABITIBI-OUEST', 'oui', ['CAQ-1']), 50],
    [ballot('ABITIBI-OUEST', 'non', ['PQ-3']), 30],
    [ballot('ABITIBI-OUEST', null, []), 5],
    [ballot('ABITIBI-EST', 'non', ['PLQ-2']), 40],
    [ballot('ABITIBI-EST', 'non', ['CAQ-1']), 39],
    [ballot('MONTREAL-NORD', 'oui', ['QS-4']), 60],
    [ballot('MONTREAL-NORD', 'oui', ['PLQ-2']), 60],
    // IRV riding: QS leads on first preferences, PQ wins on PLQ transfers.
    [ballot('SHERBROOKE', 'oui', ['QS-4', 'PQ-3']), 40],
    [ballot('SHERBROOKE', 'oui', ['PQ-3', 'QS-4']), 35],
    [ballot('SHERBROOKE', 'non', ['PLQ-2', 'PQ-3']), 25],
    [ballot('SHERBROOKE', 'non', ['CAQ-1', 'PQ-3']), 10],
  ]);
  const reporting = new Set(election.stations.filter((s) => s.riding !== 'QUEBEC-CENTRE').map((s) => s.id));
  // Every reporting station but one of ABITIBI-OUEST has closed its polls and been counted whole.
  const openStation = election.stations.find((s) => s.riding === 'ABITIBI-OUEST')!.id;
  const closed = new Set([...reporting].filter((s) => s !== openStation));
  const results = nationalResults(election, tally, reporting, closed);
  const riding = (code: string) => results.ridings.find((r) => r.riding === code)!;

  it('declares plurality winners with their party, and nobody on an unresolved tie', () => {
    expect(riding('ABITIBI-OUEST').winner).toEqual({ candidate: 'ABITIBI-OUEST-CAQ-1', party: 'CAQ' });
    expect(riding('ABITIBI-EST').winner).toEqual({ candidate: 'ABITIBI-EST-PLQ-2', party: 'PLQ' });
    expect(riding('MONTREAL-NORD').winner).toBeNull();
    const nord = riding('MONTREAL-NORD').race;
    expect(nord.kind === 'plurality' && nord.result.outcome).toEqual({ kind: 'tie', tied: ['MONTREAL-NORD-PLQ-2', 'MONTREAL-NORD-QS-4'] });
  });

  it('counts ranked races by instant runoff over ranking patterns', () => {
    const sherbrooke = riding('SHERBROOKE');
    expect(sherbrooke.winner).toEqual({ candidate: 'SHERBROOKE-PQ-3', party: 'PQ' });
    const race = sherbrooke.race;
    if (race.kind !== 'irv') throw new Error('expected an IRV count');
    expect(Object.fromEntries(race.result.rounds[0]!.tally)).toMatchObject({
      'SHERBROOKE-QS-4': 40,
      'SHERBROOKE-PQ-3': 35,
      'SHERBROOKE-PLQ-2': 25,
      'SHERBROOKE-CAQ-1': 10,
    });
    expect(race.result.rounds.at(-1)!.decisions.find((d) => d.kind === 'elected')?.candidate).toBe('SHERBROOKE-PQ-3');
    expect(riding('MONTREAL-CENTRE').race).toEqual({ kind: 'no-votes' });
  });

  it('gives seats and first-preference popular vote by party', () => {
    const party = (code: string) => results.parties.find((p) => p.party === (code as PartyCode))!;
    expect(party('CAQ')).toMatchObject({ seats: 1, votes: 50 + 39 + 10 });
    expect(party('PLQ')).toMatchObject({ seats: 1, votes: 40 + 60 + 25 });
    expect(party('PQ')).toMatchObject({ seats: 1, votes: 30 + 35 });
    expect(party('QS')).toMatchObject({ seats: 0, votes: 60 + 40 });
    expect(results.parties.reduce((n, p) => n + p.seats, 0)).toBe(3);
    expect(results.parties.reduce((n, p) => n + p.share, 0)).toBeCloseTo(1, 10);
    expect(results.parties.map((p) => p.party)).toEqual(['PLQ', 'CAQ', 'PQ', 'QS', 'PCQ', 'IND']);
  });

  it('reports ridings reporting and complete (every station closed and counted, not merely reporting), and turnout', () => {
    expect(results.ridingsReporting).toEqual({ total: 6, reporting: 5, complete: 4 });
    expect(results.stations).toEqual({ total: 18, reporting: 15, closed: 14 });
    expect(riding('QUEBEC-CENTRE')).toMatchObject({
      complete: false,
      stationsReporting: 0,
      stationsClosed: 0,
      stationsTotal: 3,
      registeredVoters: 600,
    });
    expect(riding('ABITIBI-OUEST')).toMatchObject({ complete: false, stationsReporting: 3, stationsClosed: 2, stationsTotal: 3 });
    expect(riding('ABITIBI-EST')).toMatchObject({ complete: true, stationsReporting: 3, stationsClosed: 3, stationsTotal: 3 });
    expect(results.turnout).toEqual({ registeredVoters: 3600, ballots: 85 + 79 + 120 + 110 });
  });

  it('totals each referendum question nationally and per riding with its passing rule', () => {
    const [question] = results.referendums;
    expect(question?.national.counts).toEqual({ oui: 50 + 120 + 75, non: 30 + 79 + 35, blank: 5 });
    expect(question?.national.outcome).toEqual({ kind: 'adopted' });
    expect(question?.byRiding.find((r) => r.riding === 'ABITIBI-EST')?.result.outcome).toEqual({
      kind: 'rejected',
      reason: 'majority-not-reached',
    });
    expect(question?.byRiding.find((r) => r.riding === 'QUEBEC-CENTRE')?.result.outcome).toEqual({ kind: 'no-votes' });
  });

  it('treats a station-less riding as never complete', () => {
    const partial = nationalResults(election, tally, new Set<StationId>(), new Set<StationId>());
    expect(partial.ridingsReporting).toEqual({ total: 6, reporting: 0, complete: 0 });
    expect(election.contests.filter((c): c is CandidateRace => c.kind === 'candidate')).toHaveLength(6);
  });
});
