import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { openSampleElection } from '@scrutin/shared';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../metrics.ts';
import type { ResultsSnapshot } from '../results/live_results.ts';
import { errorMiddleware } from './errors.ts';
import { ResultsStreams } from './results_stream.ts';

/**
 * The streams' own guards, with results that change at every tick: a client that stops
 * reading is dropped once its backlog passes `maxBufferedBytes` (it would otherwise hold
 * every later event in the server's memory); a client that reads gets every version.
 */
const election = openSampleElection();
let version = 0;
const big = Buffer.alloc(256 * 1024, 'x');
const live = {
  snapshot: async (): Promise<ResultsSnapshot> => {
    version += 1;
    return Promise.resolve({
      election: election.id,
      version: String(version),
      changedAtMs: Date.now(),
      results: {} as ResultsSnapshot['results'],
      body: Buffer.alloc(0),
      etag: '"x"',
      event: Buffer.concat([Buffer.from(`event: results\nid: ${version}\ndata: "`), big, Buffer.from('"\n\n')]),
    });
  },
};
const closers: (() => void)[] = [];

afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function serve(metrics = createMetrics(false)) {
  const streams = new ResultsStreams({ live, metrics, maxConnections: 10, maxPerAddress: 10, tickMs: 20, maxBufferedBytes: 1024 * 1024 });
  const app = express();
  app.get('/events', (req, res, next) => {
    void streams.open(election, req, res, next);
  });
  app.use(errorMiddleware(() => undefined));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, streams };
}

function client(port: number): { socket: Socket; received: () => number } {
  const socket = connect(port, '127.0.0.1');
  let bytes = 0;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  socket.write('GET /events HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n');
  closers.push(() => socket.destroy());
  return { socket, received: () => bytes };
}

describe('results streams', () => {
  it('drop a client that stops reading, and keep one that reads', async () => {
    const { port, streams } = await serve();
    const stalled = client(port);
    const reading = client(port);
    for (let i = 0; i < 100 && streams.connections < 2; i += 1) await sleep(10);
    expect(streams.connections).toBe(2);
    stalled.socket.pause();
    // The server lets it go (a paused socket does not see its own end until it reads again).
    for (let i = 0; i < 500 && streams.connections > 1; i += 1) await sleep(10);
    expect(streams.connections).toBe(1);
    const before = reading.received();
    await sleep(200);
    expect(reading.received()).toBeGreaterThan(before + big.length);
    expect(reading.socket.destroyed).toBe(false);
  });
});
