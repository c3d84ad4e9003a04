import {
  KioskBuildSchema,
  MachineCheckSchema,
  SHELL_PATHS,
  type KioskBuild,
  type KioskShell,
  type MachineCheck,
  type PrintOutcome,
} from '../../api/kiosk_shell.ts';

declare global {
  interface Window {
    /** Set by the Electron preload: the shell's own calls, already checked there. */
    readonly scrutinShell?: KioskShell;
  }
}

async function getJson(path: string): Promise<unknown> {
  const answer = await fetch(new URL(path.slice(1), window.location.href), { cache: 'no-store', signal: AbortSignal.timeout(15_000) });
  if (!answer.ok) throw new Error(`${path}: ${answer.status}`);
  return answer.json();
}

/** The browser host's side: its /shell/* answers, and the browser's own print (a browser is no kiosk: it shows its dialog). */
const browserShell: KioskShell = {
  build: async (): Promise<KioskBuild> => KioskBuildSchema.parse(await getJson(SHELL_PATHS.build)),
  checkMachine: async (): Promise<MachineCheck> => MachineCheckSchema.parse(await getJson(SHELL_PATHS.checkMachine)),
  print: (): Promise<PrintOutcome> => {
    window.print();
    return Promise.resolve({ ok: true });
  },
};

/** The kiosk's host: the Electron shell (through its preload) or the browser host (src/api/kiosk_shell.ts). */
export function kioskShell(): KioskShell {
  return window.scrutinShell ?? browserShell;
}
