import { describe, expect, it } from 'vitest';
import type { RidingCode, StationId } from '@scrutin/shared';
import { printedZeroReport } from './closing_report.ts';
import { fixtureElection } from './fixtures.test-support.ts';

/** The station's printed reports say TEST / ESSAI on every copy of a test election's, and only then. */
describe('printed reports of a test election', () => {
  const zero = (mode: 'test' | 'live' | undefined) =>
    printedZeroReport({
      election: { ...fixtureElection(), ...(mode === undefined ? {} : { mode }) },
      station: 'ST-00001' as StationId,
      riding: 'ABITIBI-OUEST' as RidingCode,
      pollsOpenedAt: '2026-10-05T13:30:00.000Z',
      ballotsInBox: 0,
      pollBookVoted: 0,
      batchesPending: 0,
      tally: [],
      pollWorkers: ['Alice', 'Bob'],
    }).text;

  it('marks the zero report of a test election ESSAI / TEST, and a live one not', () => {
    expect(zero('test')).toContain('ESSAI — BULLETINS DE TEST, PAS UN SCRUTIN RÉEL');
    expect(zero('test')).toContain('TEST — TEST BALLOTS, NOT A LIVE ELECTION');
    for (const live of [zero('live'), zero(undefined)]) {
      expect(live).not.toContain('ESSAI');
      expect(live).not.toContain('TEST BALLOTS');
    }
  });
});
