import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { fakeStation } from '../api/fake_station.test-support.ts';
import { STATION_METHOD_NAMES } from '../api/station_api.ts';
import { startStationHost, type StationHost } from './station_host.ts';

/**
 * Issue 12, "one request brings the station down": any web page could crash the browser host
 * (and all of `npm start`) with `<img src="http://127.0.0.1:5180/%E0%A4%A">`. This fuzzes every
 * surface of the host, HTTP and WebSocket, with random request lines, methods, paths, headers,
 * bodies, upgrade requests, protocol frames and raw malformed WebSocket frames, and checks after
 * each that the host never answered a 5xx and still serves the kiosk and the API. A crash of the
 * host (an uncaught exception in this process) fails the run.
 */
let host: StationHost;
let rendererDir: string;
const RUNS = Number(process.env.SCRUTIN_FUZZ_RUNS ?? 150);

beforeAll(async () => {
  rendererDir = mkdtempSync(join(tmpdir(), 'scrutin-renderer-'));
  mkdirSync(join(rendererDir, 'assets'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>kiosk</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  const audioDir = mkdtempSync(join(tmpdir(), 'scrutin-audio-'));
  writeFileSync(join(audioDir, `${'0f'.repeat(32)}.wav`), 'RIFF clip');
  host = await startStationHost({ station: fakeStation(), rendererDir, audioDir, port: 0 });
});

afterAll(async () => {
  await host.close();
  rmSync(rendererDir, { recursive: true, force: true });
});

const hostHeader = () => `127.0.0.1:${host.port}`;
const origin = () => `http://127.0.0.1:${host.port}`;

/** Sends raw bytes on a fresh connection; the status of the first answer, or null if the host closed without one. */
function rawExchange(bytes: Buffer, afterMs = 300): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = connect(host.port, '127.0.0.1');
    let data = '';
    const done = () => {
      socket.destroy();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1];
      resolve(status === undefined ? null : Number(status));
    };
    const timer = setTimeout(done, afterMs);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (/\r\n\r\n/.test(data)) {
        clearTimeout(timer);
        done();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      done();
    });
    socket.write(bytes);
  });
}

/** The host still serves the kiosk and still answers an API call. */
async function stillServing(): Promise<void> {
  expect(await rawExchange(Buffer.from(`GET / HTTP/1.1\r\nHost: ${hostHeader()}\r\nConnection: close\r\n\r\n`))).toBe(200);
  const socket = new WebSocket(`ws://127.0.0.1:${host.port}/api`, { origin: origin() });
  const reply = await new Promise<unknown>((resolve, reject) => {
    socket.once('open', () => {
      socket.send(JSON.stringify({ id: 1, call: { method: 'status', args: {} } }));
    });
    socket.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as { type: string };
      if (frame.type === 'reply') resolve(frame);
    });
    socket.once('error', reject);
  });
  expect(reply).toMatchObject({ type: 'reply', id: 1, reply: { ok: true } });
  socket.close();
}

// --- Generators --------------------------------------------------------------------------------

const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/);
const method = fc.oneof(fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT'), token);
const percent = fc.oneof(
  fc.constantFrom('%', '%E0%A4%A', '%E0%A4', '%zz', '%2e%2e', '%2f', '%00', '%C0%AF', '%FF', '%u002e', '%%', '%25'),
  fc.tuple(fc.constantFrom('0', '7', '8', 'C', 'E', 'F', 'g'), fc.constantFrom('0', 'F', 'z', '')).map(([a, b]) => `%${a}${b}`),
);
const segment = fc.oneof(
  fc.constantFrom('', '.', '..', 'api', 'audio', 'assets', 'app.js', 'index.html', `${'0f'.repeat(32)}.wav`, 'audio.json', '~', ';'),
  fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@-]{0,12}$/),
  percent,
  fc.array(percent, { maxLength: 4 }).map((p) => p.join('')),
);
const path = fc.oneof(
  fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join('/')}`),
  fc.tuple(fc.array(segment, { maxLength: 4 }), fc.string({ maxLength: 20 })).map(([s, q]) => `/${s.join('/')}?${encodeURI(q)}`),
  fc.constantFrom('*', '//', '//[', '//evil.example/x', 'http://127.0.0.1/', 'http://[', 'x', '/\\..\\..\\etc\\passwd', '/%E0%A4%A'),
  fc.stringMatching(/^[\x21-\x7e]{1,40}$/),
);
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
const hostValue = fc.oneof(
  fc.constant('GOOD'),
  fc.constantFrom('', 'localhost', 'evil.example', '127.0.0.1', '[::1]', '127.0.0.1:0'),
  headerValue,
);
const header = fc.oneof(
  fc.tuple(token, headerValue),
  fc.tuple(
    fc.constantFrom(
      'origin',
      'content-length',
      'transfer-encoding',
      'connection',
      'upgrade',
      'sec-websocket-key',
      'sec-websocket-version',
      'range',
      'expect',
    ),
    fc.oneof(
      headerValue,
      fc.constantFrom('chunked', '-1', '99999999999', 'upgrade', 'websocket', '13', '100-continue', 'bytes=0-', 'null'),
    ),
  ),
);
const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 ', 'HTTX/1.1', '');
const body = fc.oneof(fc.constant(''), fc.string({ maxLength: 64 }), fc.constant('0\r\n\r\n'), fc.constant('zz\r\nnot chunked\r\n'));

const httpRequest = fc.record({ method, path, version, host: hostValue, headers: fc.array(header, { maxLength: 6 }), body }).map((r) => {
  const hostLine = r.host === 'GOOD' ? `Host: ${hostHeader()}\r\n` : r.host === '' ? '' : `Host: ${r.host}\r\n`;
  const lines = r.headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return Buffer.from(`${r.method} ${r.path} ${r.version}\r\n${hostLine}${lines}Connection: close\r\n\r\n${r.body}`, 'latin1');
});

/** A WebSocket frame as the protocol's text frames: JSON, near-JSON calls, or anything. */
const methodName = fc.oneof(
  fc.constantFrom(...STATION_METHOD_NAMES),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'subscribe'),
);
const textFrame = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .record({
      id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.double()),
      call: fc.oneof(fc.record({ method: methodName, args: fc.jsonValue({ maxDepth: 3 }) }), fc.jsonValue({ maxDepth: 2 })),
    })
    .map((v) => JSON.stringify(v)),
  fc.constantFrom('{"id":1,"call":{"method":"status","args":{"__proto__":{"polluted":true}}}}', '{', '[]', 'null', '"\\ud800"', '1e999'),
);

/** A raw WebSocket frame (as a client sends one, masked or not), often malformed. */
const rawFrame = fc
  .record({
    fin: fc.boolean(),
    rsv: fc.integer({ min: 0, max: 7 }),
    opcode: fc.integer({ min: 0, max: 15 }),
    masked: fc.boolean(),
    lengthForm: fc.constantFrom('short', '16', '64', 'lie'),
    payload: fc.uint8Array({ maxLength: 200 }),
  })
  .map((f) => {
    const head = [(f.fin ? 0x80 : 0) | (f.rsv << 4) | f.opcode];
    const len = f.payload.length;
    const maskBit = f.masked ? 0x80 : 0;
    const extended: number[] = [];
    if (f.lengthForm === 'short' && len < 126) head.push(maskBit | len);
    else if (f.lengthForm === '16' || (f.lengthForm === 'short' && len >= 126)) {
      head.push(maskBit | 126);
      extended.push((len >> 8) & 0xff, len & 0xff);
    } else if (f.lengthForm === '64') {
      head.push(maskBit | 127);
      extended.push(0, 0, 0, 0, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff);
    } else {
      // Announces far more than it sends (or more than the host accepts).
      head.push(maskBit | 127);
      extended.push(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    }
    const mask = f.masked ? [...randomBytes(4)] : [];
    const payload = f.masked ? f.payload.map((b, i) => b ^ mask[i % 4]!) : f.payload;
    return Buffer.concat([Buffer.from([...head, ...extended, ...mask]), Buffer.from(payload)]);
  });

/** A socket past the WebSocket handshake of `/api`, for raw frames. */
function upgradedSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(host.port, '127.0.0.1');
    let data = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n\r\n')) {
        socket.removeAllListeners('data');
        if (data.startsWith('HTTP/1.1 101')) resolve(socket);
        else reject(new Error(`no upgrade: ${data.split('\r\n')[0]}`));
      }
    });
    socket.write(
      `GET /api HTTP/1.1\r\nHost: ${hostHeader()}\r\nOrigin: ${origin()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// --- Properties --------------------------------------------------------------------------------

describe('the browser host under fuzzing (issue 12)', () => {
  it('(the attack) GET /%E0%A4%A is a 400, and the host keeps serving', async () => {
    expect(await rawExchange(Buffer.from(`GET /%E0%A4%A HTTP/1.1\r\nHost: ${hostHeader()}\r\nConnection: close\r\n\r\n`))).toBe(400);
    expect(await rawExchange(Buffer.from(`GET //[ HTTP/1.1\r\nHost: ${hostHeader()}\r\nConnection: close\r\n\r\n`))).toBe(400);
    await stillServing();
  });

  it('answers any HTTP request (random request line, method, path, headers, body) with no 5xx, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(httpRequest, async (request) => {
        const status = await rawExchange(request);
        expect(status === null || (status >= 100 && status < 500), `${status} for ${request.toString('latin1').split('\r\n')[0]}`).toBe(
          true,
        );
      }),
      { numRuns: RUNS },
    );
    await stillServing();
  });

  it('answers random bytes instead of a request with no 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
        const status = await rawExchange(Buffer.from(bytes), 150);
        expect(status === null || status < 500).toBe(true);
      }),
      { numRuns: RUNS },
    );
    await stillServing();
  });

  it('refuses any upgrade request that is not the kiosk’s, with no 5xx', async () => {
    const upgrade = fc
      .record({
        path,
        host: hostValue,
        origin: fc.oneof(fc.constant('GOOD'), headerValue),
        key: fc.oneof(fc.constant('GOOD'), headerValue),
        v: fc.constantFrom('13', '8', '', 'x'),
      })
      .map((u) =>
        Buffer.from(
          `GET ${u.path} HTTP/1.1\r\nHost: ${u.host === 'GOOD' ? hostHeader() : u.host}\r\nOrigin: ${u.origin === 'GOOD' ? origin() : u.origin}\r\n` +
            `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${u.key === 'GOOD' ? randomBytes(16).toString('base64') : u.key}\r\n` +
            `Sec-WebSocket-Version: ${u.v}\r\n\r\n`,
          'latin1',
        ),
      );
    await fc.assert(
      fc.asyncProperty(upgrade, async (request) => {
        const status = await rawExchange(request);
        expect(status === null || status < 500).toBe(true);
      }),
      { numRuns: RUNS },
    );
    await stillServing();
  });

  it('answers any text or binary frame on the API socket without closing it or calling outside the protocol', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${host.port}/api`, { origin: origin() });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          textFrame.map((t) => ({ t })),
          fc.uint8Array({ maxLength: 100 }).map((b) => ({ b })),
        ),
        async (frame) => {
          const answered = new Promise<unknown>((resolve) => {
            socket.once('message', (data: Buffer) => {
              resolve(JSON.parse(data.toString('utf8')));
            });
          });
          if ('t' in frame) socket.send(frame.t);
          else socket.send(Buffer.from(frame.b), { binary: true });
          // Every frame gets a reply or a fault; a reply's Result is a Result.
          const reply = (await answered) as { type: string };
          expect(['reply', 'fault', 'event']).toContain(reply.type);
          expect(socket.readyState).toBe(WebSocket.OPEN);
        },
      ),
      { numRuns: RUNS },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    socket.close();
    await stillServing();
  });

  it('closes a socket that sends malformed raw frames, and nothing else happens', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rawFrame, { minLength: 1, maxLength: 4 }), async (frames) => {
        const socket = await upgradedSocket();
        for (const frame of frames) socket.write(frame);
        await wait(20);
        socket.destroy();
      }),
      { numRuns: RUNS },
    );
    await stillServing();
  });
});
