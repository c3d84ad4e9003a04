import type { StationDb } from './db.ts';
import type { PrintedReport } from './devices/printed_reports.ts';

/**
 * Reports that did not print yet (migration 8): the printer failed before or during the job
 * (paper out, jam, queue stopped). They are kept, text and all, until CUPS reports them
 * printed: the dashboard lists them and "Resume printing" prints each one once
 * (station.ts, `resumePrinting`). Voter slips are never kept here: they carry a receipt code.
 */
export type PendingReportKind = 'zero' | 'closing';

export interface PendingPrint {
  readonly report: PendingReportKind;
  readonly title: string;
  readonly text: string;
  readonly copies: number;
  readonly reconciles: boolean;
  /** The CUPS job still queued for it (it prints when the queue resumes), or null: it must be sent again. */
  readonly cupsJob: string | null;
}

interface PendingRow {
  report: PendingReportKind;
  title: string;
  text: string;
  copies: number;
  reconciles: number;
  cups_job: string | null;
}

/** Keeps (or updates) a report that has not printed, with the CUPS job that still holds it, if any. */
export function keepPendingPrint(db: StationDb, report: PendingReportKind, document: PrintedReport, cupsJob: string | null): void {
  db.prepare(
    `INSERT INTO pending_prints (report, title, text, copies, reconciles, cups_job) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (report) DO UPDATE SET title = excluded.title, text = excluded.text, copies = excluded.copies,
         reconciles = excluded.reconciles, cups_job = excluded.cups_job`,
  ).run(report, document.title, document.text, document.copies, document.reconciles ? 1 : 0, cupsJob);
}

/** Records which CUPS job now holds a pending report (null: none, send it again). */
export function setPendingJob(db: StationDb, report: PendingReportKind, cupsJob: string | null): void {
  db.prepare('UPDATE pending_prints SET cups_job = ? WHERE report = ?').run(cupsJob, report);
}

/** The report printed: it is no longer pending. */
export function forgetPendingPrint(db: StationDb, report: PendingReportKind): void {
  db.prepare('DELETE FROM pending_prints WHERE report = ?').run(report);
}

/** The reports waiting for the printer, the zero report first. */
export function pendingPrints(db: StationDb): PendingPrint[] {
  return db
    .prepare<[], PendingRow>(
      `SELECT report, title, text, copies, reconciles, cups_job FROM pending_prints
         ORDER BY CASE report WHEN 'zero' THEN 0 ELSE 1 END`,
    )
    .all()
    .map((row) => ({
      report: row.report,
      title: row.title,
      text: row.text,
      copies: row.copies,
      reconciles: row.reconciles === 1,
      cupsJob: row.cups_job,
    }));
}
