import { err, ok, type Result } from '@scrutin/shared';

/**
 * The kiosk's lock-down rules, as pure functions over what Electron hands the shell (its
 * command line, a key press, the window's events). main.ts wires them to the real
 * objects; hardening.test.ts checks them without Electron.
 */

/** Chromium and Node switches that would open the kiosk to a debugger or foreign code. */
const FORBIDDEN_PREFIXES: readonly string[] = ['remote-debugging-', 'inspect', 'js-flags', 'remote-allow-origins'];

export interface ForbiddenSwitch {
  readonly kind: 'forbidden-switch';
  readonly switch: string;
}

/**
 * The name of a command-line switch as Chromium reads it (`--name=value`, `-name`, and on
 * Windows `/name`; case-insensitive there), or null for a plain argument.
 */
function switchName(arg: string, windows: boolean): string | null {
  const m = /^(?:--|-)([^=]+)/.exec(arg) ?? (windows ? /^\/([^=]+)/.exec(arg) : null);
  if (m === null) return null;
  return (m[1] ?? '').toLowerCase();
}

/**
 * Refuses a start with a debugging switch (`--remote-debugging-port`, `--inspect-brk`, …),
 * whatever its spelling; the fuses make Electron ignore `--inspect` in a packaged build, this
 * also covers Chromium's remote debugging. Arguments after a bare `--` are not switches.
 */
export function checkCommandLine(argv: readonly string[], platform: NodeJS.Platform): Result<void, ForbiddenSwitch> {
  for (const arg of argv.slice(1)) {
    if (arg === '--') break;
    const name = switchName(arg, platform === 'win32');
    if (name === null) continue;
    if (FORBIDDEN_PREFIXES.some((prefix) => name.startsWith(prefix))) return err({ kind: 'forbidden-switch', switch: arg });
  }
  return ok(undefined);
}

/** What Electron's `before-input-event` tells about a key press (Electron.Input). */
export interface KeyInput {
  readonly type: string;
  readonly key: string;
  readonly code: string;
  readonly control: boolean;
  readonly alt: boolean;
  readonly meta: boolean;
  readonly shift: boolean;
}

/** Editing shortcuts the technician's text fields need (kit path, token, export path). */
const EDITING_KEYS = new Set([
  'a',
  'c',
  'v',
  'x',
  'z',
  'y',
  'arrowleft',
  'arrowright',
  'arrowup',
  'arrowdown',
  'home',
  'end',
  'backspace',
  'delete',
]);

/**
 * Whether a key press must not reach the page: closing or reloading the window, leaving full
 * screen, devtools, printing dialogs, zoom, history navigation, new windows. Plain typing,
 * Tab, Enter, Escape, the arrows and text-editing shortcuts pass, and so does AltGr (which
 * Windows reports as Ctrl+Alt) with a printable character.
 */
export function isBlockedKey(input: KeyInput): boolean {
  const key = input.key.toLowerCase();
  // Function keys: F4 (with Alt), F5 (reload), F11 (full screen), F12 (devtools), and the rest.
  if (/^f\d{1,2}$/.test(key)) return true;
  if (key === 'browserback' || key === 'browserforward' || key === 'browserrefresh' || key === 'browserhome') return true;
  if (input.control && input.alt && input.key.length === 1 && !input.meta) return false;
  if (input.alt && (key === 'arrowleft' || key === 'arrowright' || key === 'home')) return true;
  if (input.control || input.meta) {
    if (input.meta && !input.control) return true;
    return !EDITING_KEYS.has(key);
  }
  return false;
}

/** The part of a BrowserWindow the guard needs (structural, so tests can drive it). */
export interface GuardedWindow {
  on(event: 'close', listener: (event: { preventDefault(): void }) => void): unknown;
  on(event: 'leave-full-screen' | 'minimize' | 'hide', listener: () => void): unknown;
  setKiosk(flag: boolean): void;
  restore(): void;
  show(): void;
  isDestroyed(): boolean;
}

/**
 * Keeps the kiosk window in front, full screen and open: a close request (Alt+F4, the window
 * manager) is refused unless the shell is shutting down on purpose (`allowClose()` returns
 * true once the technician's shutdown or the operating system's has begun); leaving full
 * screen, minimizing and hiding are undone.
 */
export function guardKioskWindow(win: GuardedWindow, allowClose: () => boolean): void {
  win.on('close', (event) => {
    if (!allowClose()) event.preventDefault();
  });
  win.on('leave-full-screen', () => {
    if (!win.isDestroyed() && !allowClose()) win.setKiosk(true);
  });
  win.on('minimize', () => {
    if (!win.isDestroyed() && !allowClose()) win.restore();
  });
  win.on('hide', () => {
    if (!win.isDestroyed() && !allowClose()) win.show();
  });
}

/**
 * Where the station keeps its data. A packaged kiosk uses its own folder and nothing else:
 * no environment variable may point the station at another database. Development builds
 * (not packaged) honour SCRUTIN_STATION_DATA.
 */
export function stationDataDir(options: {
  readonly packaged: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly userData: string;
  readonly join: (...parts: string[]) => string;
}): string {
  const fromEnv = options.env.SCRUTIN_STATION_DATA;
  if (!options.packaged && fromEnv !== undefined && fromEnv !== '') return fromEnv;
  return options.join(options.userData, 'station');
}

/** The only variables a packaged kiosk passes on to the station backend's process. */
const BACKEND_ENV_ALLOWED: readonly string[] = [
  'PATH',
  'HOME',
  'USERPROFILE',
  'APPDATA',
  'LOCALAPPDATA',
  'TEMP',
  'TMP',
  'TMPDIR',
  'SYSTEMROOT',
  'WINDIR',
  'LANG',
  'TZ',
  'XDG_RUNTIME_DIR',
];

/**
 * The station backend's environment: in a packaged kiosk, the operating system's basics only
 * (no NODE_OPTIONS, no proxy or TLS overrides, no SCRUTIN_* switches); in development, all of it.
 */
export function backendEnvironment(options: { readonly packaged: boolean; readonly env: NodeJS.ProcessEnv }): Record<string, string> {
  const entries = Object.entries(options.env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined && (!options.packaged || BACKEND_ENV_ALLOWED.includes(entry[0]) || entry[0].startsWith('LC_')),
  );
  return Object.fromEntries(entries);
}
