import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import {
  ballotStyle,
  canonicalJson,
  err,
  issuesOf,
  modeOf,
  ok,
  type Contest,
  type ElectionDefinition,
  type ElectionMode,
  type Result,
  type RidingCode,
  type ValidationIssue,
} from '@scrutin/shared';
import type { TallyRow } from './ballot_box.ts';
import {
  closingReport as printableClosingReport,
  contestCountsOfTape,
  electionFingerprint,
  zeroReport as printableZeroReport,
  type PrintedReport,
  type ReportHeader,
  type StationMode,
} from './devices/printed_reports.ts';
import {
  SignedClosingReportSchema,
  type Bilingual,
  type ClosingReport,
  type ClosingReportBody,
  type ContestTape,
} from '../api/station_api.ts';

/**
 * The closing report (the "results tape"): once the polls are closed, the station's counts
 * and its own tally per contest, signed with the station key so the paper copy and the
 * central figures can be compared. For a ranked race the tape counts first preferences.
 *
 *   signature = Ed25519(station key, "scrutin/closing-report/v1" ‖ 0x00 ‖ canonical JSON of the body)
 *
 * The body carries the election's mode (`test` or `live`, docs/decisions/0010-test-mode.md), so
 * the mode is signed: a test election's report cannot pass for a live one's.
 */
export const CLOSING_REPORT_TAG = 'scrutin/closing-report/v1';

function signingBytes(body: ClosingReportBody): Buffer {
  return Buffer.concat([Buffer.from(`${CLOSING_REPORT_TAG}\u0000`, 'utf8'), Buffer.from(canonicalJson(body), 'utf8')]);
}

export function signClosingReport(body: ClosingReportBody, privateKeyPem: string): string {
  return sign(null, signingBytes(body), createPrivateKey(privateKeyPem)).toString('base64');
}

export function verifyClosingReport(report: Pick<ClosingReport, 'body' | 'signature' | 'publicKey'>): boolean {
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(report.publicKey, 'base64').toString('base64url') },
      format: 'jwk',
    });
    return verify(null, signingBytes(report.body), key, Buffer.from(report.signature, 'base64'));
  } catch {
    return false;
  }
}

/** Why a closing report read back (a file, a backup) is not the election's signed report. */
export type ClosingReportProblem =
  /** Not a signed closing report: a field missing (a body without its mode) or malformed. */
  | { readonly kind: 'invalid'; readonly issues: readonly ValidationIssue[] }
  /** The body is not what the key signed: a count changed, the mode relabelled. */
  | { readonly kind: 'bad-signature' }
  | { readonly kind: 'other-election'; readonly expected: string; readonly actual: string }
  /** Signed, but of the other mode: a test election's report offered as the live election's, or the reverse. */
  | { readonly kind: 'other-mode'; readonly expected: ElectionMode; readonly actual: ElectionMode };

/**
 * A closing report read back (`closing-report-<station>.json`, a full backup's `closingReport`)
 * checked against the election it is offered for: parsed, its signature verified over the body
 * with its mode, then its election and mode compared with the election's. Whether the key is
 * the station's enrolled key is for the caller (central knows it).
 */
export function checkClosingReport(json: unknown, election: ElectionDefinition): Result<ClosingReportBody, ClosingReportProblem> {
  const parsed = SignedClosingReportSchema.safeParse(json);
  if (!parsed.success) return err({ kind: 'invalid', issues: issuesOf(parsed.error) });
  const report = parsed.data;
  if (!verifyClosingReport(report)) return err({ kind: 'bad-signature' });
  if (report.body.election !== election.id) return err({ kind: 'other-election', expected: election.id, actual: report.body.election });
  if (report.body.mode !== modeOf(election)) return err({ kind: 'other-mode', expected: modeOf(election), actual: report.body.mode });
  return ok(report.body);
}

/** SHA-256 of the canonical body (what the audit log records). */
export function closingReportHash(body: ClosingReportBody): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/**
 * The station's own tally, per contest of its ballot style, in ballot order, from the running
 * tally the ballot box keeps (ballot_box.ts): the envelopes themselves are deleted once central
 * has acknowledged them. A ranked race counts first preferences, and the report says so.
 */
export function tallyTape(election: ElectionDefinition, riding: RidingCode, rows: Iterable<TallyRow>): ContestTape[] {
  const contests = ballotStyle(election, riding);
  const counts = new Map<string, { ballots: number; blank: number; votes: Map<string, number> }>(
    contests.map((c) => [c.id, { ballots: 0, blank: 0, votes: new Map() }]),
  );
  for (const row of rows) {
    const entry = counts.get(row.contest);
    if (entry === undefined) continue;
    entry.ballots += row.count;
    if (row.option === null) entry.blank += row.count;
    else entry.votes.set(row.option, (entry.votes.get(row.option) ?? 0) + row.count);
  }
  return contests.map((contest) => {
    const entry = counts.get(contest.id) ?? { ballots: 0, blank: 0, votes: new Map<string, number>() };
    return {
      contest: contest.id,
      kind: contest.kind,
      firstChoices: contest.kind === 'candidate' && contest.method === 'irv',
      title: contest.title,
      ballots: entry.ballots,
      blank: entry.blank,
      counts: optionsOf(contest).map((o) => ({ option: o.id, label: o.label, votes: entry.votes.get(o.id) ?? 0 })),
    };
  });
}

function optionsOf(contest: Contest): { readonly id: string; readonly label: Bilingual }[] {
  switch (contest.kind) {
    case 'referendum':
      return contest.options.map((o) => ({ id: o.id, label: o.label }));
    case 'candidate':
      return contest.candidates.map((k) => ({
        id: k.id,
        label: {
          fr: k.party === null ? `${k.name} (indépendant)` : `${k.name} (${k.party})`,
          en: k.party === null ? `${k.name} (independent)` : `${k.name} (${k.party})`,
        },
      }));
    default: {
      const never: never = contest;
      throw new Error(`unexpected contest ${JSON.stringify(never)}`);
    }
  }
}

/** Copies of the closing report printed at close, numbered on each page (one per poll worker, one for the returns). */
export const CLOSING_REPORT_COPIES = 3;

/** The header of the station's printed reports. */
export function reportHeader(
  election: ElectionDefinition,
  station: ClosingReportBody['station'],
  riding: RidingCode,
  mode: StationMode,
  printedAt: string,
): ReportHeader {
  const name = (text: Bilingual | undefined, fallback: string) => text ?? { fr: fallback, en: fallback };
  return {
    election: { id: election.id, name: election.name, fingerprint: electionFingerprint(election) },
    station: { id: station, name: name(election.stations.find((s) => s.id === station)?.name, station) },
    riding: { code: riding, name: name(election.ridings.find((r) => r.code === riding)?.name, riding) },
    mode,
    printedAt,
  };
}

/**
 * The signed closing report as the printer gets it (devices/printed_reports.ts): bilingual
 * text, its reconciliation checks, numbered copies, the poll workers' and witnesses' signature
 * lines, ranked races marked "first choices".
 */
export function printedClosingReport(
  report: Pick<ClosingReport, 'body' | 'signature' | 'publicKey'>,
  election: ElectionDefinition,
  pollWorkers: readonly string[],
  copies = CLOSING_REPORT_COPIES,
): PrintedReport {
  const { body } = report;
  return printableClosingReport(
    {
      // The mode the station signed: the paper says what the signature covers.
      header: reportHeader(election, body.station, body.riding, body.mode, body.generatedAt),
      pollsOpenedAt: body.pollsOpenedAt,
      pollsClosedAt: body.pollsClosedAt,
      voters: {
        distinctCheckedIn: body.votersCheckedIn,
        leftWithoutVoting: body.leftWithoutVoting,
        abandonedSessions: body.abandonedSessions,
        pollBookVoted: body.ballotsCast,
      },
      ballotsCast: body.ballotsCast,
      transmission: { ballotsSent: body.ballotsSynced, ballotsPending: body.ballotsPending, batchesSent: body.batchesSynced },
      contests: contestCountsOfTape(election, body.tape),
      integrity: { auditLogHead: body.auditLogHead, publicKey: report.publicKey, signature: report.signature },
      pollWorkers,
    },
    { copies },
  );
}

/** The zero report printed when the polls open: every count the station holds, at zero. */
export function printedZeroReport(input: {
  readonly election: ElectionDefinition;
  readonly station: ClosingReportBody['station'];
  readonly riding: RidingCode;
  readonly pollsOpenedAt: string;
  readonly ballotsInBox: number;
  readonly pollBookVoted: number;
  readonly batchesPending: number;
  readonly tally: Iterable<TallyRow>;
  readonly pollWorkers: readonly string[];
}): PrintedReport {
  const { election, station, riding } = input;
  return printableZeroReport({
    header: reportHeader(election, station, riding, modeOf(election), input.pollsOpenedAt),
    pollsOpenedAt: input.pollsOpenedAt,
    ballotsInBox: input.ballotsInBox,
    pollBookVoted: input.pollBookVoted,
    batchesPending: input.batchesPending,
    contests: contestCountsOfTape(election, tallyTape(election, riding, input.tally)),
    pollWorkers: input.pollWorkers,
  });
}

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const both = (b: Bilingual) => (b.fr === b.en ? escape(b.fr) : `${escape(b.fr)}<br><span class="en">${escape(b.en)}</span>`);
const row = (label: Bilingual, value: string | number) => `<tr><th scope="row">${both(label)}</th><td>${escape(String(value))}</td></tr>`;

/** A printable, self-contained page (no script, no external resource), French and English. */
export function closingReportHtml(
  report: Pick<ClosingReport, 'body' | 'signature' | 'publicKey'>,
  election: ElectionDefinition,
  pollWorkers: readonly string[] = [],
): string {
  const { body } = report;
  const { checks } = printedClosingReport(report, election, pollWorkers, 1);
  const reconciliation = checks.map((c) => `<li class="${c.holds ? 'holds' : 'fails'}">${both(c.statement)}</li>`).join('\n');
  const signers = [...pollWorkers.map((name) => `Membre du personnel · Poll worker\u00a0: ${name}`), 'Témoin · Witness', 'Témoin · Witness']
    .map((line) => `<div>${escape(line)}</div>`)
    .join('');
  const station = election.stations.find((s) => s.id === body.station);
  const riding = election.ridings.find((r) => r.code === body.riding);
  const tapes = body.tape
    .map((t) => {
      const rows = t.counts.map((c) => `<tr><td>${both(c.label)}</td><td class="n">${c.votes}</td></tr>`).join('');
      const note = t.firstChoices ? `<p class="note">Premiers choix · First choices</p>` : '';
      return `<section class="tape"><h2>${both(t.title)}</h2>${note}<table><thead><tr><th>Option</th><th class="n">Votes</th></tr></thead><tbody>${rows}
<tr class="blank"><td>Bulletins blancs<br><span class="en">Blank</span></td><td class="n">${t.blank}</td></tr>
<tr class="total"><td>Total</td><td class="n">${t.ballots}</td></tr></tbody></table></section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>${body.mode === 'test' ? 'ESSAI · TEST — ' : ''}Rapport de clôture · Closing report — ${escape(body.station)}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #000; background: #fff; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.1rem; margin: 1.25rem 0 .25rem; }
  .en { color: #333; font-style: italic; }
  table { border-collapse: collapse; width: 100%; max-width: 40rem; }
  th, td { border-bottom: 1px solid #999; padding: .3rem .5rem; text-align: left; vertical-align: top; }
  .n { text-align: right; font-variant-numeric: tabular-nums; }
  td:last-child { text-align: right; font-variant-numeric: tabular-nums; }
  tr.total td { font-weight: bold; border-top: 2px solid #000; }
  .note { margin: 0; font-size: .9rem; }
  .sig { font-family: ui-monospace, monospace; font-size: .75rem; word-break: break-all; }
  .signatures { margin-top: 2rem; display: flex; flex-wrap: wrap; gap: 2.5rem 3rem; }
  .checks li.fails { font-weight: bold; }
  .test-mode { border: 3px solid #000; padding: .5rem; font-weight: bold; font-size: 1.2rem; text-align: center; }
  .signatures div { border-top: 1px solid #000; padding-top: .25rem; min-width: 14rem; }
  @media print {
    body { margin: 1cm; font-size: 11pt; }
    section.tape { break-inside: avoid; }
    @page { size: auto; margin: 1cm; }
  }
</style>
</head>
<body>
${
  body.mode === 'test'
    ? `<p class="test-mode">ESSAI — BULLETINS DE TEST, PAS UN SCRUTIN RÉEL<br><span class="en">TEST — TEST BALLOTS, NOT A LIVE ELECTION</span></p>\n`
    : ''
}<h1>Rapport de clôture du bureau de vote<br><span class="en">Polling station closing report</span></h1>
<p>${both(election.name)}</p>
<table>
${row({ fr: 'Bureau', en: 'Station' }, `${body.station}${station === undefined ? '' : ` — ${station.name.fr}`}`)}
${row({ fr: 'Circonscription', en: 'Riding' }, riding === undefined ? body.riding : riding.name.fr)}
${row({ fr: 'Scrutin ouvert', en: 'Polls opened' }, body.pollsOpenedAt ?? '—')}
${row({ fr: 'Scrutin fermé', en: 'Polls closed' }, body.pollsClosedAt ?? '—')}
${row({ fr: 'Rapport produit', en: 'Report produced' }, body.generatedAt)}
${row({ fr: 'Électeurs inscrits au bureau (distincts)', en: 'Voters checked in (distinct)' }, body.votersCheckedIn)}
${row({ fr: 'Bulletins déposés', en: 'Ballots cast' }, body.ballotsCast)}
${row({ fr: 'Partis sans voter', en: 'Left without voting' }, body.leftWithoutVoting)}
${row({ fr: 'Inscriptions (sessions)', en: 'Check-in sessions' }, body.checkIns)}
${row({ fr: 'Sessions abandonnées', en: 'Abandoned sessions' }, body.abandonedSessions)}
${row({ fr: 'Bulletins transmis (reçu central vérifié)', en: 'Ballots synced (verified central receipt)' }, body.ballotsSynced)}
${row({ fr: 'Bulletins en attente de transmission', en: 'Ballots pending sync' }, body.ballotsPending)}
${row({ fr: 'Lots transmis', en: 'Batches synced' }, body.batchesSynced)}
</table>
${tapes}
<h2>Rapprochement · Reconciliation</h2>
<ul class="checks">
${reconciliation}
</ul>
<h2>Intégrité · Integrity</h2>
<p>Tête du journal d’audit · Audit log head\u00a0: <span class="sig">${escape(body.auditLogHead)}</span></p>
<p>Clé publique du bureau · Station public key\u00a0: <span class="sig">${escape(report.publicKey)}</span></p>
<p>Signature Ed25519 (${CLOSING_REPORT_TAG}): <span class="sig">${escape(report.signature)}</span></p>
<div class="signatures">${signers}</div>
</body>
</html>
`;
}
