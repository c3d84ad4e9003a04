import { createReadStream, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { fault, stationFrameLoop } from '../api/frame_loop.ts';
import type { StationApi } from '../api/station_api.ts';
import { SHELL_PATHS } from '../api/kiosk_shell.ts';
import type { HostFrame } from '../api/station_protocol.ts';
import { browserHostBuild, browserMachineCheck } from './host_shell.ts';
import { audioClipFile, isAudioPath, rendererFile, SECURITY_HEADERS } from './renderer_files.ts';

/**
 * The browser host: serves the built kiosk renderer, the audio ballot's clips (`/audio/`), the
 * kiosk's shell calls (`/shell/build`, `/shell/machine`: host_shell.ts) and
 * the StationApi over a WebSocket (`/api`), on the loopback interface only. Requests whose Host or Origin is not this host
 * (another site in the same browser, DNS rebinding) are refused. Used in development, by
 * `npm start` and by the Playwright tests; the Electron shell is the production host.
 *
 * No request brings it down (issue 12; station_host.fuzz.test.ts): a target that is not a
 * path, or a path that does not decode, is 400; a file that vanishes while it is read ends
 * that answer only; a socket or a WebSocket that errs (a reset, a malformed frame) is closed.
 * Client errors are 4xx, never 5xx.
 */
export interface StationHostOptions {
  readonly station: StationApi;
  /** The built renderer (desktop/dist/renderer). */
  readonly rendererDir: string;
  /** The station's verified copy of the kit's audio folder (`<dataDir>/audio`, KIT_AUDIO_DIR), served at /audio/; none: no clips. */
  readonly audioDir?: string;
  /** The station's data folder, whose disk the machine check measures (by default the audio folder's parent, else the renderer's). */
  readonly dataDir?: string;
  /** 0 for any free port. */
  readonly port: number;
}

export interface StationHost {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export const API_PATH = '/api';
const MAX_FRAME_BYTES = 1024 * 1024;

function securityHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/**
 * The path of a request target, or undefined when the target is not an origin-form path or
 * does not percent-decode (a client error: 400).
 */
export function requestPath(target: string | undefined): string | undefined {
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return undefined;
  let path: string;
  try {
    path = new URL(target, 'http://127.0.0.1').pathname;
    decodeURIComponent(path);
  } catch {
    return undefined;
  }
  return path;
}

export function startStationHost(options: StationHostOptions): Promise<StationHost> {
  const { station, rendererDir } = options;
  const index = join(rendererDir, 'index.html');
  if (!existsSync(index)) {
    return Promise.reject(new Error(`the kiosk renderer is not built (${index} is missing): run \`npm run build -w desktop\``));
  }
  let port = options.port;
  const localHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const localOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const isLocalHost = (req: IncomingMessage) => localHosts().has(req.headers.host ?? '');

  const serveFile = (req: IncomingMessage, res: ServerResponse) => {
    securityHeaders(res);
    if (!isLocalHost(req)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('this host serves 127.0.0.1 only');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = requestPath(req.url);
    if (path === undefined) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request: the path is not a valid URL path');
      return;
    }
    if (path === SHELL_PATHS.build || path === SHELL_PATHS.checkMachine) {
      serveShell(path, req, res);
      return;
    }
    const file = isAudioPath(path) ? audioClipFile(options.audioDir, path) : rendererFile(rendererDir, path);
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-type': file.contentType }).end();
      return;
    }
    const stream = createReadStream(file.path);
    stream.once('open', () => {
      res.writeHead(200, { 'content-type': file.contentType });
      stream.pipe(res);
    });
    // Gone between the check and the read: a 404 if nothing was sent yet, else the answer is cut.
    stream.once('error', () => {
      if (res.headersSent) res.destroy();
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
    res.once('close', () => {
      stream.destroy();
    });
  };

  const diskOf = options.dataDir ?? (options.audioDir === undefined ? rendererDir : dirname(options.audioDir));
  const serveShell = (path: string, req: IncomingMessage, res: ServerResponse) => {
    const answer = path === SHELL_PATHS.build ? browserHostBuild(rendererDir) : browserMachineCheck(diskOf);
    answer.then(
      (value) => {
        if (req.method === 'HEAD') res.writeHead(200, { 'content-type': 'application/json' }).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      },
      (error: unknown) => {
        console.error('station host: a shell call failed', error);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      },
    );
  };

  const server: Server = createServer((req, res) => {
    try {
      serveFile(req, res);
    } catch (error) {
      // A bug, never a client error: logged, answered 500, and the host keeps serving.
      console.error('station host: a request failed', error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      else res.destroy();
    }
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const send = (socket: WebSocket, frame: HostFrame) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  };

  server.on('upgrade', (req, socket, head) => {
    // A reset or a broken pipe on this socket closes it; it never reaches the process.
    socket.on('error', () => {
      socket.destroy();
    });
    const path = requestPath(req.url);
    if (path === undefined) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    if (path !== API_PATH || !isLocalHost(req) || !localOrigins().has(req.headers.origin ?? '')) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
  });
  sockets.on('error', () => undefined);

  const loop = stationFrameLoop(station, (frame) => {
    for (const ws of sockets.clients) send(ws, frame);
  });

  sockets.on('connection', (ws: WebSocket) => {
    // A malformed frame (bad opcode, reserved bits, invalid UTF-8, too large) errs the socket: it is closed, nothing else.
    ws.on('error', () => {
      ws.terminate();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        send(ws, fault(null, 'binary frames are not part of the protocol'));
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(
          Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'),
        );
      } catch {
        send(ws, fault(null, 'a frame is not JSON'));
        return;
      }
      void loop.receive(json, (frame) => {
        send(ws, frame);
      });
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        port,
        close: () =>
          new Promise<void>((done) => {
            loop.close();
            for (const ws of sockets.clients) ws.terminate();
            sockets.close();
            server.closeAllConnections();
            server.close(() => {
              done();
            });
          }),
      });
    });
  });
}
