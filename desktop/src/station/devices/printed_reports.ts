import {
  canonicalJson,
  taggedSha256Hex,
  type ContestId,
  type ElectionDefinition,
  type ElectionId,
  type RidingCode,
  type Sha256Hex,
  type StationId,
} from '@scrutin/shared/node';
import type { Bilingual, ContestTape } from '../../api/station_api.ts';
import type { PrintDocument } from './printing.ts';
import { centred, codePoints, hanging, leader, PAGE_BREAK, printable, rule, wrap } from './text_layout.ts';

/**
 * The station's printed documents, as pure functions of typed inputs: the zero report at
 * opening, the closing report, and the voter slip. Reports are bilingual plain text in a
 * fixed width (docs/polling-day.md): what CUPS prints is exactly what these return, so they
 * are compared as text in tests and can be hashed into the audit log.
 *
 * Each report states its own reconciliation invariants with the numbers, and says whether
 * each holds (VVSG 2.0; VxSuite): candidate votes + undervotes + overvotes = ballots × votes
 * allowed, per contest (one vote per contest on our ballots; the kiosk cannot overvote, so
 * overvotes are 0 and a blank is an undervote); and, at closing, the voter and transmission
 * counts against the ballots. A report that does not reconcile is still printed, with the
 * failure in capitals, and `reconciles` is false so the station can log it.
 */

export type StationMode = 'live' | 'test';

export interface ReportHeader {
  readonly election: { readonly id: ElectionId; readonly name: Bilingual; readonly fingerprint: Sha256Hex };
  readonly station: { readonly id: StationId; readonly name: Bilingual };
  readonly riding: { readonly code: RidingCode; readonly name: Bilingual };
  /** Test ballots (logic-and-accuracy testing) are marked on every copy. */
  readonly mode: StationMode;
  /** ISO-8601 instant. */
  readonly printedAt: string;
}

export interface ReportLayout {
  /** Characters per line: 32 (58 mm receipt), 42–48 (80 mm receipt), up to 80 (page). Default 48. */
  readonly columns?: number;
  /** Numbered copies, each on its own page ("copy 1 of 3"). Default 1. */
  readonly copies?: number;
  /** Signature lines for witnesses, after the poll workers'. Default 2. */
  readonly witnesses?: number;
}

/** One contest's counts as the station tallied them. */
export interface ContestCount {
  readonly contest: ContestId;
  readonly title: Bilingual;
  /** A ranked race: the counts are first choices. */
  readonly ranked: boolean;
  readonly options: readonly { readonly option: string; readonly label: Bilingual; readonly votes: number }[];
  /** Blank on this contest. */
  readonly undervotes: number;
  /** Always 0 for kiosk ballots; reported so the invariant reads as everywhere. */
  readonly overvotes: number;
}

export interface ZeroReportInput {
  readonly header: ReportHeader;
  readonly pollsOpenedAt: string;
  /** Envelopes in the ballot box. */
  readonly ballotsInBox: number;
  /** Credentials marked as used in the poll book. */
  readonly pollBookVoted: number;
  /** Batches waiting in the outbox. */
  readonly batchesPending: number;
  readonly contests: readonly ContestCount[];
  /** Names of the kit's poll workers, for their signature lines. */
  readonly pollWorkers: readonly string[];
}

export interface ClosingReportInput {
  readonly header: ReportHeader;
  readonly pollsOpenedAt: string | null;
  readonly pollsClosedAt: string | null;
  readonly voters: {
    /** Distinct voter cards checked in (a card checked in twice counts once). */
    readonly distinctCheckedIn: number;
    /** Of those, voters with no ballot: checked in, never cast. */
    readonly leftWithoutVoting: number;
    /** Check-in sessions that ended without a ballot (a voter may have several). */
    readonly abandonedSessions: number;
    /** Credentials marked as used in the poll book. */
    readonly pollBookVoted: number;
  };
  /** Envelopes in the ballot box. */
  readonly ballotsCast: number;
  readonly transmission: { readonly ballotsSent: number; readonly ballotsPending: number; readonly batchesSent: number };
  readonly contests: readonly ContestCount[];
  readonly integrity: { readonly auditLogHead: string; readonly publicKey: string | null; readonly signature: string | null };
  readonly pollWorkers: readonly string[];
}

export interface ReconciliationCheck {
  /** Stable id: `voters`, `poll-book`, `abandoned`, `transmission`, `zero-ballots`, `contest:<id>`... */
  readonly id: string;
  readonly holds: boolean;
  /** The invariant with its numbers. */
  readonly statement: Bilingual;
}

export interface PrintedReport extends PrintDocument {
  readonly copies: number;
  readonly checks: readonly ReconciliationCheck[];
  readonly reconciles: boolean;
}

/** The election definition's fingerprint printed on reports: tagged SHA-256 of its canonical JSON. */
export function electionFingerprint(election: ElectionDefinition): Sha256Hex {
  return taggedSha256Hex('scrutin/election-definition/v1', Buffer.from(canonicalJson(election), 'utf8'));
}

/** The station's tape (closing_report.ts `tallyTape`) as report counts. */
export function contestCountsOfTape(election: ElectionDefinition, tape: readonly ContestTape[]): ContestCount[] {
  return tape.map((t) => ({
    contest: t.contest as ContestId,
    title: t.title,
    ranked: election.contests.some((c) => c.id === t.contest && c.kind === 'candidate' && c.method === 'irv'),
    options: t.counts.map((c) => ({ option: c.option, label: c.label, votes: c.votes })),
    undervotes: t.blank,
    overvotes: 0,
  }));
}

const both = (b: Bilingual) => (b.fr === b.en ? b.fr : `${b.fr} · ${b.en}`);
const sum = (ns: readonly number[]) => ns.reduce((a, b) => a + b, 0);
const holds = (ok: boolean): Bilingual => (ok ? { fr: 'OK', en: 'OK' } : { fr: 'NE CONCORDE PAS', en: 'DOES NOT RECONCILE' });

function settings(layout: ReportLayout) {
  const columns = Math.min(Math.max(layout.columns ?? 48, 32), 132);
  const copies = Math.max(Math.trunc(layout.copies ?? 1), 1);
  const witnesses = Math.max(Math.trunc(layout.witnesses ?? 2), 0);
  return { columns, copies, witnesses };
}

function testBanner(mode: StationMode, columns: number): string[] {
  switch (mode) {
    case 'live':
      return [];
    case 'test':
      return [
        rule(columns, '*'),
        ...centred('ESSAI — BULLETINS DE TEST, PAS UN SCRUTIN RÉEL', columns),
        ...centred('TEST — TEST BALLOTS, NOT A LIVE ELECTION', columns),
        rule(columns, '*'),
      ];
  }
}

function headerLines(title: Bilingual, header: ReportHeader, copy: number, copies: number, columns: number): string[] {
  return [
    rule(columns, '='),
    ...centred(title.fr.toUpperCase(), columns),
    ...centred(title.en.toUpperCase(), columns),
    ...testBanner(header.mode, columns),
    ...centred(`Copie ${copy} de ${copies} · Copy ${copy} of ${copies}`, columns),
    rule(columns, '='),
    ...wrap(`Élection · Election\u00a0: ${both(header.election.name)}`, columns),
    ...leader('Identifiant · Id', header.election.id, columns),
    ...wrap('Empreinte de la définition · Definition fingerprint\u00a0:', columns),
    ...fingerprintLines(header.election.fingerprint, columns),
    ...wrap(`Bureau · Station\u00a0: ${header.station.id} — ${both(header.station.name)}`, columns),
    ...wrap(`Circonscription · Riding\u00a0: ${both(header.riding.name)} (${header.riding.code})`, columns),
  ];
}

function fingerprintLines(hex: string, columns: number): string[] {
  const groups = printable(hex).match(/.{1,8}/g) ?? [];
  const perLine = Math.max(Math.floor((columns - 2 + 1) / 9), 1);
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += perLine) lines.push(`  ${groups.slice(i, i + perLine).join(' ')}`);
  return lines;
}

function contestLines(contest: ContestCount, columns: number): string[] {
  return [
    rule(columns),
    ...wrap(both(contest.title), columns),
    ...(contest.ranked ? wrap('Premiers choix seulement · First choices only', columns) : []),
    ...contest.options.flatMap((o) => leader(both(o.label), String(o.votes), columns)),
    ...leader('Blancs (sous-votes) · Blank (undervotes)', String(contest.undervotes), columns),
    ...leader('Survotes · Overvotes', String(contest.overvotes), columns),
  ];
}

function contestCheck(contest: ContestCount, ballots: number): ReconciliationCheck {
  const votes = sum(contest.options.map((o) => o.votes));
  const total = votes + contest.undervotes + contest.overvotes;
  const ok = total === ballots;
  return {
    id: `contest:${contest.contest}`,
    holds: ok,
    statement: {
      fr: `${contest.contest}\u00a0: ${contest.ranked ? 'premiers choix' : 'votes'} ${votes} + sous-votes ${contest.undervotes} + survotes ${contest.overvotes} = ${total}\u202f; bulletins ${ballots} × 1 vote permis = ${ballots}\u00a0: ${holds(ok).fr}`,
      en: `${contest.contest}: ${contest.ranked ? 'first choices' : 'votes'} ${votes} + undervotes ${contest.undervotes} + overvotes ${contest.overvotes} = ${total}; ballots ${ballots} × 1 vote allowed = ${ballots}: ${holds(ok).en}`,
    },
  };
}

function checkLines(checks: readonly ReconciliationCheck[], columns: number): string[] {
  return [
    rule(columns),
    ...wrap('CONCORDANCE · RECONCILIATION', columns),
    ...checks.flatMap((c) => [...hanging('- ', c.statement.fr, columns), ...hanging('  ', c.statement.en, columns)]),
    '',
    ...(checks.every((c) => c.holds)
      ? [...wrap('Le rapport concorde.', columns), ...wrap('The report reconciles.', columns)]
      : [
          ...centred('*** LE RAPPORT NE CONCORDE PAS ***', columns),
          ...centred('Avisez le directeur du scrutin.', columns),
          ...centred('*** THE REPORT DOES NOT RECONCILE ***', columns),
          ...centred('Tell the returning officer.', columns),
        ]),
  ];
}

function signatureLines(pollWorkers: readonly string[], witnesses: number, columns: number): string[] {
  const line = (label: string) => `${label} ${'_'.repeat(Math.max(columns - codePoints(label).length - 1, 4))}`;
  const block = (role: string, name: string | null) => [
    '',
    ...wrap(role, columns),
    ...(name === null ? [line('Nom · Name\u00a0:')] : wrap(`Nom · Name\u00a0: ${name}`, columns)),
    '',
    line('Signature\u00a0:'),
  ];
  return [
    rule(columns),
    ...wrap('SIGNATURES', columns),
    ...pollWorkers.flatMap((name) => block('Membre du personnel du bureau · Poll worker', name)),
    ...Array.from({ length: witnesses }, (_, i) => block(`Témoin ${i + 1} · Witness ${i + 1}`, null)).flat(),
  ];
}

function assemble(copies: number, page: (copy: number) => string[], header: ReportHeader, columns: number): string {
  return Array.from({ length: copies }, (_, i) =>
    [...page(i + 1), ...testBanner(header.mode, columns), rule(columns, '='), ''].join('\n'),
  ).join(PAGE_BREAK);
}

/** The zero report, printed when the polls open: every total the station holds, all zero. */
export function zeroReport(input: ZeroReportInput, layout: ReportLayout = {}): PrintedReport {
  const { columns, copies, witnesses } = settings(layout);
  const ballotsCheck: ReconciliationCheck = {
    id: 'zero-ballots',
    holds: input.ballotsInBox === 0 && input.pollBookVoted === 0 && input.batchesPending === 0,
    statement: {
      fr: `Bulletins dans l’urne ${input.ballotsInBox}, cartes marquées «\u202fa voté\u202f» ${input.pollBookVoted}, lots en attente ${input.batchesPending}\u00a0: tous à zéro ${holds(input.ballotsInBox === 0 && input.pollBookVoted === 0 && input.batchesPending === 0).fr}`,
      en: `Ballots in the box ${input.ballotsInBox}, cards marked as voted ${input.pollBookVoted}, batches waiting ${input.batchesPending}: all zero ${holds(input.ballotsInBox === 0 && input.pollBookVoted === 0 && input.batchesPending === 0).en}`,
    },
  };
  const checks = [ballotsCheck, ...input.contests.map((c) => contestCheck(c, input.ballotsInBox))];
  const page = (copy: number) => [
    ...headerLines({ fr: 'Rapport zéro', en: 'Zero report' }, input.header, copy, copies, columns),
    ...leader('Ouverture du scrutin · Polls opened', input.pollsOpenedAt, columns),
    ...leader('Imprimé · Printed', input.header.printedAt, columns),
    rule(columns),
    ...leader('Bulletins dans l’urne · Ballots in the box', String(input.ballotsInBox), columns),
    ...leader('Cartes «\u202fa voté\u202f» · Cards marked voted', String(input.pollBookVoted), columns),
    ...leader('Lots en attente · Batches waiting', String(input.batchesPending), columns),
    ...input.contests.flatMap((c) => contestLines(c, columns)),
    ...checkLines(checks, columns),
    ...signatureLines(input.pollWorkers, witnesses, columns),
  ];
  return {
    title: `Rapport zero ${input.header.station.id}`,
    text: assemble(copies, page, input.header, columns),
    copies,
    checks,
    reconciles: checks.every((c) => c.holds),
  };
}

/** The closing report: the station's counts, reconciled, with signature lines. */
export function closingReport(input: ClosingReportInput, layout: ReportLayout = {}): PrintedReport {
  const { columns, copies, witnesses } = settings(layout);
  const v = input.voters;
  const t = input.transmission;
  const votersHold = v.distinctCheckedIn === input.ballotsCast + v.leftWithoutVoting;
  const pollBookHolds = v.pollBookVoted === input.ballotsCast;
  const abandonedHold = v.abandonedSessions >= v.leftWithoutVoting;
  const sentHold = t.ballotsSent + t.ballotsPending === input.ballotsCast;
  const checks: ReconciliationCheck[] = [
    {
      id: 'voters',
      holds: votersHold,
      statement: {
        fr: `Électeurs inscrits au bureau ${v.distinctCheckedIn} = bulletins déposés ${input.ballotsCast} + partis sans voter ${v.leftWithoutVoting}\u00a0: ${holds(votersHold).fr}`,
        en: `Voters checked in ${v.distinctCheckedIn} = ballots cast ${input.ballotsCast} + left without voting ${v.leftWithoutVoting}: ${holds(votersHold).en}`,
      },
    },
    {
      id: 'poll-book',
      holds: pollBookHolds,
      statement: {
        fr: `Cartes marquées «\u202fa voté\u202f» ${v.pollBookVoted} = bulletins dans l’urne ${input.ballotsCast}\u00a0: ${holds(pollBookHolds).fr}`,
        en: `Cards marked as voted ${v.pollBookVoted} = ballots in the box ${input.ballotsCast}: ${holds(pollBookHolds).en}`,
      },
    },
    {
      id: 'abandoned',
      holds: abandonedHold,
      statement: {
        fr: `Sessions abandonnées ${v.abandonedSessions} ≥ électeurs partis sans voter ${v.leftWithoutVoting}\u00a0: ${holds(abandonedHold).fr}`,
        en: `Abandoned sessions ${v.abandonedSessions} ≥ voters who left without voting ${v.leftWithoutVoting}: ${holds(abandonedHold).en}`,
      },
    },
    {
      id: 'transmission',
      holds: sentHold,
      statement: {
        fr: `Bulletins transmis ${t.ballotsSent} + en attente ${t.ballotsPending} = bulletins déposés ${input.ballotsCast}\u00a0: ${holds(sentHold).fr}`,
        en: `Ballots sent ${t.ballotsSent} + pending ${t.ballotsPending} = ballots cast ${input.ballotsCast}: ${holds(sentHold).en}`,
      },
    },
    ...input.contests.map((c) => contestCheck(c, input.ballotsCast)),
  ];
  const page = (copy: number) => [
    ...headerLines({ fr: 'Rapport de clôture', en: 'Closing report' }, input.header, copy, copies, columns),
    ...leader('Ouverture du scrutin · Polls opened', input.pollsOpenedAt ?? '—', columns),
    ...leader('Fermeture du scrutin · Polls closed', input.pollsClosedAt ?? '—', columns),
    ...leader('Imprimé · Printed', input.header.printedAt, columns),
    rule(columns),
    ...wrap('ÉLECTEURS · VOTERS', columns),
    ...leader('Électeurs inscrits au bureau (distincts) · Voters checked in (distinct)', String(v.distinctCheckedIn), columns),
    ...leader('Bulletins déposés · Ballots cast', String(input.ballotsCast), columns),
    ...leader('Partis sans voter · Left without voting', String(v.leftWithoutVoting), columns),
    ...leader('Sessions abandonnées · Abandoned sessions', String(v.abandonedSessions), columns),
    ...leader('Cartes «\u202fa voté\u202f» · Cards marked voted', String(v.pollBookVoted), columns),
    rule(columns),
    ...wrap('TRANSMISSION', columns),
    ...leader('Bulletins transmis · Ballots sent', String(t.ballotsSent), columns),
    ...leader('Bulletins en attente · Ballots pending', String(t.ballotsPending), columns),
    ...leader('Lots transmis · Batches sent', String(t.batchesSent), columns),
    ...input.contests.flatMap((c) => contestLines(c, columns)),
    ...checkLines(checks, columns),
    rule(columns),
    ...wrap('INTÉGRITÉ · INTEGRITY', columns),
    ...wrap(`Tête du journal d’audit · Audit log head\u00a0: ${input.integrity.auditLogHead}`, columns),
    ...(input.integrity.publicKey === null ? [] : wrap(`Clé du bureau · Station key\u00a0: ${input.integrity.publicKey}`, columns)),
    ...(input.integrity.signature === null ? [] : wrap(`Signature\u00a0: ${input.integrity.signature}`, columns)),
    ...signatureLines(input.pollWorkers, witnesses, columns),
  ];
  return {
    title: `Rapport de cloture ${input.header.station.id}`,
    text: assemble(copies, page, input.header, columns),
    copies,
    checks,
    reconciles: checks.every((c) => c.holds),
  };
}

export interface VoterSlipInput {
  readonly electionName: Bilingual;
  readonly stationName: Bilingual;
  /** The ballot's tracking code, printed as an opaque string. */
  readonly trackingCode: string;
  /** Where a voter checks the code, if the election publishes one. */
  readonly verifyAt: string | null;
  readonly mode: StationMode;
}

/**
 * The voter's slip: the tracking code and what it is for. It carries no time, no sequence
 * and no choice; its CUPS job title is generic, so the job history holds no code (the
 * station's CUPS keeps no job files: docs/polling-day.md).
 */
export function voterSlip(input: VoterSlipInput, layout: Pick<ReportLayout, 'columns'> = {}): PrintDocument {
  const { columns } = settings(layout);
  const code = printable(input.trackingCode).replace(/\s+/g, '');
  const grouped = /^[A-Za-z0-9]+$/.test(code) && code.length > 8 ? (code.match(/.{1,4}/g) ?? [code]).join(' ') : code;
  const lines = [
    rule(columns, '='),
    ...testBanner(input.mode, columns),
    ...wrap(both(input.electionName), columns),
    ...wrap(both(input.stationName), columns),
    rule(columns),
    ...wrap('Votre code de suivi · Your tracking code', columns),
    '',
    ...centred(grouped, columns),
    '',
    ...wrap('Ce code permet de vérifier que votre bulletin a été compté. Il ne révèle pas votre vote.', columns),
    ...wrap('This code lets you check that your ballot was counted. It does not reveal your vote.', columns),
    ...(input.verifyAt === null ? [] : ['', ...wrap('Vérifier · Check\u00a0:', columns), ...wrap(input.verifyAt, columns)]),
    ...testBanner(input.mode, columns),
    rule(columns, '='),
    '',
  ];
  return { title: 'Scrutin', text: lines.join('\n') };
}
