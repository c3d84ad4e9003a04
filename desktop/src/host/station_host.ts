import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { describeDispatchError, dispatchCall } from '../api/dispatch.ts';
import { ClientFrameSchema, StationEventSchema, type HostFrame } from '../api/station_protocol.ts';
import type { StationApi } from '../station/station_api.ts';

/**
 * The browser host: serves the built kiosk renderer and the StationApi over a WebSocket
 * (`/api`), on the loopback interface only. Requests whose Host or Origin is not this host
 * (another site in the same browser, DNS rebinding) are refused. Used in development, by
 * `npm start` and by the Playwright tests; the Electron shell is the production host.
 */
export interface StationHostOptions {
  readonly station: StationApi;
  /** The built renderer (desktop/dist/renderer). */
  readonly rendererDir: string;
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

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** No remote origin: scripts, styles, fonts and the API come from this host only. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()');
  res.setHeader('Cache-Control', 'no-store');
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
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const relative = pathname === '/' ? 'index.html' : normalize(pathname).replace(/^[/\\]+/, '');
    const file = join(rendererDir, relative);
    if (!file.startsWith(rendererDir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };

  const server: Server = createServer(serveFile);
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const send = (socket: WebSocket, frame: HostFrame) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  };

  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path !== API_PATH || !isLocalHost(req) || !localOrigins().has(req.headers.origin ?? '')) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
  });

  sockets.on('connection', (ws: WebSocket) => {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      void (async () => {
        if (isBinary) {
          send(ws, { type: 'fault', id: null, message: 'binary frames are not part of the protocol' });
          return;
        }
        let json: unknown;
        try {
          json = JSON.parse(
            Buffer.isBuffer(data)
              ? data.toString('utf8')
              : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'),
          );
        } catch {
          send(ws, { type: 'fault', id: null, message: 'a frame is not JSON' });
          return;
        }
        const frame = ClientFrameSchema.safeParse(json);
        if (!frame.success) {
          send(ws, {
            type: 'fault',
            id: null,
            message: `a frame does not follow the protocol: ${frame.error.issues.map((i) => i.message).join('; ')}`,
          });
          return;
        }
        const { id, call } = frame.data;
        try {
          const outcome = await dispatchCall(station, call);
          if (outcome.ok) send(ws, { type: 'reply', id, reply: outcome.value });
          else {
            if (outcome.error.kind === 'bad-reply') console.error(describeDispatchError(outcome.error));
            send(ws, { type: 'fault', id, message: describeDispatchError(outcome.error) });
          }
        } catch (error) {
          // A bug in the backend: the UI learns that the call failed, the log says why.
          console.error(`station ${call.method} failed`, error);
          send(ws, { type: 'fault', id, message: `the station backend failed on ${call.method}` });
        }
      })();
    });
  });

  const unsubscribe = station.subscribe((event) => {
    const checked = StationEventSchema.safeParse(event);
    if (!checked.success) {
      console.error('a station event does not follow the protocol; not relayed', checked.error.message);
      return;
    }
    for (const ws of sockets.clients) send(ws, { type: 'event', event: checked.data });
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
            unsubscribe();
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
