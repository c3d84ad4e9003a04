import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile, statfs } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  powerSaveBlocker,
  protocol,
  safeStorage,
  session,
  utilityProcess,
  type UtilityProcess,
  type WebContents,
} from 'electron';
import { KIT_AUDIO_DIR } from '@scrutin/shared';
import type { StationMethod } from '../api/station_api.ts';
import { ClientFrameSchema, HostFrameSchema } from '../api/station_protocol.ts';
import { audioClipFile, isAudioPath, rendererFile, SECURITY_HEADERS } from '../host/renderer_files.ts';
import { PendingCalls } from './backend_calls.ts';
import { buildInfo, type BuildInfo } from './build_info.ts';
import { diagnosisCsp, diagnosisHtml, type Diagnosis, type FailingPart } from './diagnosis.ts';
import { backendEnvironment, checkCommandLine, guardKioskWindow, stationDataDir } from './hardening.ts';
import { lockDownContents, lockDownSession } from './lock_down.ts';
import { registerShellCalls } from './shell_calls.ts';
import { describeStationKekError, KEK_FILE, loadOrCreateStationKek, type KekMessage } from './station_kek.ts';
import { DEFAULT_RESTART_POLICY, RestartTracker, supervise, type Clock, type Supervisor } from './supervisor.ts';

/**
 * The Electron shell of the kiosk: one locked-down full-screen window showing the renderer
 * from the app's own files (app://kiosk/), the station backend in a utility process, and
 * between them only the StationApi calls the preload makes (checked here and there).
 *
 * This file wires Electron to small modules that hold the rules (and their tests):
 * hardening.ts (command line, keys, window, environment), lock_down.ts (session and pages), supervisor.ts (restart backoff and
 * the diagnosis screen), backend_calls.ts (call deadlines), build_info.ts, shell_calls.ts (the
 * kiosk's own calls: the build and its hash, the machine check, printing without a dialog).
 *
 * Lock-down: kiosk full screen, no menu, context isolation and sandbox, no Node in the page,
 * navigation / new windows / webviews / permissions / downloads all refused, a CSP with no
 * remote origin, one instance, no devtools in packaged builds, display awake, the window
 * cannot be closed or left (only a shutdown of the machine or app quits), no debugging switch.
 * The Electron fuses (installers/electron/after_pack.js) do the rest at packaging time.
 */
const SCHEME = 'app';
const ORIGIN = `${SCHEME}://kiosk`;
const KIOSK_URL = `${ORIGIN}/index.html`;
const DIAGNOSIS_URL = `${ORIGIN}/__diagnosis`;

const forbidden = checkCommandLine(process.argv, process.platform);
if (!forbidden.ok) {
  console.error(`Scrutin Station refuses to start with ${forbidden.error.switch}: debugging switches are not allowed on a kiosk.`);
  app.exit(78);
}

/** Electron's fs without its asar support, to read app.asar as the file it is (an Electron built-in of the CommonJS loader). */
const originalFs = createRequire(import.meta.url)('original-fs') as typeof import('original-fs');
const here = import.meta.dirname;
const rendererDir = join(here, '..', 'renderer');
const dataDir = stationDataDir({ packaged: app.isPackaged, env: process.env, userData: app.getPath('userData'), join });
/** The station's verified copy of the kit's audio folder, where the backend keeps it. */
const audioDir = join(dataDir, KIT_AUDIO_DIR);
const clock: Clock = {
  now: () => Date.now(),
  setTimeout(run, ms) {
    const timer = setTimeout(run, ms);
    return {
      cancel() {
        clearTimeout(timer);
      },
    };
  },
};

/** Set once a shutdown has begun (the operating system's, or app.quit() from the shell): windows may close. */
let quitting = false;
let build: BuildInfo | null = null;
let diagnosis: Diagnosis | null = null;

protocol.registerSchemesAsPrivileged([
  // `stream`: the audio ballot's clips play from this scheme in <audio> elements.
  { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false, stream: true } },
]);

if (forbidden.ok) {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
  } else {
    app.on('second-instance', () => {
      const [win] = BrowserWindow.getAllWindows();
      win?.focus();
    });
    void app.whenReady().then(start);
  }
}

/** The renderer's files and the audio clips, served as the browser host serves them (src/host/renderer_files.ts: paths, types, CSP). */
function serveRenderer(): void {
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host === 'kiosk' && url.pathname === '/__diagnosis' && diagnosis !== null)
      return new Response(diagnosisHtml(diagnosis), {
        headers: { 'content-type': 'text/html', 'content-security-policy': diagnosisCsp() },
      });
    const path = url.pathname;
    const file = url.host !== 'kiosk' ? undefined : isAudioPath(path) ? audioClipFile(audioDir, path) : rendererFile(rendererDir, path);
    if (file === undefined) return new Response('not found', { status: 404, headers: SECURITY_HEADERS });
    try {
      const body = await readFile(file.path);
      return new Response(body, { headers: { ...SECURITY_HEADERS, 'content-type': file.contentType } });
    } catch {
      return new Response('not found', { status: 404, headers: SECURITY_HEADERS });
    }
  });
}

function lockDown(): void {
  lockDownSession(session.defaultSession);
  // Navigation, redirects, webviews, new windows, and close / reload / full screen / devtools /
  // print dialogs / zoom from the keyboard: never (lock_down.ts).
  app.on('web-contents-created', (_event, contents: WebContents) => {
    lockDownContents(contents);
  });
}

/** The station backend in its utility process, supervised; calls to it have deadlines. */
class Backend {
  private child: UtilityProcess | undefined;
  private nextId = 1;
  private readonly pending = new PendingCalls(clock);
  readonly supervisor: Supervisor;

  constructor(
    private readonly onEvent: (event: unknown) => void,
    onDiagnosis: (failing: Diagnosis | null) => void,
  ) {
    this.supervisor = supervise({
      policy: DEFAULT_RESTART_POLICY,
      clock,
      spawn: (onExit) => this.spawn(onExit),
      onState: (state) => {
        switch (state.kind) {
          case 'diagnosis':
            onDiagnosis({ part: 'backend', failures: state.failures, nextAttemptInMs: state.delayMs, build });
            return;
          case 'running':
            onDiagnosis(null);
            return;
          case 'restarting':
          case 'stopped':
            return;
        }
      },
    });
  }

  private spawn(onExit: (reason: string) => void): { stop(): void } {
    // The station key is sealed under a KEK only the OS key store opens (station_kek.ts): no KEK, no backend.
    const kek = loadOrCreateStationKek(
      join(app.getPath('userData'), KEK_FILE),
      safeStorage,
      {
        read: (path) => {
          try {
            return readFileSync(path);
          } catch {
            return undefined;
          }
        },
        createExclusive: (path, bytes) => {
          writeFileSync(path, bytes, { flag: 'wx', mode: 0o600 });
        },
      },
      randomBytes,
    );
    if (!kek.ok) {
      const timer = clock.setTimeout(() => {
        onExit(describeStationKekError(kek.error));
      }, 0);
      return {
        stop: () => {
          timer.cancel();
        },
      };
    }
    const child = utilityProcess.fork(join(here, 'station_backend.js'), ['--data', dataDir], {
      serviceName: 'Scrutin station backend',
      stdio: 'inherit',
      env: backendEnvironment({ packaged: app.isPackaged, env: process.env }),
    });
    // First on the backend's private port, before any call: the KEK (never on its command line or environment).
    child.postMessage({ kind: 'station-kek', kek: kek.value.toString('base64') } satisfies KekMessage);
    child.on('message', (message: unknown) => {
      const frame = HostFrameSchema.safeParse(message);
      if (!frame.success) return;
      const f = frame.data;
      if (f.type === 'event') {
        this.onEvent(f.event);
        return;
      }
      if (f.id === null) return;
      if (f.type === 'reply') this.pending.resolve(f.id, f.reply);
      else this.pending.reject(f.id, f.message);
    });
    child.on('exit', (code) => {
      this.pending.failAll('the station backend stopped');
      if (this.child === child) this.child = undefined;
      onExit(`station backend exited (code ${code})`);
    });
    this.child = child;
    return {
      stop: () => {
        child.kill();
      },
    };
  }

  call(raw: unknown): Promise<unknown> {
    const id = this.nextId;
    this.nextId += 1;
    const frame = ClientFrameSchema.safeParse({ id, call: raw });
    if (!frame.success) return Promise.reject(new Error('refused call: it does not follow the protocol'));
    const child = this.child;
    if (child === undefined) return Promise.reject(new Error('the station backend is not running'));
    const answer = this.pending.add(id, frame.data.call.method satisfies StationMethod);
    child.postMessage(frame.data);
    return answer;
  }
}

function start(): void {
  Menu.setApplicationMenu(null);
  serveRenderer();
  lockDown();
  powerSaveBlocker.start('prevent-display-sleep');

  const win = new BrowserWindow({
    kiosk: true,
    fullscreen: true,
    minimizable: false,
    autoHideMenuBar: true,
    backgroundColor: '#eef2f6',
    show: false,
    webPreferences: {
      preload: join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      devTools: !app.isPackaged,
      spellcheck: false,
      navigateOnDragDrop: false,
      // The audio ballot may speak before the voter's first key press (a poll worker starts it).
      autoplayPolicy: 'no-user-gesture-required',
    },
  });
  guardKioskWindow(win, () => quitting);
  // Windows ends the session (shutdown, restart, sign-out): let the window go.
  win.on('session-end', () => {
    quitting = true;
  });

  /** What the window shows: the kiosk, or the diagnosis of a part that keeps failing. */
  const failing = new Map<FailingPart, Diagnosis>();
  const show = () => {
    if (win.isDestroyed()) return;
    const [first] = failing.values();
    diagnosis = first ?? null;
    void win.loadURL(diagnosis === null ? KIOSK_URL : DIAGNOSIS_URL);
  };

  const backend = new Backend(
    (event) => {
      if (!win.isDestroyed()) win.webContents.send('station:event', event);
    },
    (d) => {
      const was = failing.has('backend');
      if (d === null) failing.delete('backend');
      else failing.set('backend', d);
      if (d !== null || was) show();
    },
  );
  backend.supervisor.start();

  // Only the kiosk page itself may call the backend.
  ipcMain.handle('station:call', (event, raw: unknown) => {
    if (event.senderFrame?.url.startsWith(`${ORIGIN}/`) !== true) throw new Error('refused: not the kiosk page');
    return backend.call(raw);
  });
  registerShellCalls(
    { ipcMain, origin: ORIGIN, build: () => build, dataDir, statfs, now: () => new Date() },
    { version: app.getVersion(), electron: process.versions.electron },
  );

  // The renderer: reloaded after a crash or a hang, later and later, then the diagnosis screen.
  const display = new RestartTracker(DEFAULT_RESTART_POLICY, () => clock.now());
  let reload: { cancel(): void } | null = null;
  const displayFailed = (reason: string) => {
    if (quitting || reload !== null) return;
    const decision = display.failed(reason);
    if (decision.kind === 'diagnose') {
      failing.set('display', { part: 'display', failures: decision.failures, nextAttemptInMs: decision.delayMs, build });
      show();
    }
    reload = clock.setTimeout(() => {
      reload = null;
      failing.delete('display');
      show();
    }, decision.delayMs);
  };
  win.webContents.on('did-finish-load', () => {
    display.started();
  });
  win.webContents.on('render-process-gone', (_event, details) => {
    displayFailed(`display ${details.reason} (code ${details.exitCode})`);
  });
  win.on('unresponsive', () => {
    displayFailed('display unresponsive');
  });
  win.once('ready-to-show', () => {
    win.show();
  });
  void win.loadURL(KIOSK_URL);

  void buildInfo({
    version: app.getVersion(),
    electron: process.versions.electron,
    packaged: app.isPackaged,
    asarPath: join(process.resourcesPath, 'app.asar'),
    openRead: (path) => originalFs.createReadStream(path),
  }).then(
    (info) => {
      build = info;
      console.log(`Scrutin Station ${info.version} (Electron ${info.electron}) app.asar sha256 ${info.asarSha256 ?? 'n/a (not packaged)'}`);
    },
    (error: unknown) => {
      console.error('the build hash cannot be computed', error);
    },
  );

  app.on('before-quit', () => {
    quitting = true;
    backend.supervisor.stop();
  });
}

// The technician's shutdown: the machine's (systemd stops the kiosk session with SIGTERM) or a
// signal from the console. Nothing else quits the kiosk.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
  process.on(signal, () => {
    quitting = true;
    app.quit();
  });

// Only a shutdown closes the window (guardKioskWindow), and a shutdown quits.
app.on('window-all-closed', () => {
  app.quit();
});
