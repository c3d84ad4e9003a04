import { describe, expect, it } from 'vitest';
import { ElectionIdSchema, type ElectionMode, type RidingCode, type StationId } from '@scrutin/shared';
import { generateStationKeyPair } from '@scrutin/shared/protocol';
import type { ClosingReportBody } from '../api/station_api.ts';
import {
  checkClosingReport,
  closingReportHtml,
  printedClosingReport,
  printedZeroReport,
  signClosingReport,
  tallyTape,
  verifyClosingReport,
} from './closing_report.ts';
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

/**
 * The closing report's signed body carries the election's mode (docs/decisions/0010-test-mode.md):
 * a test election's report relabelled live, or a live one relabelled test, no longer verifies.
 */
describe('the mode of a signed closing report', () => {
  const key = generateStationKeyPair();
  const riding = 'ABITIBI-OUEST' as RidingCode;
  const election = (mode: ElectionMode) => ({ ...fixtureElection(), mode });
  const signed = (mode: ElectionMode) => {
    const body: ClosingReportBody = {
      election: fixtureElection().id,
      mode,
      station: 'ST-00001' as StationId,
      riding,
      generatedAt: '2026-10-06T01:35:00.000Z',
      pollsOpenedAt: '2026-10-05T13:30:00.000Z',
      pollsClosedAt: '2026-10-06T01:30:00.000Z',
      votersCheckedIn: 0,
      checkIns: 0,
      leftWithoutVoting: 0,
      abandonedSessions: 0,
      ballotsCast: 0,
      ballotsSynced: 0,
      ballotsPending: 0,
      batchesSynced: 0,
      auditLogHead: 'ab'.repeat(32),
      tape: tallyTape(fixtureElection(), riding, []),
    };
    return { body, signature: signClosingReport(body, key.privateKeyPem), publicKey: key.publicKey };
  };
  const relabelled = (report: ReturnType<typeof signed>, mode: ElectionMode) => ({ ...report, body: { ...report.body, mode } });

  it('signs the mode: a report relabelled to the other mode fails verification, either way', () => {
    for (const [mode, other] of [
      ['test', 'live'],
      ['live', 'test'],
    ] as const) {
      const report = signed(mode);
      expect(verifyClosingReport(report), mode).toBe(true);
      expect(verifyClosingReport(relabelled(report, other)), `${mode} relabelled ${other}`).toBe(false);
    }
  });

  it('checks a report read back against its election: the signature, the election and the mode', () => {
    const test = JSON.parse(JSON.stringify(signed('test'))) as unknown;
    expect(checkClosingReport(test, election('test'))).toMatchObject({ ok: true, value: { mode: 'test' } });
    // A test election's report offered for the live election: signed, but of the other mode.
    expect(checkClosingReport(test, election('live'))).toEqual({
      ok: false,
      error: { kind: 'other-mode', expected: 'live', actual: 'test' },
    });
    // Relabelled live to pass for it: the signature no longer holds.
    expect(checkClosingReport(relabelled(signed('test'), 'live'), election('live'))).toEqual({
      ok: false,
      error: { kind: 'bad-signature' },
    });
    // A body without its mode is not a closing report.
    const { mode: _mode, ...withoutMode } = signed('live').body;
    expect(checkClosingReport({ ...signed('live'), body: withoutMode }, election('live'))).toMatchObject({
      ok: false,
      error: { kind: 'invalid', issues: [{ path: 'body.mode' }] },
    });
    expect(checkClosingReport(signed('live'), { ...election('live'), id: ElectionIdSchema.parse('qc-other-2026') })).toMatchObject({
      ok: false,
      error: { kind: 'other-election' },
    });
  });

  it('prints and pages the mode the station signed', () => {
    const paper = (mode: ElectionMode) => printedClosingReport(signed(mode), election(mode), ['Alice']).text;
    expect(paper('test')).toContain('ESSAI — BULLETINS DE TEST, PAS UN SCRUTIN RÉEL');
    expect(paper('live')).not.toContain('ESSAI');
    expect(closingReportHtml(signed('test'), election('test'))).toContain('TEST — TEST BALLOTS, NOT A LIVE ELECTION');
    expect(closingReportHtml(signed('live'), election('live'))).not.toContain('TEST BALLOTS');
  });
});
