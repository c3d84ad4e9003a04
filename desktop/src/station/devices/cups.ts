import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { err, ok, type Result } from '@scrutin/shared';

/**
 * The CUPS command-line clients, run without a shell (arguments are never interpreted) and in
 * the C locale (their output is parsed), plus the parsers for what they print. Which CUPS
 * scheduler they talk to is `CupsConnection.server` (the `CUPS_SERVER` variable: a socket
 * path or host:port); left out, the system's.
 *
 * - `lpstat -p -d`: the queues and the default destination;
 * - `lpoptions -p NAME`: one queue's attributes as `name=value` pairs (state, reasons,
 *   accepting jobs);
 * - `lp -d NAME -o … -`: a job from standard input;
 * - `ipptool`: Get-Job-Attributes for a job still queued, and a printer subscription's
 *   job-completed notifications for how a job ended (completed, aborted, canceled): the
 *   station's CUPS keeps no job history, and lpstat lists all three as "completed" anyway;
 * - `cupsenable`: resumes a queue CUPS stopped (paper out, jam) once the cause is fixed.
 */
export interface CupsConnection {
  /** `CUPS_SERVER`: a domain socket path or host[:port]; undefined for the system's scheduler. */
  readonly server?: string;
  /** Per command; defaults to 15 s. */
  readonly timeoutMs?: number;
}

export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

export type CommandFailure =
  /** The program is not installed. */
  | { readonly kind: 'missing-command'; readonly command: string }
  | { readonly kind: 'failed'; readonly command: string; readonly exitCode: number | null; readonly stderr: string };

export function runCups(
  connection: CupsConnection,
  command: string,
  args: readonly string[],
  input?: string,
): Promise<Result<CommandOutput, CommandFailure>> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin:/usr/sbin:/sbin', LC_ALL: 'C', LANG: 'C' };
  if (connection.server !== undefined) env.CUPS_SERVER = connection.server;
  return new Promise((resolve) => {
    const child = execFile(
      command,
      [...args],
      { env, timeout: connection.timeoutMs ?? 15_000, encoding: 'utf8', maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve(ok({ stdout, stderr }));
          return;
        }
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          resolve(err({ kind: 'missing-command', command }));
          return;
        }
        const exitCode = typeof error.code === 'number' ? error.code : null;
        resolve(err({ kind: 'failed', command, exitCode, stderr: (stderr || error.message).trim() }));
      },
    );
    if (input !== undefined) child.stdin?.end(input, 'utf8');
    else child.stdin?.end();
  });
}

/** True when a client's error says the scheduler cannot be reached. */
export function isSchedulerDown(stderr: string): boolean {
  return /scheduler is not running|unable to connect to server|connection refused|no such file or directory|bad file descriptor/i.test(
    stderr,
  );
}

/** `lpstat -p -d` (C locale): the queue names, in the order listed, and the default one. */
export function parseLpstat(output: string): { readonly printers: readonly string[]; readonly defaultPrinter: string | null } {
  const printers: string[] = [];
  let defaultPrinter: string | null = null;
  for (const line of output.split('\n')) {
    const printer = /^printer (\S+) /.exec(line);
    if (printer?.[1] !== undefined) printers.push(printer[1]);
    const dflt = /^system default destination: (\S+)/.exec(line);
    if (dflt?.[1] !== undefined) defaultPrinter = dflt[1];
  }
  return { printers, defaultPrinter };
}

/**
 * `lpoptions -p NAME`: space-separated `name=value` pairs on one line; a value may be quoted
 * ('…' or "…") or carry backslash escapes; a name without `=` has an empty value.
 */
export function parseLpoptions(output: string): ReadonlyMap<string, string> {
  const options = new Map<string, string>();
  const text = output.trim();
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === '\n' || text[i] === '\t') i += 1;
    if (i >= text.length) break;
    let name = '';
    while (i < text.length && text[i] !== '=' && text[i] !== ' ' && text[i] !== '\n') name += text.charAt(i++);
    let value = '';
    if (text[i] === '=') {
      i += 1;
      let quote: string | null = null;
      while (i < text.length) {
        const c = text.charAt(i);
        if (quote === null && (c === ' ' || c === '\n' || c === '\t')) break;
        i += 1;
        if (c === '\\' && i < text.length) value += text.charAt(i++);
        else if (quote === null && (c === "'" || c === '"')) quote = c;
        else if (c === quote) quote = null;
        else value += c;
      }
    }
    options.set(name, value);
  }
  return options;
}

/** `lp`'s answer: "request id is NAME-12 (1 file(s))". */
export function parseJobId(output: string): string | null {
  return /request id is (\S+-[0-9]+)/.exec(output)?.[1] ?? null;
}

/** The ipp:// address of the scheduler, for ipptool (a socket path is percent-encoded as the host). */
export function schedulerUri(connection: CupsConnection, resource: string): string {
  const server = connection.server;
  const host = server === undefined ? 'localhost' : server.startsWith('/') ? encodeURIComponent(server) : server;
  return `ipp://${host}${resource}`;
}

/** CUPS job states, plus `gone`: the scheduler no longer knows the job (it keeps no job history). */
export type JobState = 'pending' | 'held' | 'processing' | 'stopped' | 'canceled' | 'aborted' | 'completed' | 'gone';

/** How a job ended. */
export type FinishedState = Extract<JobState, 'canceled' | 'aborted' | 'completed'>;

const JOB_STATES: readonly JobState[] = ['pending', 'held', 'processing', 'stopped', 'canceled', 'aborted', 'completed'];
const FINISHED: readonly FinishedState[] = ['canceled', 'aborted', 'completed'];

/** The operation attributes every request of ours carries. */
const OPERATION = `GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR name requesting-user-name $user`;

/** One ipptool test against a printer (CSV output: a header line, then the values). */
async function ipp(connection: CupsConnection, printer: string, test: string): Promise<Result<CommandOutput, CommandFailure>> {
  // ipptool reads its test file more than once: it must be a file, not a pipe.
  const folder = await mkdtemp(join(tmpdir(), 'scrutin-ipp-'));
  const file = join(folder, 'request.test');
  try {
    await writeFile(file, test, { mode: 0o600 });
    return await runCups(connection, 'ipptool', ['-c', schedulerUri(connection, `/printers/${encodeURIComponent(printer)}`), file]);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

const notFound = (ran: Result<CommandOutput, CommandFailure>) =>
  ran.ok
    ? /client-error-not-found/.test(ran.value.stdout)
    : ran.error.kind === 'failed' && /not-found|not found|does not exist/i.test(ran.error.stderr);

/** The value lines of ipptool's CSV answer, split on commas. */
const csvRows = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));

/** Get-Job-Attributes: a job the scheduler still holds (queued, printing, stopped, or finished while it keeps a history). */
export async function jobState(
  connection: CupsConnection,
  printer: string,
  jobNumber: number,
): Promise<Result<{ readonly state: JobState; readonly reasons: readonly string[] }, CommandFailure>> {
  const ran = await ipp(
    connection,
    printer,
    `{
  OPERATION Get-Job-Attributes
  ${OPERATION}
  ATTR integer job-id ${jobNumber}
  STATUS successful-ok
  DISPLAY job-state
  DISPLAY job-state-reasons
}
`,
  );
  if (notFound(ran)) return ok({ state: 'gone', reasons: [] });
  if (!ran.ok) return ran;
  const values = csvRows(ran.value.stdout)[0] ?? [];
  const state = JOB_STATES.find((s) => s === values[0]);
  if (state === undefined)
    return err({ kind: 'failed', command: 'ipptool', exitCode: 0, stderr: `unexpected answer: ${ran.value.stdout.trim()}` });
  return ok({ state, reasons: values.slice(1).join(',').replace(/^"|"$/g, '').split(',').filter(Boolean) });
}

/**
 * The station's CUPS keeps no job history (a voter slip's job must not outlive it), so a
 * finished job is forgotten at once: its outcome is read from a job-completed notification
 * instead. A printer subscription (RFC 3995, pull delivery) made before the job is queued or
 * resumed receives one event per job that finishes, with its final state; the events hold the
 * job number and state, never the document or its title. The subscription lives in the
 * scheduler's memory for `leaseSeconds` at most, and is cancelled once read.
 */
export async function subscribeJobsFinished(
  connection: CupsConnection,
  printer: string,
  leaseSeconds: number,
): Promise<Result<number, CommandFailure>> {
  const ran = await ipp(
    connection,
    printer,
    `{
  OPERATION Create-Printer-Subscriptions
  ${OPERATION}
  GROUP subscription-attributes-tag
  ATTR keyword notify-pull-method ippget
  ATTR keyword notify-events job-completed
  ATTR integer notify-lease-duration ${Math.max(60, Math.ceil(leaseSeconds))}
  STATUS successful-ok
  DISPLAY notify-subscription-id
}
`,
  );
  if (!ran.ok) return ran;
  const id = Number(csvRows(ran.value.stdout)[0]?.[0]);
  if (!Number.isInteger(id) || id <= 0)
    return err({ kind: 'failed', command: 'ipptool', exitCode: 0, stderr: `unexpected answer: ${ran.value.stdout.trim()}` });
  return ok(id);
}

/** Get-Notifications: the jobs finished since the subscription began, with their final state. */
export async function jobsFinished(
  connection: CupsConnection,
  printer: string,
  subscription: number,
): Promise<Result<ReadonlyMap<number, FinishedState>, CommandFailure>> {
  const ran = await ipp(
    connection,
    printer,
    `{
  OPERATION Get-Notifications
  ${OPERATION}
  ATTR integer notify-subscription-ids ${subscription}
  ATTR integer notify-sequence-numbers 1
  ATTR boolean notify-wait false
  STATUS successful-ok
  DISPLAY notify-job-id
  DISPLAY job-state
}
`,
  );
  if (!ran.ok) return ran;
  // One event per row; the first row of an answer without events is the subscription's own group.
  const finished = new Map<number, FinishedState>();
  for (const [job, state] of csvRows(ran.value.stdout)) {
    const outcome = FINISHED.find((s) => s === state);
    if (job !== undefined && /^[0-9]+$/.test(job) && outcome !== undefined) finished.set(Number(job), outcome);
  }
  return ok(finished);
}

/** Cancel-Subscription (best effort: an expired lease is gone anyway). */
export async function cancelSubscription(connection: CupsConnection, printer: string, subscription: number): Promise<void> {
  await ipp(
    connection,
    printer,
    `{
  OPERATION Cancel-Subscription
  ${OPERATION}
  ATTR integer notify-subscription-id ${subscription}
  STATUS successful-ok
}
`,
  );
}
