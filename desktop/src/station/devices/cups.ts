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
 * - `ipptool`: Get-Job-Attributes, the one place where a finished job's outcome (completed,
 *   aborted, canceled) can be read (lpstat lists all three as "completed");
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

/** CUPS job states, plus `gone`: the scheduler no longer knows the job (no job history). */
export type JobState = 'pending' | 'held' | 'processing' | 'stopped' | 'canceled' | 'aborted' | 'completed' | 'gone';

const JOB_STATES: readonly JobState[] = ['pending', 'held', 'processing', 'stopped', 'canceled', 'aborted', 'completed'];

/** Get-Job-Attributes through ipptool (CSV output: a header line, then the values). */
export async function jobState(
  connection: CupsConnection,
  printer: string,
  jobNumber: number,
): Promise<Result<{ readonly state: JobState; readonly reasons: readonly string[] }, CommandFailure>> {
  const test = `{
  OPERATION Get-Job-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR integer job-id ${jobNumber}
  ATTR name requesting-user-name $user
  STATUS successful-ok
  DISPLAY job-state
  DISPLAY job-state-reasons
}
`;
  // ipptool reads its test file more than once: it must be a file, not a pipe.
  const folder = await mkdtemp(join(tmpdir(), 'scrutin-ipp-'));
  const file = join(folder, 'get-job.test');
  let ran: Result<CommandOutput, CommandFailure>;
  try {
    await writeFile(file, test, { mode: 0o600 });
    ran = await runCups(connection, 'ipptool', ['-c', schedulerUri(connection, `/printers/${encodeURIComponent(printer)}`), file]);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  if (!ran.ok) {
    if (ran.error.kind === 'failed' && /not-found|not found/i.test(ran.error.stderr)) return ok({ state: 'gone', reasons: [] });
    return ran;
  }
  if (/client-error-not-found/.test(ran.value.stdout)) return ok({ state: 'gone', reasons: [] });
  const lines = ran.value.stdout.trim().split('\n');
  const values = lines[1]?.split(',') ?? [];
  const state = JOB_STATES.find((s) => s === values[0]);
  if (state === undefined)
    return err({ kind: 'failed', command: 'ipptool', exitCode: 0, stderr: `unexpected answer: ${ran.value.stdout.trim()}` });
  return ok({ state, reasons: values.slice(1).join(',').replace(/^"|"$/g, '').split(',').filter(Boolean) });
}
