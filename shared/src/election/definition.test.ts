import { describe, expect, it } from 'vitest';
import { ballotStyle, parseElection } from './election.ts';
import { sampleElection, sampleElectionJson } from './fixtures/sample_election.ts';
import { syntheticElection } from './generate.ts';
import type { RidingCode } from '../ids.ts';

type Json = Record<string, unknown> & {
  contests: Record<string, unknown>[];
  stations: Record<string, unknown>[];
  parties: Record<string, unknown>[];
};
const sample = (): Json => structuredClone(sampleElectionJson()) as Json;

function problems(input: unknown): string[] {
  const result = parseElection(input);
  return result.ok ? [] : result.error.map((i) => `${i.path}: ${i.message}`);
}

describe('election definition', () => {
  it('accepts the sample election with its six ridings, six parties and referendum', () => {
    const e = sampleElection();
    expect(e.name.fr).toBe('Élection générale du Québec (démo)');
    expect(e.ridings.map((r) => r.code)).toEqual([
      'ABITIBI-OUEST',
      'ABITIBI-EST',
      'MONTREAL-CENTRE',
      'MONTREAL-NORD',
      'QUEBEC-CENTRE',
      'SHERBROOKE',
    ]);
    expect(Object.fromEntries(e.parties.map((p) => [p.code, p.colour]))).toEqual({
      CAQ: '#00A5E0',
      PLQ: '#ED1B2F',
      PQ: '#004B8D',
      QS: '#FF5605',
      PCQ: '#7B3FA0',
      IND: '#808080',
    });
    const races = e.contests.filter((c) => c.kind === 'candidate');
    expect(races).toHaveLength(6);
    expect(races.some((r) => r.method === 'irv')).toBe(true);
    expect(races.some((r) => r.method === 'plurality')).toBe(true);
    expect(e.contests.find((c) => c.kind === 'referendum')?.id).toBe('L2025-001');
    for (const riding of e.ridings) expect(e.stations.filter((s) => s.riding === riding.code).length).toBeGreaterThan(1);
  });

  it('hands out a fresh sample each time: breaking one copy on purpose leaves the next intact', () => {
    const broken = sampleElectionJson() as { parties: { colour: string }[] };
    broken.parties[0]!.colour = 'blue';
    expect(parseElection(sampleElectionJson()).ok).toBe(true);
    expect(sampleElection().parties[0]?.colour).toBe('#00A5E0');
  });

  it('gives each riding the referendum first, then its own race', () => {
    const e = sampleElection();
    expect(ballotStyle(e, 'SHERBROOKE' as RidingCode).map((c) => c.id)).toEqual(['L2025-001', 'DEP-SHERBROOKE']);
  });

  it('reports every problem at once, each at its path', () => {
    const e = sample();
    e.closesAt = '2026-10-05T08:00:00-04:00';
    (e.parties[1] as { colour: string }).colour = 'red';
    (e.stations[0] as { riding: string }).riding = 'NOWHERE';
    (e.stations[2] as { id: string }).id = e.stations[1]?.id as string;
    const race = e.contests[1] as { candidates: { party: string | null; id: string }[] };
    (race.candidates[0] as { party: string }).party = 'XYZ';
    (race.candidates[1] as { id: string }).id = race.candidates[0]?.id as string;
    const other = e.contests[2] as { candidates: { id: string }[] };
    (other.candidates[0] as { id: string }).id = 'ABITIBI-OUEST-PQ-3';
    const found = problems(e);
    expect(found).toEqual(
      expect.arrayContaining([
        'parties[1].colour: a colour is #RRGGBB',
        'closesAt: the polls must close after they open',
        'stations[0].riding: station ST-00001 is in unknown riding NOWHERE',
        'stations[2].id: duplicate station ST-00002 (first at index 1)',
        'contests[1].candidates[0].party: candidate ABITIBI-OUEST-CAQ-1 names unknown party XYZ',
        'contests[1].candidates[1].id: duplicate candidate ABITIBI-OUEST-CAQ-1 (first at index 0)',
        'contests[2].candidates[0].id: candidate ABITIBI-OUEST-PQ-3 already stands in riding ABITIBI-OUEST',
      ]),
    );
    expect(found).toHaveLength(7);
  });

  it('refuses a label missing in one language, and an election not held in both', () => {
    const e = sample();
    e.name = { fr: 'Élection', en: ' ' };
    e.languages = ['fr'];
    expect(problems(e)).toEqual(['name.en: a label cannot be empty', 'languages: an election is held in both French and English']);
  });

  it('refuses a sync deadline before the close, duplicate contests and races in unknown ridings', () => {
    const e = sample();
    e.syncDeadline = '2026-10-05T12:00:00-04:00';
    (e.contests[2] as { id: string }).id = 'DEP-ABITIBI-OUEST';
    (e.contests[3] as { riding: string }).riding = 'LAVAL';
    expect(problems(e)).toEqual(
      expect.arrayContaining([
        'syncDeadline: the sync deadline cannot come before the polls close',
        'contests[2].id: duplicate contest DEP-ABITIBI-OUEST (first at index 1)',
        'contests[3].riding: race DEP-MONTREAL-CENTRE is in unknown riding LAVAL',
        'ridings[2]: riding MONTREAL-CENTRE has no race',
      ]),
    );
  });

  it('refuses IRV options on a plurality race and more rankings than candidates', () => {
    const e = sample();
    (e.contests[1] as Record<string, unknown>).irv = { maxRankings: 2 };
    (e.contests[3] as { irv: { maxRankings: number } }).irv.maxRankings = 99;
    expect(problems(e)).toEqual([
      'contests[1].irv: IRV options apply only to a race whose method is irv',
      'contests[3].irv.maxRankings: maxRankings cannot exceed the number of candidates',
    ]);
  });

  it('reports a malformed document without throwing', () => {
    expect(problems(null)).toEqual(['(root): Invalid input: expected object, received null']);
    expect(problems({ ...sample(), stations: 'many' })[0]).toMatch(/^stations: /);
  });
});

describe('synthetic elections', () => {
  it('spreads stations over ridings and voters over stations, deterministically', () => {
    const a = syntheticElection({ ridings: 7, stations: 50, voters: 1003 });
    const b = syntheticElection({ ridings: 7, stations: 50, voters: 1003 });
    expect(a).toEqual(b);
    expect(a.ridings).toHaveLength(7);
    expect(a.stations).toHaveLength(50);
    expect(a.stations.reduce((n, s) => n + s.registeredVoters, 0)).toBe(1003);
    const perRiding = a.ridings.map((r) => a.stations.filter((s) => s.riding === r.code).length);
    expect(Math.max(...perRiding) - Math.min(...perRiding)).toBeLessThanOrEqual(1);
  });

  it('builds a national-scale definition quickly and validly', () => {
    const e = syntheticElection({ ridings: 125, stations: 20_000, voters: 8_000_000, irvShare: 0.3 });
    expect(e.stations.at(-1)?.id).toBe('ST-20000');
    expect(e.contests.filter((c) => c.kind === 'candidate' && c.method === 'irv').length).toBeGreaterThan(10);
  });
});
