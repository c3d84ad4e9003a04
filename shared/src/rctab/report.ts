import type { IrvResult, IrvRound, IrvSliceResult, Transfers } from '../tally/irv_result.ts';
import { compareJavaStrings } from '../tally/java_random.ts';
import type { SliceDimension } from '../tally/ranking.ts';
import type { RctabOutputSettings } from './config.ts';

/**
 * RCTab's detailed report JSON ("summary.json", the Universal RCV Tabulator results format):
 * vote counts as strings, round numbers as JSON numbers. Object keys are emitted in sorted
 * order like RCTab's writer does, so our files diff cleanly against RCTab's.
 */

export type DetailedReportDecision =
  | { readonly elected: string; readonly transfers: Readonly<Record<string, string>> }
  | { readonly eliminated: string; readonly transfers: Readonly<Record<string, string>> };

export type DetailedReportRound = {
  readonly inactiveBallots: {
    readonly exhaustedChoices: string;
    readonly overvotes: string;
    readonly repeatedRankings: string;
    readonly skippedRankings: string;
  };
  readonly round: number;
  readonly tally: Readonly<Record<string, string>>;
  readonly tallyResults: readonly DetailedReportDecision[];
  readonly threshold: string;
};

export type DetailedReport = {
  readonly config: {
    readonly contest: string;
    readonly date: string;
    readonly generatedBy: string;
    readonly jurisdiction: string;
    readonly office: string;
    readonly precinct?: string;
    readonly batch?: string;
  };
  readonly jsonFormatVersion: '1';
  readonly results: readonly DetailedReportRound[];
  readonly summary: {
    readonly finalThreshold: string;
    readonly numCandidates: number;
    readonly numWinners: number;
    readonly totalNumBallots: string;
    readonly undervotes: number;
  };
};

/** The whole contest's report. */
export function buildDetailedReport(result: IrvResult, settings: RctabOutputSettings, generatedBy: string): DetailedReport {
  return {
    config: reportConfig(settings, generatedBy, null),
    jsonFormatVersion: '1',
    results: result.rounds.map(reportRound),
    summary: {
      finalThreshold: votes(result.summary.finalThreshold),
      numCandidates: result.summary.numCandidates,
      numWinners: result.summary.numWinners,
      totalNumBallots: votes(result.summary.totalNumBallots),
      undervotes: result.summary.undervotes,
    },
  };
}

/**
 * One precinct's or batch's report: that slice's ballots, with the whole contest's
 * decisions, thresholds and candidate count.
 */
export function buildSliceReport(
  result: IrvResult,
  slice: IrvSliceResult,
  settings: RctabOutputSettings,
  generatedBy: string,
): DetailedReport {
  return {
    config: reportConfig(settings, generatedBy, slice),
    jsonFormatVersion: '1',
    results: slice.rounds.map(reportRound),
    summary: {
      finalThreshold: votes(result.summary.finalThreshold),
      numCandidates: result.summary.numCandidates,
      numWinners: result.summary.numWinners,
      totalNumBallots: votes(slice.totalNumBallots),
      undervotes: slice.undervotes,
    },
  };
}

/**
 * RCTab's slice file name part: every character other than ASCII letters, digits, `_`, `-`
 * and `.` becomes `_` ("MINNEAPOLIS W-13 P-09" → "MINNEAPOLIS_W-13_P-09").
 */
export function sliceFileLabel(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export function serializeDetailedReport(report: DetailedReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function reportConfig(
  settings: RctabOutputSettings,
  generatedBy: string,
  slice: { readonly dimension: SliceDimension; readonly value: string } | null,
): DetailedReport['config'] {
  const base = {
    contest: settings.contestName,
    date: settings.contestDate,
    generatedBy,
    jurisdiction: settings.contestJurisdiction,
    office: settings.contestOffice,
  };
  if (slice === null) {
    return base;
  }
  return slice.dimension === 'precinct' ? { ...base, precinct: slice.value } : { ...base, batch: slice.value };
}

function reportRound(round: IrvRound): DetailedReportRound {
  return {
    inactiveBallots: {
      exhaustedChoices: votes(round.inactive.exhaustedChoices),
      overvotes: votes(round.inactive.overvotes),
      repeatedRankings: votes(round.inactive.repeatedRankings),
      skippedRankings: votes(round.inactive.skippedRankings),
    },
    round: round.round,
    tally: sortedRecord([...round.tally].map(([name, count]) => [name, votes(count)])),
    tallyResults: round.decisions.map((decision): DetailedReportDecision => {
      const transfers = reportTransfers(decision.transfers);
      return decision.kind === 'elected' ? { elected: decision.candidate, transfers } : { eliminated: decision.candidate, transfers };
    }),
    threshold: votes(round.threshold),
  };
}

/** Zero entries are left out; ballots that became inactive go under "exhausted". */
function reportTransfers(transfers: Transfers): Record<string, string> {
  const entries: [string, string][] = [...transfers.toCandidates]
    .filter(([, count]) => count > 0)
    .map(([name, count]) => [name, votes(count)]);
  if (transfers.exhausted > 0) {
    entries.push(['exhausted', votes(transfers.exhausted)]);
  }
  return sortedRecord(entries);
}

function sortedRecord(entries: readonly (readonly [string, string])[]): Record<string, string> {
  return Object.fromEntries([...entries].sort(([a], [b]) => compareJavaStrings(a, b)));
}

/** RCTab prints single-winner vote counts as plain integers in strings. */
function votes(count: number): string {
  return String(count);
}
