import { request as httpRequest, type ClientRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StationId } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StationClient } from '../simulate/station_client.ts';
import { openSampleElection, openWithStation, startTestCentral, type TestCentral } from '../testing/central.ts';
import { envelopeFor, votersOf } from '../testing/fixtures.ts';

/**
 * Issue 12, "SSE": every event stream recomputed the live results, so 400 streams made one
 * ballot cost 400 computations and `/healthz` took 8 s. Now a version is computed once and the
 * same event goes to every stream; streams are capped overall and per address; `/results`
 * answers 304 to a matching If-None-Match.
 */
const election = openSampleElection();
const voters = votersOf(election, 10);
const STATION = 'ST-00001' as StationId;
const STREAMS = 20;
const PER_ADDRESS = 3;
const MAX = STREAMS + PER_ADDRESS + 2;
let t: TestCentral;
let station: StationClient;
let sent = 0;

interface Stream {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly events: { readonly id: string; readonly data: { version: string; turnout: { ballots: number } } }[];
  readonly body: string;
  close(): void;
}

/** Opens an event stream from `from` (the address the trusted proxy reports). */
function openStream(from: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined = undefined;
    req = httpRequest(
      new URL(`${t.central.url}/api/v1/elections/${election.id}/events`),
      { headers: { 'x-forwarded-for': from, accept: 'text/event-stream' } },
      (res) => {
        const stream: { -readonly [K in keyof Stream]: Stream[K] } = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          events: [],
          body: '',
          close: () => {
            req?.destroy();
          },
        };
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          stream.body += chunk;
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const id = /^id: (.*)$/m.exec(frame)?.[1];
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (id !== undefined && data !== undefined)
              stream.events.push({ id, data: JSON.parse(data) as Stream['events'][number]['data'] });
          }
        });
        res.on('error', () => undefined);
        if (stream.status !== 200) {
          res.on('end', () => {
            resolve(stream);
          });
        } else resolve(stream);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (await condition()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const computations = async () => (await t.central.ctx.metrics.resultsComputations.get()).values[0]?.value ?? 0;
const resultsUrl = () => `${t.central.url}/api/v1/elections/${election.id}/results`;

/** Two ballots in one batch (the sample election's anonymity set is k = 2). */
async function castTwo(): Promise<void> {
  const two = voters.filter((v) => v.station === STATION).slice(sent, sent + 2);
  sent += 2;
  expect((await station.send(station.nextBatch(two.map((v) => envelopeFor(election, v))))).kind).toBe('accepted');
}

beforeAll(async () => {
  t = await startTestCentral({
    withValidator: true,
    env: { TRUST_PROXY: 'loopback', SSE_MAX_CONNECTIONS: String(MAX), SSE_MAX_PER_IP: String(PER_ADDRESS) },
  });
  station = await openWithStation(t, election, voters, STATION);
});

afterAll(async () => {
  await t.stop();
});

describe('results fan-out', () => {
  it('computes a new version once for all streams and readers, and sends every stream the same event', async () => {
    const streams = await Promise.all(Array.from({ length: STREAMS }, (_, i) => openStream(`203.0.113.${i + 1}`)));
    await until(() => streams.every((s) => s.events.length === 1), 'the first event of every stream');
    const before = await computations();

    await castTwo();
    await until(() => streams.every((s) => s.events.length === 2), 'the new version on every stream');
    for (let i = 0; i < 10; i += 1) expect((await fetch(resultsUrl())).status).toBe(200);

    expect(await computations()).toBe(before + 1);
    const second = streams.map((s) => s.events[1]);
    expect(new Set(second.map((e) => JSON.stringify(e))).size).toBe(1);
    expect(second[0]?.data.turnout.ballots).toBe(2);
    expect(second[0]?.id).not.toBe(streams[0]?.events[0]?.id);
    for (const s of streams) s.close();
    await until(() => t.central.ctx.metrics.sseConnections.get().then((m) => m.values[0]?.value === 0), 'the streams to close');
  });

  it('caps streams per address (429) and overall (503), with Retry-After, and frees a place when one closes', async () => {
    const open: Stream[] = [];
    for (let i = 0; i < PER_ADDRESS; i += 1) open.push(await openStream('198.51.100.1'));
    expect(open.every((s) => s.status === 200)).toBe(true);
    const fourth = await openStream('198.51.100.1');
    expect(fourth.status).toBe(429);
    expect(fourth.headers['retry-after']).toBe('5');
    expect((JSON.parse(fourth.body) as { error: { code: string } }).error.code).toBe('rate-limited');

    for (let i = open.length; i < MAX; i += 1) open.push(await openStream(`198.51.100.${i + 10}`));
    expect(open.every((s) => s.status === 200)).toBe(true);
    const over = await openStream('192.0.2.1');
    expect(over.status).toBe(503);
    expect(over.headers['retry-after']).toBe('5');
    expect((JSON.parse(over.body) as { error: { code: string } }).error.code).toBe('busy');

    open.pop()?.close();
    await until(() => t.central.ctx.metrics.sseConnections.get().then((m) => m.values[0]?.value === MAX - 1), 'a place to free');
    const admitted = await openStream('192.0.2.1');
    expect(admitted.status).toBe(200);
    for (const s of [...open, admitted]) s.close();
  });

  it('answers 304 to If-None-Match with the current ETag, and 200 once the results change', async () => {
    const first = await fetch(resultsUrl());
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const body = (await first.json()) as { election: string; version: string };
    expect(body.election).toBe(election.id);

    const before = await computations();
    for (const header of [etag!, `W/${etag!}`, `"other", ${etag!}`, '*']) {
      const again = await fetch(resultsUrl(), { headers: { 'if-none-match': header } });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(etag);
      expect(await again.text()).toBe('');
    }
    expect((await fetch(resultsUrl(), { headers: { 'if-none-match': '"not-it"' } })).status).toBe(200);
    expect(await computations()).toBe(before);

    await castTwo();
    await until(async () => (await fetch(resultsUrl(), { headers: { 'if-none-match': etag! } })).status === 200, 'a new ETag');
    const changed = await fetch(resultsUrl());
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(((await changed.json()) as { version: string }).version).not.toBe(body.version);
  });
});
