import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ok, unwrap } from '@scrutin/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { fakeStation, GOOD_CARD, type FakeStation } from '../api/fake_station.test-support.ts';
import { stationApiOver } from '../api/station_client.ts';
import { webSocketTransport, type WebSocketTransport } from '../api/ws_transport.ts';
import type { StationApi, StationEvent } from '../api/station_api.ts';
import { KioskBuildSchema, MachineCheckSchema } from '../api/kiosk_shell.ts';
import { folderDigest, stationAppVersion } from './host_shell.ts';
import { CONTENT_SECURITY_POLICY } from './renderer_files.ts';
import { startStationHost, type StationHost } from './station_host.ts';

/** The browser host: loopback only, same-origin only, and the StationApi over WebSocket, checked both ways. */
let station: FakeStation;
let host: StationHost;
let rendererDir: string;
let audioDir: string;
const CLIP = '0f'.repeat(32);

function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function client(origin = `http://127.0.0.1:${host.port}`): { api: StationApi; transport: WebSocketTransport } {
  const transport = webSocketTransport(
    (handlers) => {
      const socket = new WebSocket(`ws://127.0.0.1:${host.port}/api`, { origin });
      socket.on('open', handlers.onOpen);
      socket.on('message', (data: Buffer) => {
        handlers.onMessage(data.toString('utf8'));
      });
      socket.on('close', handlers.onClose);
      socket.on('error', () => undefined);
      return socket;
    },
    { reconnectMs: 60_000 },
  );
  return { api: stationApiOver(transport), transport };
}

function rawSocket(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${host.port}/api`, { origin: `http://127.0.0.1:${host.port}` });
    socket.once('open', () => {
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

const nextFrame = (socket: WebSocket) =>
  new Promise<unknown>((resolve) => {
    socket.once('message', (data: Buffer) => {
      resolve(JSON.parse(data.toString('utf8')));
    });
  });

beforeAll(async () => {
  rendererDir = mkdtempSync(join(tmpdir(), 'scrutin-renderer-'));
  mkdirSync(join(rendererDir, 'assets'));
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>kiosk</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  audioDir = mkdtempSync(join(tmpdir(), 'scrutin-audio-'));
  writeFileSync(join(audioDir, `${CLIP}.wav`), 'RIFF clip');
  writeFileSync(join(audioDir, 'audio.json'), '{}');
  station = fakeStation();
  host = await startStationHost({ station, rendererDir, audioDir, port: 0 });
});

afterAll(async () => {
  await host.close();
  rmSync(rendererDir, { recursive: true, force: true });
  rmSync(audioDir, { recursive: true, force: true });
});

describe('files', () => {
  it('serves the renderer with a CSP that allows no remote origin', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('kiosk');
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*|unsafe/);
    expect((await get('/assets/app.js')).headers['content-type']).toMatch(/javascript/);
  });

  it('serves nothing outside the renderer folder', async () => {
    expect((await get('/../../etc/passwd')).status).toBe(404);
    expect((await get('/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect((await get('/nothing.js')).status).toBe(404);
  });

  it('(issue 12) answers a path that does not decode with 400, and keeps serving', async () => {
    expect((await get('/%E0%A4%A')).status).toBe(400);
    expect((await get('/')).status).toBe(200);
  });

  it('serves the audio ballot’s clips at /audio/<id>.wav and nothing else of the audio folder', async () => {
    const clip = await get(`/audio/${CLIP}.wav`);
    expect(clip).toMatchObject({ status: 200, body: 'RIFF clip' });
    expect(clip.headers['content-type']).toBe('audio/wav');
    expect(clip.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect((await get('/audio/audio.json')).status).toBe(404);
    expect((await get(`/audio/%2e%2e/${CLIP}.wav`)).status).toBe(404);
    // The clips' space never falls back to the renderer's files.
    expect((await get('/audio/index.html')).status).toBe(404);
  });

  it('answers only to its own host name (no DNS rebinding)', async () => {
    expect((await get('/', { host: 'evil.example:80' })).status).toBe(421);
  });
});

describe('the kiosk’s shell calls', () => {
  it('answers the build: the app’s version and the hash of the renderer files it serves', async () => {
    const answer = await get('/shell/build');
    expect(answer.status).toBe(200);
    const build = KioskBuildSchema.parse(JSON.parse(answer.body));
    expect(build).toMatchObject({ host: 'browser', hashOf: 'renderer', version: await stationAppVersion() });
    expect(build.sha256).toBe(await folderDigest(rendererDir));
    // The hash follows the files: one byte changed, another hash.
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(2)');
    const changed = KioskBuildSchema.parse(JSON.parse((await get('/shell/build')).body));
    expect(changed.sha256).not.toBe(build.sha256);
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  });

  it('answers the machine check: the data folder’s disk, the printers and the clock', async () => {
    const answer = await get('/shell/machine');
    expect(answer.status).toBe(200);
    const check = MachineCheckSchema.parse(JSON.parse(answer.body));
    expect(check.disk.totalBytes).toBeGreaterThan(0);
    expect(check.disk.freeBytes).toBeLessThanOrEqual(check.disk.totalBytes);
    expect(Math.abs(Date.parse(check.time) - Date.now())).toBeLessThan(60_000);
  });

  it('answers only to its own host name', async () => {
    expect((await get('/shell/build', { host: 'evil.example:80' })).status).toBe(421);
  });
});

describe('the StationApi over WebSocket', () => {
  it('refuses a socket opened by another site', async () => {
    const refused = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`ws://127.0.0.1:${host.port}/api`, { origin: 'https://evil.example' });
      socket.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
      });
      socket.on('error', () => undefined);
    });
    expect(refused).toBe(403);
  });

  it('runs calls and relays events, parsed on both sides', async () => {
    const { api, transport } = client();
    const events: StationEvent[] = [];
    api.subscribe((event) => events.push(event));
    const status = unwrap(await api.status({}));
    expect(status.kit?.station).toBe('ST-00001');
    expect(status.kit?.parties.map((p) => p.code)).toContain('PQ');
    const wrong = await api.checkIn({ nas: '000000000', code: 'X' });
    expect(wrong.ok ? undefined : wrong.error.kind).toBe('unknown-credential');
    expect(wrong.ok ? '' : wrong.error.message.fr).toContain('Cette carte');
    const ticket = unwrap(await api.checkIn(GOOD_CARD)).ticket;
    expect(unwrap(await api.cast({ ticket, ballot: { any: 'json' } })).receipt).toBe('W50BT-YEX2J');
    expect(station.ballots).toEqual([{ any: 'json' }]);
    station.emit({ kind: 'ballot-cast', ballotsCast: 1, pendingSync: 1 });
    await expect.poll(() => events).toEqual([{ kind: 'ballot-cast', ballotsCast: 1, pendingSync: 1 }]);
    transport.close();
  });

  it('refuses frames and arguments outside the protocol without calling the station', async () => {
    const socket = await rawSocket();
    const answer = nextFrame(socket);
    socket.send('not json');
    expect(await answer).toMatchObject({ type: 'fault', id: null });
    const unknown = nextFrame(socket);
    socket.send(JSON.stringify({ id: 7, call: { method: 'dropTables', args: {} } }));
    expect(await unknown).toMatchObject({ type: 'fault', id: null });
    const badArgs = nextFrame(socket);
    socket.send(JSON.stringify({ id: 8, call: { method: 'cast', args: { ticket: 'x', ballot: {}, extra: true } } }));
    expect(await badArgs).toMatchObject({ type: 'fault', id: 8 });
    expect(JSON.stringify(await badArgs)).toContain('refused call');
    expect(station.ballots).toHaveLength(1);
    socket.close();
  });

  it('does not let an answer outside the protocol reach the screen', async () => {
    const leaky: FakeStation = { ...station, checkConnection: () => Promise.resolve(ok({ reachable: 'yes' } as never)) };
    const leakyHost = await startStationHost({ station: leaky, rendererDir, port: 0 });
    const transport = webSocketTransport((handlers) => {
      const socket = new WebSocket(`ws://127.0.0.1:${leakyHost.port}/api`, { origin: `http://127.0.0.1:${leakyHost.port}` });
      socket.on('open', handlers.onOpen);
      socket.on('message', (data: Buffer) => {
        handlers.onMessage(data.toString('utf8'));
      });
      socket.on('close', handlers.onClose);
      return socket;
    });
    await expect(stationApiOver(transport).checkConnection({})).rejects.toThrow(/does not follow the protocol/);
    transport.close();
    await leakyHost.close();
  });
});
