import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  powerSaveBlocker,
  protocol,
  session,
  utilityProcess,
  type UtilityProcess,
  type WebContents,
} from 'electron';
import { KIT_AUDIO_DIR } from '@scrutin/shared';
import { ClientFrameSchema, HostFrameSchema } from '../api/station_protocol.ts';
import { audioClipFile, isAudioPath, rendererFile, SECURITY_HEADERS } from '../host/renderer_files.ts';

/**
 * The Electron shell of the kiosk: one locked-down full-screen window showing the renderer
 * from the app's own files (app://kiosk/), the station backend in a utility process, and
 * between them only the StationApi calls the preload makes (checked here and there).
 *
 * Lock-down: kiosk full screen, no menu, context isolation and sandbox, no Node in the page,
 * navigation / new windows / webviews / permissions all refused, a CSP with no remote origin,
 * one instance, reload after a renderer crash, no devtools in packaged builds, display awake.
 */
const SCHEME = 'app';
const ORIGIN = `${SCHEME}://kiosk`;

const here = import.meta.dirname;
const rendererDir = join(here, '..', 'renderer');
const dataDir = process.env.SCRUTIN_STATION_DATA ?? join(app.getPath('userData'), 'station');
/** The station's verified copy of the kit's audio folder, where the backend keeps it. */
const audioDir = join(dataDir, KIT_AUDIO_DIR);

protocol.registerSchemesAsPrivileged([
  // `stream`: the audio ballot's clips play from this scheme in <audio> elements.
  { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false, stream: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows();
    win?.focus();
  });
  void app.whenReady().then(start);
}

/** The renderer's files and the audio clips, served as the browser host serves them (src/host/renderer_files.ts: paths, types, CSP). */
function serveRenderer(): void {
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
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
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => {
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  ses.on('will-download', (event) => {
    event.preventDefault();
  });
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event) => {
      event.preventDefault();
    });
    contents.on('will-redirect', (event) => {
      event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => {
      event.preventDefault();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

/** The backend in its utility process; restarted if it dies (pending calls fail, the UI says so). */
class Backend {
  private child: UtilityProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: unknown) => void; reject: (error: Error) => void }>();

  constructor(private readonly onEvent: (event: unknown) => void) {}

  start(): void {
    const child = utilityProcess.fork(join(here, 'station_backend.js'), ['--data', dataDir], {
      serviceName: 'Scrutin station backend',
      stdio: 'inherit',
    });
    child.on('message', (message: unknown) => {
      const frame = HostFrameSchema.safeParse(message);
      if (!frame.success) return;
      const f = frame.data;
      if (f.type === 'event') {
        this.onEvent(f.event);
        return;
      }
      if (f.id === null) return;
      const call = this.pending.get(f.id);
      this.pending.delete(f.id);
      if (f.type === 'reply') call?.resolve(f.reply);
      else call?.reject(new Error(f.message));
    });
    child.on('exit', () => {
      for (const call of this.pending.values()) call.reject(new Error('the station backend stopped'));
      this.pending.clear();
      this.child = undefined;
      if (!quitting)
        setTimeout(() => {
          this.start();
        }, 1000);
    });
    this.child = child;
  }

  call(raw: unknown): Promise<unknown> {
    const id = this.nextId;
    this.nextId += 1;
    const frame = ClientFrameSchema.safeParse({ id, call: raw });
    if (!frame.success) return Promise.reject(new Error('refused call: it does not follow the protocol'));
    const child = this.child;
    if (child === undefined) return Promise.reject(new Error('the station backend is not running'));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      child.postMessage(frame.data);
    });
  }

  stop(): void {
    this.child?.kill();
  }
}

let quitting = false;

function start(): void {
  Menu.setApplicationMenu(null);
  serveRenderer();
  lockDown();
  powerSaveBlocker.start('prevent-display-sleep');

  const win = new BrowserWindow({
    kiosk: true,
    fullscreen: true,
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
  const backend = new Backend((event) => {
    if (!win.isDestroyed()) win.webContents.send('station:event', event);
  });
  backend.start();

  // Only the kiosk page itself may call the backend.
  ipcMain.handle('station:call', (event, raw: unknown) => {
    if (event.senderFrame?.url.startsWith(`${ORIGIN}/`) !== true) throw new Error('refused: not the kiosk page');
    return backend.call(raw);
  });

  win.webContents.on('render-process-gone', () => {
    win.reload();
  });
  win.on('unresponsive', () => {
    win.reload();
  });
  win.once('ready-to-show', () => {
    win.show();
  });
  void win.loadURL(`${ORIGIN}/index.html`);

  app.on('before-quit', () => {
    quitting = true;
    backend.stop();
  });
}

app.on('window-all-closed', () => {
  app.quit();
});
