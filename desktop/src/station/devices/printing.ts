import { assertNever, err, ok, type Result } from '@scrutin/shared';
import type { Bilingual } from '../../api/station_api.ts';
import {
  cancelSubscription,
  isSchedulerDown,
  jobsFinished,
  jobState,
  parseJobId,
  parseLpoptions,
  parseLpstat,
  runCups,
  subscribeJobsFinished,
  type CommandFailure,
  type CupsConnection,
} from './cups.ts';

/**
 * The station's printer, driven through CUPS by the backend: never a print dialog. The poll
 * worker never picks a printer either: the station is configured with one CUPS queue (or
 * CUPS's default destination), which is checked at opening (enabled, accepting jobs, no paper
 * or other problem CUPS can see) and printed to silently with `lp`.
 *
 * Documents are plain UTF-8 text (see printed_reports.ts): CUPS prints text/plain on every
 * kind of queue (page printers through cups-filters' texttopdf, receipt printers through
 * their raster driver or raw), and what is printed is exactly what was generated.
 */
export interface PrinterConfig {
  /** The CUPS queue; null for CUPS's default destination. */
  readonly printer: string | null;
  /** Extra `lp -o name=value` options of the queue (media, cpi, lpi, page-left...). */
  readonly options?: Readonly<Record<string, string>>;
}

/** Something CUPS reports about the printer (printer-state-reasons), in our words. */
export type PrinterAlertKind =
  | 'paper-out'
  | 'paper-jam'
  | 'paper-low'
  | 'cover-open'
  | 'supplies-empty'
  | 'supplies-low'
  | 'offline'
  | 'paused'
  | 'output-full'
  | 'other';

export interface PrinterAlert {
  readonly kind: PrinterAlertKind;
  /** The CUPS keyword as reported, e.g. `media-empty-error`. */
  readonly reason: string;
  /** True when nothing can print until it is fixed. */
  readonly blocking: boolean;
}

export interface PrinterStatus {
  readonly printer: string;
  readonly state: 'idle' | 'printing' | 'stopped';
  readonly accepting: boolean;
  readonly alerts: readonly PrinterAlert[];
  readonly makeAndModel: string;
}

export type PrinterProblem =
  | { readonly kind: 'cups-unavailable'; readonly detail: string }
  | { readonly kind: 'no-printer' }
  | { readonly kind: 'printer-unknown'; readonly printer: string; readonly available: readonly string[] }
  /** Blocking alerts (paper out, jam, cover open, offline...): fix, then resume. */
  | { readonly kind: 'printer-needs-attention'; readonly printer: string; readonly alerts: readonly PrinterAlert[] }
  /** Stopped with no cause CUPS can name (a technician paused the queue). */
  | { readonly kind: 'printer-stopped'; readonly printer: string }
  | { readonly kind: 'printer-rejecting'; readonly printer: string }
  | { readonly kind: 'print-refused'; readonly printer: string; readonly detail: string }
  /** The job ended without printing (aborted by a filter or backend failure, or canceled). */
  | { readonly kind: 'print-failed'; readonly printer: string; readonly job: string; readonly state: 'aborted' | 'canceled' }
  /** CUPS no longer knows the job and no notification said how it ended (the scheduler restarted, or nothing watched it). */
  | { readonly kind: 'print-outcome-unknown'; readonly printer: string; readonly job: string }
  /** Still queued when the wait ended; it prints once the printer is ready. */
  | { readonly kind: 'print-not-finished'; readonly printer: string; readonly job: string; readonly alerts: readonly PrinterAlert[] };

export type PrinterError = PrinterProblem & { readonly message: Bilingual };

export interface PrintDocument {
  /** The CUPS job name: never anything secret (it stays in the job history). */
  readonly title: string;
  /** UTF-8 text; copies are already in it, separated by form feeds. */
  readonly text: string;
}

export interface PrintedJob {
  readonly printer: string;
  /** CUPS job id, e.g. `station-12`. */
  readonly job: string;
}

export interface PrintOptions {
  /** How long to wait for the job to finish (default 60 s); 0 returns once it is queued. */
  readonly waitMs?: number;
  /** Poll interval while waiting (default 250 ms). */
  readonly pollMs?: number;
}

const DEFAULT_WAIT_MS = 60_000;

const fail = (problem: PrinterProblem): { ok: false; error: PrinterError } => err({ ...problem, message: describePrinterProblem(problem) });

function cupsFailure(failure: CommandFailure): PrinterProblem {
  switch (failure.kind) {
    case 'missing-command':
      return { kind: 'cups-unavailable', detail: `${failure.command} is not installed` };
    case 'failed':
      return { kind: 'cups-unavailable', detail: failure.stderr };
    default:
      return assertNever(failure, 'command failure');
  }
}

/** Reads one printer-state-reasons keyword (RFC 8011: base keyword plus -error/-warning/-report). */
export function alertOf(reason: string): PrinterAlert {
  const base = reason.replace(/-(error|warning|report)$/, '');
  const kind: PrinterAlertKind = (() => {
    switch (base) {
      case 'media-empty':
      case 'media-needed':
        return 'paper-out';
      case 'media-jam':
        return 'paper-jam';
      case 'media-low':
        return 'paper-low';
      case 'door-open':
      case 'cover-open':
      case 'interlock-open':
        return 'cover-open';
      case 'toner-empty':
      case 'marker-supply-empty':
      case 'marker-waste-full':
        return 'supplies-empty';
      case 'toner-low':
      case 'marker-supply-low':
      case 'marker-waste-almost-full':
        return 'supplies-low';
      case 'offline':
      case 'connecting-to-device':
      case 'timed-out':
      case 'shutdown':
        return 'offline';
      case 'paused':
      case 'moving-to-paused':
        return 'paused';
      case 'output-area-full':
        return 'output-full';
      default:
        return 'other';
    }
  })();
  const blocking = kind === 'other' ? reason.endsWith('-error') : kind !== 'paper-low' && kind !== 'supplies-low';
  return { kind, reason, blocking };
}

/** The station's printer: check it, print to it, resume it. */
export class Printer {
  constructor(
    private readonly config: PrinterConfig,
    private readonly connection: CupsConnection = {},
  ) {}

  /** The queues CUPS knows, and its default destination. */
  async list(): Promise<Result<{ readonly printers: readonly string[]; readonly defaultPrinter: string | null }, PrinterError>> {
    const ran = await runCups(this.connection, 'lpstat', ['-p', '-d']);
    if (!ran.ok) {
      // lpstat exits 1 when no queue exists at all ("No destinations added.").
      if (ran.error.kind === 'failed' && /no destinations added/i.test(ran.error.stderr)) return ok({ printers: [], defaultPrinter: null });
      return fail(cupsFailure(ran.error));
    }
    return ok(parseLpstat(ran.value.stdout));
  }

  /** The configured printer (or the default one) and what CUPS says about it. */
  async status(): Promise<Result<PrinterStatus, PrinterError>> {
    const listed = await this.list();
    if (!listed.ok) return listed;
    const printer = this.config.printer ?? listed.value.defaultPrinter;
    if (printer === null) return fail({ kind: 'no-printer' });
    if (!listed.value.printers.includes(printer)) return fail({ kind: 'printer-unknown', printer, available: listed.value.printers });
    const ran = await runCups(this.connection, 'lpoptions', ['-p', printer]);
    if (!ran.ok) return fail(cupsFailure(ran.error));
    const attributes = parseLpoptions(ran.value.stdout);
    const reasons = (attributes.get('printer-state-reasons') ?? 'none').split(',').filter((r) => r !== '' && r !== 'none');
    const stateNumber = attributes.get('printer-state');
    return ok({
      printer,
      state: stateNumber === '5' ? 'stopped' : stateNumber === '4' ? 'printing' : 'idle',
      accepting: attributes.get('printer-is-accepting-jobs') !== 'false',
      alerts: reasons.map(alertOf),
      makeAndModel: attributes.get('printer-make-and-model') ?? '',
    });
  }

  /** Ready to print: the printer exists, is enabled, accepts jobs and has no blocking alert. Warnings come back. */
  async check(): Promise<Result<PrinterStatus, PrinterError>> {
    const status = await this.status();
    if (!status.ok) return status;
    return readiness(status.value);
  }

  /** Prints a document silently; by default waits until CUPS reports the job done. */
  async print(document: PrintDocument, options: PrintOptions = {}): Promise<Result<PrintedJob, PrinterError>> {
    const ready = await this.check();
    if (!ready.ok) return ready;
    const printer = ready.value.printer;
    const args = ['-d', printer, '-t', document.title, '-o', 'document-format=text/plain'];
    for (const [name, value] of Object.entries(this.config.options ?? {})) {
      if (!/^[a-z][a-z0-9-]*$/.test(name) || name === 'document-format') {
        return fail({ kind: 'print-refused', printer, detail: `option ${name} is not a printer option` });
      }
      args.push('-o', `${name}=${value}`);
    }
    args.push('-');
    if (options.waitMs === 0) return this.submit(printer, args, document);
    // Watching before the job exists: it may finish, and be forgotten, before the first look.
    return this.watching(printer, options, async (subscription) => {
      const queued = await this.submit(printer, args, document);
      if (!queued.ok) return queued;
      return this.waitForJob(queued.value, options, subscription);
    });
  }

  private async submit(printer: string, args: readonly string[], document: PrintDocument): Promise<Result<PrintedJob, PrinterError>> {
    const ran = await runCups(this.connection, 'lp', args, document.text);
    if (!ran.ok) {
      if (ran.error.kind === 'failed' && !isSchedulerDown(ran.error.stderr))
        return fail({ kind: 'print-refused', printer, detail: ran.error.stderr });
      return fail(cupsFailure(ran.error));
    }
    const job = parseJobId(ran.value.stdout);
    if (job === null) return fail({ kind: 'print-refused', printer, detail: ran.value.stdout.trim() });
    return ok({ printer, job });
  }

  /** Runs `body` with a subscription to the printer's finished jobs, cancelled afterwards. */
  private async watching<T>(
    printer: string,
    options: PrintOptions,
    body: (subscription: number) => Promise<Result<T, PrinterError>>,
  ): Promise<Result<T, PrinterError>> {
    const lease = ((options.waitMs ?? DEFAULT_WAIT_MS) + 60_000) / 1000;
    const subscription = await subscribeJobsFinished(this.connection, printer, lease);
    if (!subscription.ok) return fail(cupsFailure(subscription.error));
    try {
      return await body(subscription.value);
    } finally {
      await cancelSubscription(this.connection, printer, subscription.value);
    }
  }

  /**
   * Resumes a queue CUPS stopped (after paper was added or a jam cleared): `cupsenable`, then
   * the printer must be ready. The jobs of `waiting` (queued earlier, still in CUPS) then print
   * by themselves; each one's outcome comes back in `jobs`, in order, as `waitForJob` reads it.
   */
  async resume(
    waiting: readonly PrintedJob[] = [],
    options: PrintOptions = {},
  ): Promise<Result<{ readonly status: PrinterStatus; readonly jobs: readonly Result<PrintedJob, PrinterError>[] }, PrinterError>> {
    const status = await this.status();
    if (!status.ok) return status;
    const printer = status.value.printer;
    return this.watching(printer, options, async (subscription) => {
      const ran = await runCups(this.connection, 'cupsenable', [printer]);
      if (!ran.ok) return fail(cupsFailure(ran.error));
      const ready = await this.check();
      if (!ready.ok) return ready;
      const jobs: Result<PrintedJob, PrinterError>[] = [];
      for (const job of waiting) jobs.push(await this.waitForJob(job, options, subscription));
      return ok({ status: ready.value, jobs });
    });
  }

  /**
   * Waits until a job has printed: `ok` once CUPS reports it completed, an error as soon as it
   * ended otherwise, or while it waits on a printer that needs attention (it stays queued).
   * The scheduler forgets a finished job at once (no job history): how it ended is then read
   * from `subscription`'s notifications (`print` and `resume` make one before the job can finish).
   */
  async waitForJob(
    { printer, job }: PrintedJob,
    options: PrintOptions = {},
    subscription?: number,
  ): Promise<Result<PrintedJob, PrinterError>> {
    const jobNumber = Number(job.slice(job.lastIndexOf('-') + 1));
    const deadline = Date.now() + (options.waitMs ?? DEFAULT_WAIT_MS);
    const pollMs = options.pollMs ?? 250;
    for (;;) {
      const state = await jobState(this.connection, printer, jobNumber);
      if (!state.ok) return fail(cupsFailure(state.error));
      switch (state.value.state) {
        case 'gone': {
          if (subscription === undefined) return fail({ kind: 'print-outcome-unknown', printer, job });
          const finished = await jobsFinished(this.connection, printer, subscription);
          if (!finished.ok) return fail(cupsFailure(finished.error));
          const outcome = finished.value.get(jobNumber);
          if (outcome === 'completed') return ok({ printer, job });
          if (outcome === undefined) return fail({ kind: 'print-outcome-unknown', printer, job });
          return fail({ kind: 'print-failed', printer, job, state: outcome });
        }
        case 'completed':
          return ok({ printer, job });
        case 'aborted':
        case 'canceled':
          return fail({ kind: 'print-failed', printer, job, state: state.value.state });
        case 'pending':
        case 'held':
        case 'processing':
        case 'stopped':
          break;
        default:
          assertNever(state.value.state, 'job state');
      }
      const status = await this.status();
      if (!status.ok) return status;
      const stuck = status.value.state === 'stopped' || status.value.alerts.some((a) => a.blocking);
      if (stuck || Date.now() >= deadline) {
        return fail({ kind: 'print-not-finished', printer, job, alerts: status.value.alerts });
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}

function readiness(status: PrinterStatus): Result<PrinterStatus, PrinterError> {
  const blocking = status.alerts.filter((a) => a.blocking && a.kind !== 'paused');
  if (blocking.length > 0) return fail({ kind: 'printer-needs-attention', printer: status.printer, alerts: blocking });
  if (status.state === 'stopped' || status.alerts.some((a) => a.kind === 'paused'))
    return fail({ kind: 'printer-stopped', printer: status.printer });
  if (!status.accepting) return fail({ kind: 'printer-rejecting', printer: status.printer });
  return ok(status);
}

function describeAlert(alert: PrinterAlert): Bilingual {
  switch (alert.kind) {
    case 'paper-out':
      return { fr: 'il n’y a plus de papier', en: 'it is out of paper' };
    case 'paper-jam':
      return { fr: 'le papier est coincé', en: 'the paper is jammed' };
    case 'paper-low':
      return { fr: 'il reste peu de papier', en: 'paper is running low' };
    case 'cover-open':
      return { fr: 'un couvercle est ouvert', en: 'a cover is open' };
    case 'supplies-empty':
      return { fr: 'l’encre ou le toner est épuisé', en: 'the ink or toner is empty' };
    case 'supplies-low':
      return { fr: 'l’encre ou le toner est presque épuisé', en: 'the ink or toner is running low' };
    case 'offline':
      return { fr: 'elle est hors ligne (débranchée ou éteinte)', en: 'it is offline (unplugged or switched off)' };
    case 'paused':
      return { fr: 'elle est en pause', en: 'it is paused' };
    case 'output-full':
      return { fr: 'le bac de sortie est plein', en: 'the output tray is full' };
    case 'other':
      return { fr: `elle signale «\u202f${alert.reason}\u202f»`, en: `it reports "${alert.reason}"` };
    default:
      return assertNever(alert.kind, 'printer alert');
  }
}

/** The alerts in words; "paused" only when nothing else explains the stop. */
const joinAlerts = (alerts: readonly PrinterAlert[], lang: 'fr' | 'en') =>
  (alerts.some((a) => a.kind !== 'paused') ? alerts.filter((a) => a.kind !== 'paused') : alerts)
    .map((a) => describeAlert(a)[lang])
    .join(lang === 'fr' ? ' et ' : ' and ') || (lang === 'fr' ? 'elle est arrêtée' : 'it is stopped');

/** The words a poll worker acts on, in French and English. */
export function describePrinterProblem(p: PrinterProblem): Bilingual {
  switch (p.kind) {
    case 'cups-unavailable':
      return {
        fr: `Le service d’impression ne répond pas (${p.detail}). Avisez le soutien technique.`,
        en: `The printing service does not answer (${p.detail}). Tell technical support.`,
      };
    case 'no-printer':
      return {
        fr: 'Aucune imprimante n’est configurée pour ce bureau. Avisez le soutien technique.',
        en: 'No printer is set up for this station. Tell technical support.',
      };
    case 'printer-unknown':
      return {
        fr: `L’imprimante «\u202f${p.printer}\u202f» est introuvable. Vérifiez qu’elle est branchée\u202f; sinon, avisez le soutien technique.`,
        en: `The printer "${p.printer}" cannot be found. Check that it is plugged in; otherwise, tell technical support.`,
      };
    case 'printer-needs-attention':
      return {
        fr: `L’imprimante ne peut pas imprimer\u00a0: ${joinAlerts(p.alerts, 'fr')}. Corrigez-le, puis touchez «\u202fReprendre l’impression\u202f».`,
        en: `The printer cannot print: ${joinAlerts(p.alerts, 'en')}. Fix it, then touch "Resume printing".`,
      };
    case 'printer-stopped':
      return {
        fr: 'L’imprimante est arrêtée. Touchez «\u202fReprendre l’impression\u202f»\u202f; si elle reste arrêtée, avisez le soutien technique.',
        en: 'The printer is stopped. Touch "Resume printing"; if it stays stopped, tell technical support.',
      };
    case 'printer-rejecting':
      return {
        fr: 'L’imprimante refuse les impressions (désactivée dans le service d’impression). Avisez le soutien technique.',
        en: 'The printer refuses print jobs (turned off in the printing service). Tell technical support.',
      };
    case 'print-refused':
      return {
        fr: `L’impression a été refusée (${p.detail}). Réessayez\u202f; si cela persiste, avisez le soutien technique.`,
        en: `The print job was refused (${p.detail}). Try again; if it persists, tell technical support.`,
      };
    case 'print-failed':
      return {
        fr: `Le document n’a pas été imprimé (travail ${p.job} ${p.state === 'aborted' ? 'interrompu' : 'annulé'}). Imprimez-le de nouveau.`,
        en: `The document was not printed (job ${p.job} ${p.state}). Print it again.`,
      };
    case 'print-outcome-unknown':
      return {
        fr: `Le service d’impression n’a pas gardé le résultat du travail ${p.job}. Vérifiez que le document est bien sorti\u202f; sinon, imprimez-le de nouveau.`,
        en: `The printing service did not keep the outcome of job ${p.job}. Check that the document came out; otherwise, print it again.`,
      };
    case 'print-not-finished':
      return p.alerts.some((a) => a.blocking)
        ? {
            fr: `Le document attend l’imprimante\u00a0: ${joinAlerts(
              p.alerts.filter((a) => a.blocking),
              'fr',
            )}. Corrigez-le, puis touchez «\u202fReprendre l’impression\u202f»\u00a0: il s’imprimera.`,
            en: `The document is waiting for the printer: ${joinAlerts(
              p.alerts.filter((a) => a.blocking),
              'en',
            )}. Fix it, then touch "Resume printing": it will print.`,
          }
        : {
            fr: 'Le document n’est pas encore imprimé. Vérifiez l’imprimante\u202f; il s’imprimera dès qu’elle sera prête.',
            en: 'The document is not printed yet. Check the printer; it will print as soon as it is ready.',
          };
    default:
      return assertNever(p, 'printer problem');
  }
}
