/**
 * The results fan-out under load (issue 12), on the real services of this machine: the API
 * (`scrutin serve`) and one validator (`scrutin worker`), with 2,000 results event streams
 * open and 200 requests a second on `GET …/results` while stations' batches flow at a steady
 * rate. It prints the SSE delay (from the commit that changed the results to the moment each
 * stream received the event that carries them, measured by the clients), the batch latency
 * (each POST; and from the first POST to the receipt, retries after `503 busy` included), the
 * `/results` latency, and how many times the server computed the results (once per version,
 * whatever the number of readers).
 * Target: SSE delay p99 ≤ 2 s, with the batch latency of an idle server.
 *
 * Sizes (environment): BENCH_SSE_CLIENTS (2000), BENCH_SSE_RPS (200), BENCH_SSE_STATIONS (100),
 * BENCH_SSE_BALLOTS (20000), BENCH_SSE_BATCH (25 envelopes), BENCH_SSE_BATCH_RATE (40 batches/s).
 * Runs on 2 cores: the clients only read the event's id, never parse its data.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { unwrap } from '@scrutin/shared';
import {
  issueEnrolmentToken,
  loadCredentials,
  makePlan,
  migrate,
  postgresDatabase,
  RedisDedupStore,
  saveElection,
  setElectionState,
  signAll,
  StationClient,
} from '@scrutin/server';
import { createTestDatabase, dropTestNamespace, freePorts, SERVICE_URLS, testNamespace } from '@scrutin/server/testing';
import { cpuSeconds, peakRssMb, print, startProcess } from './pipeline.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const FRAME_END = Buffer.from('\n\n', 'latin1');

export function percentiles(values: readonly number[]): { p50: number; p95: number; p99: number; max: number; n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN);
  return { p50: at(50), p95: at(95), p99: at(99), max: Math.round(sorted.at(-1) ?? Number.NaN), n: sorted.length };
}

/**
 * When the results of a version were committed: the version is `<batches>:<max processed_at>`
 * (results/tally_store.ts), Postgres's text of a timestamptz.
 */
function committedAtMs(version: string): number | null {
  const at = version.slice(version.indexOf(':') + 1);
  const ms = Date.parse(at.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  return Number.isNaN(ms) ? null : ms;
}

export interface StreamStats {
  connected: number;
  failed: number;
  events: number;
  readonly delaysMs: number[];
  readonly lastVersion: string[];
}

/** Opens `count` event streams, each on its own socket, recording when each event arrives. */
export async function openStreams(url: string, count: number, stats: StreamStats): Promise<() => void> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const closers: (() => void)[] = [];
  const open = (index: number) =>
    new Promise<void>((resolve) => {
      const req = request(url, { agent, headers: { accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          stats.failed += 1;
          res.resume();
          resolve();
          return;
        }
        stats.connected += 1;
        // Frames are found and their id read in bytes: the JSON data is never decoded, so
        // 2,000 streams cost this process little more than their sockets.
        let carry: Buffer | null = null;
        let first = true;
        res.on('data', (chunk: Buffer) => {
          const now = Date.now();
          const buffer: Buffer = carry === null ? chunk : Buffer.concat([carry, chunk]);
          let start = 0;
          for (let end = buffer.indexOf(FRAME_END, start); end >= 0; end = buffer.indexOf(FRAME_END, start)) {
            const head = buffer.subarray(start, Math.min(end, start + 256)).toString('latin1');
            start = end + 2;
            if (!head.startsWith('event: results')) continue;
            const idAt = head.indexOf('\nid: ');
            const version = head.slice(idAt + 5, head.indexOf('\n', idAt + 5));
            stats.events += 1;
            stats.lastVersion[index] = version;
            // The first event is the state found on connecting, not a change seen.
            if (first) {
              first = false;
              continue;
            }
            const committed = committedAtMs(version);
            if (committed !== null) stats.delaysMs.push(now - committed);
          }
          carry = start >= buffer.length ? null : buffer.subarray(start);
        });
        res.on('error', () => undefined);
        resolve();
      });
      req.on('error', () => {
        stats.failed += 1;
        resolve();
      });
      req.end();
      closers.push(() => req.destroy());
    });
  for (let i = 0; i < count; i += 100) await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => open(i + j)));
  return () => {
    for (const close of closers) close();
    agent.destroy();
  };
}

/** `rps` GETs a second on `url` until stopped; each body read in full. */
function loadResults(
  url: string,
  rps: number,
): { stop: () => Promise<{ latencyMs: ReturnType<typeof percentiles>; statuses: Record<string, number> }> } {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  const get = () => {
    const t0 = performance.now();
    const done = new Promise<void>((resolve) => {
      const req = request(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          latencies.push(performance.now() - t0);
          statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
          resolve();
        });
      });
      req.on('error', () => {
        statuses.error = (statuses.error ?? 0) + 1;
        resolve();
      });
      req.end();
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  // 20 ticks a second, each sending its share, so the rate holds even if a tick is late.
  const started = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * rps) - sent;
    for (let i = 0; i < due; i += 1) get();
    sent += Math.max(0, due);
  }, 50);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      agent.destroy();
      return { latencyMs: percentiles(latencies), statuses };
    },
  };
}

async function metric(url: string, name: string): Promise<number | null> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? null : Number(line.split(' ')[1]);
}

export async function benchSse(): Promise<void> {
  const clients = env('BENCH_SSE_CLIENTS', 2000);
  const rps = env('BENCH_SSE_RPS', 200);
  const stations = env('BENCH_SSE_STATIONS', 100);
  const ballots = env('BENCH_SSE_BALLOTS', 20_000);
  const batchSize = env('BENCH_SSE_BATCH', 25);
  const batchRate = env('BENCH_SSE_BATCH_RATE', 40);
  const testDb = await createTestDatabase();
  const namespace = testNamespace();
  const serverEnv = {
    DATABASE_URL: testDb.url,
    AMQP_URL: SERVICE_URLS.amqp,
    REDIS_URL: SERVICE_URLS.redis,
    SCRUTIN_NAMESPACE: namespace,
    LOG_LEVEL: 'warn',
    PG_POOL_SIZE: '8',
    METRICS_PORT: '0',
    // Every client of this benchmark comes from loopback.
    SSE_MAX_CONNECTIONS: String(clients + 100),
    SSE_MAX_PER_IP: String(clients + 100),
    SYNC_RATE_PER_IP: '1000000',
    SYNC_RATE_PER_STATION: '1000000',
  };
  const children: Awaited<ReturnType<typeof startProcess>>['child'][] = [];
  let closeStreams: () => void = () => undefined;
  try {
    const plan = makePlan({ stations, ballots, duplicateShare: 0, invalidShare: 0 });
    const db = postgresDatabase(testDb.url, 4);
    await migrate(db);
    unwrap(await saveElection(db, plan.election));
    await setElectionState(db, plan.election.id, 'open');
    const dedup = new RedisDedupStore(SERVICE_URLS.redis, namespace);
    await loadCredentials(db, dedup, plan.election.id, plan.credentials);
    const tokens = new Map<string, string>();
    for (const s of plan.election.stations) tokens.set(s.id, (await issueEnrolmentToken(db, plan.election.id, s.id)).token);
    await dedup.close();
    await db.close();

    // The API's public port, and its admin listener (METRICS_PORT=0: a free port it prints).
    const [port = 0] = await freePorts(1);
    const api = await startProcess(['serve', '--port', String(port)], serverEnv, /Metrics and probes on (http:\/\/\S+)/);
    children.push(api.child);
    const url = `http://127.0.0.1:${port}`;
    const metricsUrl = api.match?.[1];
    if (metricsUrl === undefined) throw new Error('the API did not print its admin listener');
    children.push((await startProcess(['worker'], serverEnv)).child);

    const stationClients = new Map<string, StationClient>();
    for (const s of plan.election.stations) {
      const client = new StationClient(url, plan.election.id, s.id);
      await client.enrol(tokens.get(s.id) ?? '');
      stationClients.set(s.id, client);
    }
    const signed = signAll(plan, stationClients, batchSize);
    // Round-robin over the stations, each one's batches in order.
    const queue: { readonly station: string; readonly batch: string }[] = [];
    for (let round = 0; ; round += 1) {
      let any = false;
      for (const [station, batches] of signed) {
        const batch = batches[round];
        if (batch === undefined) continue;
        queue.push({ station, batch });
        any = true;
      }
      if (!any) break;
    }

    const streams: StreamStats = { connected: 0, failed: 0, events: 0, delaysMs: [], lastVersion: [] };
    const eventsUrl = `${url}/api/v1/elections/${plan.election.id}/events`;
    const tOpen = performance.now();
    closeStreams = await openStreams(eventsUrl, clients, streams);
    const openSeconds = (performance.now() - tOpen) / 1000;
    const cpuBefore = { api: cpuSeconds(api.child.pid) ?? 0, worker: cpuSeconds(children[1]?.pid) ?? 0, bench: process.cpuUsage() };
    const computationsBefore = await metric(metricsUrl, 'scrutin_results_computations_total');

    const readers = loadResults(`${url}/api/v1/elections/${plan.election.id}/results`, rps);
    const batchLatencies: number[] = [];
    const syncLatencies: number[] = [];
    let refused = 0;
    let retried = 0;
    // As a station does: `429` and `503` are retried after their Retry-After (2 s for busy).
    const sync = async (client: StationClient, batch: string) => {
      const first = performance.now();
      for (let attempt = 1; attempt <= 10; attempt += 1) {
        const t0 = performance.now();
        const outcome = await client.send(batch).catch(() => ({ kind: 'refused' as const, status: 0 }));
        batchLatencies.push(performance.now() - t0);
        if (outcome.kind === 'accepted') {
          syncLatencies.push(performance.now() - first);
          return;
        }
        if (outcome.status !== 429 && outcome.status !== 503 && outcome.status !== 0) break;
        retried += 1;
        await sleep(2000);
      }
      refused += 1;
    };
    const tFlow = performance.now();
    const pending = new Set<Promise<void>>();
    const busy = new Set<string>();
    for (let i = 0; i < queue.length;) {
      const due = Math.floor(((performance.now() - tFlow) / 1000) * batchRate);
      while (i < due && i < queue.length) {
        const next = queue[i];
        if (next === undefined || busy.has(next.station)) break;
        i += 1;
        busy.add(next.station);
        const sent = sync(stationClients.get(next.station) as StationClient, next.batch).finally(() => {
          busy.delete(next.station);
          pending.delete(sent);
        });
        pending.add(sent);
      }
      await sleep(5);
    }
    await Promise.all(pending);
    const flowSeconds = (performance.now() - tFlow) / 1000;

    // Until every stream has the version that counts every batch, or 30 s.
    const finalBatches = queue.length - refused;
    const complete = () => streams.lastVersion.filter((v) => Number(v.split(':')[0]) >= finalBatches).length;
    for (let i = 0; i < 300 && complete() < streams.connected; i += 1) await sleep(100);
    const results = await readers.stop();
    const computations = await metric(metricsUrl, 'scrutin_results_computations_total');
    const resultsBytes = (await (await fetch(`${url}/api/v1/elections/${plan.election.id}/results`)).arrayBuffer()).byteLength;
    const cpu = {
      api: Math.round(((cpuSeconds(api.child.pid) ?? 0) - cpuBefore.api) * 10) / 10,
      worker: Math.round(((cpuSeconds(children[1]?.pid) ?? 0) - cpuBefore.worker) * 10) / 10,
      bench: Math.round((process.cpuUsage(cpuBefore.bench).user + process.cpuUsage(cpuBefore.bench).system) / 1e5) / 10,
    };
    print({
      bench: 'sse',
      sseClients: clients,
      sseConnected: streams.connected,
      sseRefused: streams.failed,
      sseOpenSeconds: Math.round(openSeconds * 10) / 10,
      sseEvents: streams.events,
      sseClientsWithFinalVersion: complete(),
      sseDelayMs: percentiles(streams.delaysMs),
      resultsRequestsPerSecond: rps,
      resultsLatencyMs: results.latencyMs,
      resultsStatuses: results.statuses,
      resultsBytes,
      batches: queue.length,
      refusedBatches: refused,
      retriedRequests: retried,
      batchSize,
      batchesPerSecond: Math.round((queue.length / flowSeconds) * 10) / 10,
      batchLatencyMs: percentiles(batchLatencies),
      batchSyncMs: percentiles(syncLatencies),
      resultsComputations: computations === null || computationsBefore === null ? null : computations - computationsBefore,
      cpuSeconds: { ...cpu, flowSeconds: Math.round(flowSeconds * 10) / 10 },
      peakRssMb: { api: peakRssMb(api.child.pid), bench: Math.round(process.memoryUsage().rss / 1048576) },
    });
  } finally {
    closeStreams();
    for (const child of children) child.kill('SIGTERM');
    await sleep(500);
    await dropTestNamespace(namespace);
    await testDb.drop();
  }
}
