import { frenchTypographyProblems } from '@scrutin/shared';
import { ballotStyle, sampleElection, type ContestId, type RidingCode } from '@scrutin/shared/node';
import { describe, expect, it } from 'vitest';
import { closingReport, electionFingerprint, voterSlip, zeroReport, type ContestCount, type ReportHeader } from './printed_reports.ts';
import { PAGE_BREAK } from './text_layout.ts';

const election = sampleElection();
const riding = 'MONTREAL-CENTRE' as RidingCode;
const station = election.stations.find((s) => s.riding === riding)!;

function header(mode: ReportHeader['mode'] = 'live'): ReportHeader {
  return {
    election: { id: election.id, name: election.name, fingerprint: electionFingerprint(election) },
    station: { id: station.id, name: station.name },
    riding: { code: riding, name: election.ridings.find((r) => r.code === riding)!.name },
    mode,
    printedAt: '2026-10-05T21:41:07-04:00',
  };
}

/** Counts for the riding's ballot style: `votes[i]` votes for option i, the rest of `ballots` blank. */
function counts(ballots: number, votes: (contest: ContestId, option: number) => number): ContestCount[] {
  return ballotStyle(election, riding).map((contest) => {
    const options =
      contest.kind === 'referendum'
        ? contest.options.map((o) => ({ option: o.id, label: o.label }))
        : contest.candidates.map((c) => ({
            option: c.id,
            label: { fr: `${c.name} (${c.party ?? 'ind.'})`, en: `${c.name} (${c.party ?? 'ind.'})` },
          }));
    const withVotes = options.map((o, i) => ({ ...o, votes: votes(contest.id, i) }));
    return {
      contest: contest.id,
      title: contest.title,
      ranked: contest.kind === 'candidate' && contest.method === 'irv',
      options: withVotes,
      undervotes: ballots - withVotes.reduce((n, o) => n + o.votes, 0),
      overvotes: 0,
    };
  });
}

const pollWorkers = ['Ginette Lavoie', 'Robert Ouellet'];

describe('the zero report', () => {
  it('lists every total at zero, states that it is zero, on numbered copies with signature lines', () => {
    const report = zeroReport(
      {
        header: header(),
        pollsOpenedAt: '2026-10-05T09:30:02-04:00',
        ballotsInBox: 0,
        pollBookVoted: 0,
        batchesPending: 0,
        contests: counts(0, () => 0),
        pollWorkers,
      },
      { copies: 3 },
    );
    expect(report.reconciles).toBe(true);
    expect(report.checks.map((c) => c.id)).toEqual(['zero-ballots', 'contest:L2025-001', 'contest:DEP-MONTREAL-CENTRE']);
    const pages = report.text.split(PAGE_BREAK);
    expect(pages).toHaveLength(3);
    pages.forEach((page, i) => {
      expect(page).toContain(`Copie ${i + 1} de 3 · Copy ${i + 1} of 3`);
      expect(page).toContain('qc-demo-2026');
      expect(page).toContain(station.id);
      expect(page).toContain('Nom · Name\u00a0: Ginette Lavoie');
      expect(page).toContain('Témoin 2 · Witness 2');
      expect(page).toContain('Premiers choix seulement · First choices only');
      for (const candidate of ballotStyle(election, riding).flatMap((c) => (c.kind === 'candidate' ? c.candidates : [])))
        expect(page).toContain(candidate.name);
    });
    for (const line of report.text.split(/\n|\f/)) expect(Array.from(line).length).toBeLessThanOrEqual(48);
    expect(report.text).toMatchSnapshot();
  });

  it('does not reconcile when anything is already recorded', () => {
    const report = zeroReport({
      header: header(),
      pollsOpenedAt: '2026-10-05T09:30:02-04:00',
      ballotsInBox: 1,
      pollBookVoted: 1,
      batchesPending: 0,
      contests: counts(1, (_c, i) => (i === 0 ? 1 : 0)),
      pollWorkers,
    });
    expect(report.reconciles).toBe(false);
    expect(report.checks.find((c) => c.id === 'zero-ballots')).toMatchObject({ holds: false });
    expect(report.text).toContain('*** LE RAPPORT NE CONCORDE PAS ***');
  });

  it('marks a test-mode report on every copy, top and bottom', () => {
    const report = zeroReport(
      {
        header: header('test'),
        pollsOpenedAt: '2026-10-05T09:30:02-04:00',
        ballotsInBox: 0,
        pollBookVoted: 0,
        batchesPending: 0,
        contests: counts(0, () => 0),
        pollWorkers,
      },
      { copies: 2 },
    );
    for (const page of report.text.split(PAGE_BREAK)) expect(page.match(/TEST — TEST BALLOTS, NOT A LIVE ELECTION/g)).toHaveLength(2);
  });
});

describe('the closing report', () => {
  // Seven check-ins of five cards: four cast, one voter left, three sessions abandoned.
  const input = {
    header: header(),
    pollsOpenedAt: '2026-10-05T09:30:02-04:00',
    pollsClosedAt: '2026-10-05T21:30:00-04:00',
    voters: { distinctCheckedIn: 5, leftWithoutVoting: 1, abandonedSessions: 3, pollBookVoted: 4 },
    ballotsCast: 4,
    transmission: { ballotsSent: 3, ballotsPending: 1, batchesSent: 2 },
    contests: counts(4, (_c, i) => (i < 3 ? 1 : 0)),
    integrity: { auditLogHead: 'a'.repeat(64), publicKey: 'MCowBQYDK2VwAyEA', signature: 'c2lnbmF0dXJl' },
    pollWorkers,
  } as const;

  it('reconciles voters, poll book, transmission and every contest, and says so with the numbers', () => {
    const report = closingReport(input, { copies: 2, columns: 42 });
    expect(report.reconciles).toBe(true);
    expect(report.checks.map((c) => [c.id, c.holds])).toEqual([
      ['voters', true],
      ['poll-book', true],
      ['abandoned', true],
      ['transmission', true],
      ['contest:L2025-001', true],
      ['contest:DEP-MONTREAL-CENTRE', true],
    ]);
    expect(report.checks[0]!.statement.en).toBe('Voters checked in 5 = ballots cast 4 + left without voting 1: OK');
    expect(report.checks[5]!.statement.en).toBe(
      'DEP-MONTREAL-CENTRE: first choices 3 + undervotes 1 + overvotes 0 = 4; ballots 4 × 1 vote allowed = 4: OK',
    );
    expect(report.text.split(PAGE_BREAK)).toHaveLength(2);
    expect(report.text).toContain('Le rapport concorde.\nThe report reconciles.');
    for (const line of report.text.split(/\n|\f/)) expect(Array.from(line).length).toBeLessThanOrEqual(42);
    expect(report.text).toMatchSnapshot();
  });

  it('catches a lost ballot, a vote count off by one and a transmission gap', () => {
    const report = closingReport({
      ...input,
      ballotsCast: 5,
      contests: counts(4, (_c, i) => (i < 3 ? 1 : 0)),
    });
    expect(report.reconciles).toBe(false);
    expect(report.checks.filter((c) => !c.holds).map((c) => c.id)).toEqual([
      'voters',
      'poll-book',
      'transmission',
      'contest:L2025-001',
      'contest:DEP-MONTREAL-CENTRE',
    ]);
    expect(report.checks.find((c) => c.id === 'transmission')!.statement).toEqual({
      fr: 'Bulletins transmis 3 + en attente 1 = bulletins déposés 5\u00a0: NE CONCORDE PAS',
      en: 'Ballots sent 3 + pending 1 = ballots cast 5: DOES NOT RECONCILE',
    });
    expect(report.text).toContain('*** THE REPORT DOES NOT RECONCILE ***');
  });

  it('keeps French typography on paper: no plain space before ":", ";", "!", "?" or "»" in either language, and the French statements whole (issue 13)', () => {
    const failing = closingReport({ ...input, ballotsCast: 5 }, { columns: 42 });
    for (const report of [closingReport(input, { columns: 42 }), failing]) {
      expect(report.text.match(/[^\S\u00a0\u202f\n\f]+[:;!?»]/g)).toBeNull();
      expect(report.text).not.toMatch(/«[^\S\u00a0\u202f]/);
      expect(report.checks.flatMap((c) => frenchTypographyProblems(c.statement.fr))).toEqual([]);
    }
  });

  it('never prints a control character taken from its inputs', () => {
    const report = closingReport({ ...input, pollWorkers: ['Eve\u001b@\u001bd\u0007 Intruse'] });
    // eslint-disable-next-line no-control-regex
    expect(report.text.replace(/[\n\f]/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(report.text).toContain('Eve @ d Intruse');
  });
});

describe('the voter slip', () => {
  it('prints the tracking code as an opaque string, with no time and nothing about the choices', () => {
    const slip = voterSlip({
      electionName: election.name,
      stationName: station.name,
      trackingCode: 'K7QX2M9PRT4WZ3',
      verifyAt: 'https://resultats.example/suivi',
      mode: 'live',
    });
    expect(slip.title).toBe('Scrutin');
    expect(slip.text).toContain('K7QX 2M9P RT4W Z3');
    expect(slip.text).toContain('Vérifier · Check\u00a0:\nhttps://resultats.example/suivi');
    expect(slip.text).not.toMatch(/[0-9]{1,2}:[0-9]{2}/);
    expect(slip.text).not.toMatch(/20[0-9]{2}-[0-9]{2}/);
    expect(
      voterSlip({ electionName: election.name, stationName: station.name, trackingCode: 'ab-cd-ef', verifyAt: null, mode: 'test' }).text,
    ).toContain('ab-cd-ef');
  });
});

describe('the election fingerprint', () => {
  it('changes with the definition', () => {
    const other = sampleElection({ closesAt: '2026-10-05T22:30:00-04:00' });
    expect(electionFingerprint(election)).toMatch(/^[0-9a-f]{64}$/);
    expect(electionFingerprint(election)).toBe(electionFingerprint(sampleElection()));
    expect(electionFingerprint(other)).not.toBe(electionFingerprint(election));
  });
});
