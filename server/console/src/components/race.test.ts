import { describe, expect, it } from 'vitest';
import {
  ballotStyle,
  nationalResults,
  sampleElection,
  TallyBuilder,
  type Ballot,
  type BallotId,
  type CandidateId,
  type CandidateRace,
  type ElectionDefinition,
  type RidingCode,
  type Selection,
  type StationId,
} from '@scrutin/shared';
import { ResultsSchema, type Race } from '@scrutin/shared/api';
import { decisionOf, hemicycleSeats, tieBreakOf } from './race.ts';

/** The riding's race as the console receives it: counted by the real tabulator, then sent as JSON. */
function raceOf(election: ElectionDefinition, riding: string, ballots: readonly (readonly [readonly string[], number])[]): Race {
  const builder = new TallyBuilder();
  ballots.forEach(([preference, n], i) => {
    const selections = ballotStyle(election, riding as RidingCode).map((c): Selection => {
      if (c.kind === 'referendum') return { kind: 'referendum', contest: c.id, choice: null };
      const ids = preference.map((p) => `${riding}-${p}` as CandidateId);
      return c.method === 'irv'
        ? { kind: 'ranked', contest: c.id, ranking: ids }
        : { kind: 'plurality', contest: c.id, choice: ids[0] ?? null };
    });
    const ballot: Ballot = {
      id: (i + 1).toString(16).padStart(32, '0') as BallotId,
      election: election.id,
      riding: riding as RidingCode,
      selections,
    };
    builder.add(ballot, n);
  });
  const results = nationalResults(election, builder.build(), new Set<StationId>(), new Set<StationId>());
  const json: unknown = JSON.parse(JSON.stringify(results, (_k, v: unknown): unknown => (v instanceof Map ? Object.fromEntries(v) : v)));
  const wire = ResultsSchema.extend({ version: ResultsSchema.shape.version.optional() }).parse(json);
  const found = wire.ridings.find((r) => r.riding === riding);
  if (found === undefined) throw new Error(`no riding ${riding}`);
  return found.race;
}

const raceIn = (election: ElectionDefinition, riding: string) =>
  election.contests.find((c): c is CandidateRace => c.kind === 'candidate' && c.riding === riding);

describe('how a race was decided, in words', () => {
  const election = sampleElection();

  it('reports a 2–2 IRV final round as a tie broken by the tie-break, never as a majority (threshold 3)', () => {
    const race = raceOf(election, 'SHERBROOKE', [
      [['QS-4', 'PQ-3'], 2],
      [['PQ-3', 'QS-4'], 2],
    ]);
    const decision = decisionOf(race, tieBreakOf(raceIn(election, 'SHERBROOKE')));
    expect(decision).toMatchObject({ kind: 'tie-broken', votes: 2, by: 'previous-rounds' });
    expect(decision.kind === 'tie-broken' && [...decision.tied].sort()).toEqual(['SHERBROOKE-PQ-3', 'SHERBROOKE-QS-4']);
  });

  it('reports an IRV winner at or over the threshold as a majority', () => {
    const race = raceOf(election, 'SHERBROOKE', [
      [['QS-4', 'PQ-3'], 4],
      [['PQ-3', 'QS-4'], 3],
      [['PLQ-2', 'PQ-3'], 2],
    ]);
    expect(decisionOf(race, 'previous-rounds')).toEqual({ kind: 'majority', candidate: 'SHERBROOKE-PQ-3', votes: 5, threshold: 5 });
  });

  it('tells a plurality win without an absolute majority from one with it', () => {
    const relative = raceOf(election, 'ABITIBI-OUEST', [
      [['CAQ-1'], 4],
      [['PLQ-2'], 3],
      [['PQ-3'], 3],
    ]);
    expect(decisionOf(relative, 'lot')).toEqual({ kind: 'plurality', candidate: 'ABITIBI-OUEST-CAQ-1', votes: 4, total: 10, threshold: 6 });
    const absolute = raceOf(election, 'ABITIBI-OUEST', [
      [['CAQ-1'], 6],
      [['PLQ-2'], 4],
    ]);
    expect(decisionOf(absolute, 'lot')).toEqual({ kind: 'majority', candidate: 'ABITIBI-OUEST-CAQ-1', votes: 6, threshold: 6 });
  });

  it('reports a plurality tie as a tie, unresolved or settled by lot, as the race’s rule says', () => {
    const tied = [
      [['CAQ-1'], 3],
      [['PLQ-2'], 3],
    ] as const;
    expect(decisionOf(raceOf(election, 'ABITIBI-OUEST', tied), 'lot')).toMatchObject({ kind: 'tie', votes: 3 });
    const byLot: ElectionDefinition = {
      ...election,
      contests: election.contests.map((c) => (c.kind === 'candidate' ? { ...c, tieRule: { kind: 'lot', seed: '42' } } : c)),
    };
    const decision = decisionOf(raceOf(byLot, 'ABITIBI-OUEST', tied), 'lot');
    expect(decision).toMatchObject({ kind: 'tie-broken', votes: 3, by: 'lot' });
    expect(decision.kind === 'tie-broken' && decision.tied).toHaveLength(2);
  });
});

describe('party colours', () => {
  it('tells every party of the sample election apart (PQ and PCQ were two near-identical blues)', () => {
    const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const parties = sampleElection().parties;
    for (const a of parties)
      for (const b of parties) {
        if (a.code >= b.code) continue;
        const [ra, ga, ba] = rgb(a.colour);
        const [rb, gb, bb] = rgb(b.colour);
        const distance = Math.hypot((ra ?? 0) - (rb ?? 0), (ga ?? 0) - (gb ?? 0), (ba ?? 0) - (bb ?? 0));
        expect(distance, `${a.code} / ${b.code}`).toBeGreaterThan(60);
      }
  });
});

describe('the hemicycle', () => {
  it('seats a small assembly on one arc, evenly, instead of a sparse scatter over two rows', () => {
    const seats = hemicycleSeats(6);
    expect(seats).toHaveLength(6);
    for (const s of seats) expect(Math.hypot(s.x, s.y)).toBeCloseTo(1, 10);
    const angles = seats.map((s) => Math.atan2(s.y, s.x));
    const gaps = angles.slice(1).map((a, i) => Math.abs(a - (angles[i] ?? 0)));
    for (const g of gaps) expect(g).toBeCloseTo(Math.PI / 5, 10);
  });

  it('seats a large assembly in concentric rows, every seat once', () => {
    const seats = hemicycleSeats(125);
    expect(seats).toHaveLength(125);
    expect(new Set(seats.map((s) => Math.hypot(s.x, s.y).toFixed(6))).size).toBeGreaterThan(1);
  });
});
