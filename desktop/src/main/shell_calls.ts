import type { StatsFs } from 'node:fs';
import { KIOSK_PRINTER, SHELL_CHANNELS, type KioskBuild, type MachineCheck, type PrintOutcome } from '../api/kiosk_shell.ts';
import type { BuildInfo } from './build_info.ts';

/**
 * The Electron shell's answers to the kiosk's `KioskShell` calls (src/api/kiosk_shell.ts): the
 * build, the machine check, and the silent print. Electron's objects are injected (main.ts
 * passes ipcMain, the calling WebContents and fs.statfs), so the rules are unit-tested without
 * Electron (shell_calls.test.ts).
 *
 * Only the kiosk page may call (as for the StationApi). Printing never opens a dialog: the
 * page is printed with `silent: true` on the kiosk's CUPS queue (KIOSK_PRINTER, set up by
 * `scrutin-kiosk-printer`, installers/linux/kiosk), and Chromium's answer is the outcome.
 */

/** What of a WebContents the shell uses (Electron's WebContents has them). */
export interface PrintingContents {
  print(
    options: { silent: boolean; printBackground: boolean; deviceName: string },
    callback: (success: boolean, failureReason: string) => void,
  ): void;
  getPrintersAsync(): Promise<readonly { readonly name: string }[]>;
}

/** What of an IpcMainInvokeEvent the shell uses. */
export interface ShellCallEvent {
  readonly sender: PrintingContents;
  readonly senderFrame: { readonly url: string } | null;
}

export interface ShellCallsDeps {
  readonly ipcMain: { handle(channel: string, listener: (event: ShellCallEvent) => Promise<unknown>): void };
  /** The kiosk page's origin (`app://kiosk`): calls from any other frame are refused. */
  readonly origin: string;
  /** The build, once hashed (null until then). */
  readonly build: () => BuildInfo | null;
  /** The station's data folder, whose disk the check measures. */
  readonly dataDir: string;
  readonly statfs: (path: string) => Promise<Pick<StatsFs, 'bavail' | 'blocks' | 'bsize'>>;
  readonly now: () => Date;
  /** How long a machine check and a print may take before the call gives up (SHELL_DEADLINES by default). */
  readonly deadlines?: { readonly checkMachine: number; readonly print: number };
}

/** A machine check asks CUPS and the disk; a print waits for Chromium to hand the job to CUPS. */
export const SHELL_DEADLINES = { checkMachine: 15_000, print: 120_000 } as const;

/** `work`'s answer, or `late()`'s once `ms` have passed without one (the late answer is then dropped). */
function withDeadline<T>(work: Promise<T>, ms: number, late: () => T | Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const answer = late();
      if (answer instanceof Error) reject(answer);
      else resolve(answer);
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

export function kioskBuild(info: BuildInfo | null, fallback: { readonly version: string; readonly electron: string }): KioskBuild {
  return {
    version: info?.version ?? fallback.version,
    host: 'electron',
    runtime: info?.electron ?? fallback.electron,
    sha256: info?.asarSha256 ?? null,
    hashOf: 'app.asar',
  };
}

export async function machineCheck(
  contents: PrintingContents,
  deps: Pick<ShellCallsDeps, 'dataDir' | 'statfs' | 'now'>,
): Promise<MachineCheck> {
  const [fs, printers] = await Promise.all([deps.statfs(deps.dataDir), contents.getPrintersAsync()]);
  return {
    disk: { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize },
    printers: printers.slice(0, 64).map((p) => p.name),
    time: deps.now().toISOString(),
  };
}

/** Prints the calling page on the kiosk's queue without a dialog; resolves with Chromium's outcome. */
export function silentPrint(contents: PrintingContents): Promise<PrintOutcome> {
  return new Promise((resolve) => {
    contents.print({ silent: true, printBackground: false, deviceName: KIOSK_PRINTER }, (success, failureReason) => {
      resolve(success ? { ok: true } : { ok: false, reason: failureReason.slice(0, 512) || 'unknown' });
    });
  });
}

export function registerShellCalls(deps: ShellCallsDeps, fallback: { readonly version: string; readonly electron: string }): void {
  const fromKiosk = (event: ShellCallEvent) => {
    if (event.senderFrame?.url.startsWith(`${deps.origin}/`) !== true) throw new Error('refused: not the kiosk page');
  };
  deps.ipcMain.handle(SHELL_CHANNELS.build, (event) =>
    Promise.resolve(event).then((e) => {
      fromKiosk(e);
      return kioskBuild(deps.build(), fallback);
    }),
  );
  const deadlines = deps.deadlines ?? SHELL_DEADLINES;
  deps.ipcMain.handle(SHELL_CHANNELS.checkMachine, async (event) => {
    fromKiosk(event);
    return withDeadline(
      machineCheck(event.sender, deps),
      deadlines.checkMachine,
      () => new Error(`the machine check did not answer within ${deadlines.checkMachine / 1000} s`),
    );
  });
  deps.ipcMain.handle(SHELL_CHANNELS.print, async (event) => {
    fromKiosk(event);
    return withDeadline(silentPrint(event.sender), deadlines.print, (): PrintOutcome => ({
      ok: false,
      reason: `the printing system did not answer within ${deadlines.print / 1000} s`,
    }));
  });
}
