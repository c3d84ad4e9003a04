/**
 * A national election night (issue 15), on the real services of this machine: Postgres,
 * Redis, RabbitMQ, the API (`scrutin serve`) and two validators (`scrutin worker`).
 * 8,000,000 registered voters in 125 ridings and 20,000 stations (every riding a ranked race,
 * so that `scrutin tabulate` can recount each one), 2 % duplicate and 1 % invalid envelopes:
 *
 * 1. the day: every on-time station sends all its batches but the last, at an even pace
 *    over BENCH_NATIONAL_DAY_SECONDS (the day compressed; a real day's ~100 ballots/s is
 *    not the question);
 * 2. the close of polls: every on-time station sends its remainder, each starting at a
 *    random moment within BENCH_NATIONAL_SURGE_SECONDS (10 minutes) of the close;
 * 3. 5 % of the stations come in late: nothing by network, all their batches exported to a
 *    sealed USB file and imported with `scrutin import-batches`, two processes of half the files each.
 *
 * It prints the time from the close to complete network results and to complete results,
 * the peak queue depth, batch latency (POST) and pipeline latency (receipt to commit) p99,
 * the SSE delay of BENCH_NATIONAL_SSE_CLIENTS result streams, Postgres's size, and CPU per
 * ballot per process. It then exports every riding's RCTab config and CVRs (as an official
 * does), runs `scrutin tabulate` on each, and checks the national seats and popular vote of
 * the results API against them.
 *
 * Sizes (environment): BENCH_NATIONAL_VOTERS (8,000,000 registered; 1/1.1 of them vote),
 * BENCH_NATIONAL_STATIONS (20,000), BENCH_NATIONAL_RIDINGS (125), BENCH_NATIONAL_BATCH (100),
 * BENCH_NATIONAL_DAY_SECONDS (120), BENCH_NATIONAL_SURGE_SECONDS (600),
 * BENCH_NATIONAL_LATE_SHARE (0.05), BENCH_NATIONAL_SSE_CLIENTS (200); BENCH_NATIONAL_RECOUNT=0 skips the
 * recount (for runs that study the night's costs, not its count). 1 % of the country:
 * `BENCH_NATIONAL_VOTERS=80000 BENCH_NATIONAL_STATIONS=200 npm run bench -- national`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { unwrap, type Credential, type CredentialHash, type ElectionDefinition } from '@scrutin/shared';
import { credentialHash } from '@scrutin/shared/node';
import { UsernameSchema } from '@scrutin/shared/api';
import { generateExportKeyPair, sealBatchExport, signBatchExport, SignedBatchSchema } from '@scrutin/shared/protocol';
import {
  createOfficial,
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
import { printMachineOnce } from './machine.ts';
import { serviceCpuSeconds } from './floor.ts';
import { PostgresCpuSampler, postgresBreakdown, postgresCounters } from './postgres_cpu.ts';
import { BIN, cpuSeconds, machineCpuSeconds, peakRssMb, print, startProcess } from './pipeline.ts';
import { openStreams, percentiles, type StreamStats } from './sse.ts';

const run = promisify(execFile);
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const round1 = (n: number) => Math.round(n * 10) / 10;

/** `scrutin_queue_depth{queue="batches"}` and the pipeline histogram, from one process's /metrics. */
async function scrape(metricsUrl: string): Promise<string> {
  return (await fetch(`${metricsUrl}/metrics`)).text();
}

function gauge(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.split(' ')[1]);
}

/** The cumulative buckets of a histogram, summed over several processes' /metrics. */
function buckets(texts: readonly string[], name: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const text of texts)
    for (const line of text.split('\n')) {
      const m = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`).exec(line);
      if (m === null) continue;
      const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
      out.set(le, (out.get(le) ?? 0) + Number(m[2]));
    }
  return out;
}

/** The upper bound of the bucket that holds quantile q (what Prometheus's histogram_quantile bounds). */
function bucketQuantile(cumulative: Map<number, number>, q: number): number | null {
  const sorted = [...cumulative.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  return sorted.find(([, count]) => count >= q * total)?.[0] ?? null;
}

type Sent = { readonly station: string; readonly batch: string };

export async function benchNational(): Promise<void> {
  const voters = env('BENCH_NATIONAL_VOTERS', 8_000_000);
  const stations = env('BENCH_NATIONAL_STATIONS', 20_000);
  const ridings = Math.min(env('BENCH_NATIONAL_RIDINGS', 125), stations);
  const batchSize = env('BENCH_NATIONAL_BATCH', 100);
  const daySeconds = env('BENCH_NATIONAL_DAY_SECONDS', 120);
  const surgeSeconds = env('BENCH_NATIONAL_SURGE_SECONDS', 600);
  const lateShare = env('BENCH_NATIONAL_LATE_SHARE', 0.05);
  const sseClients = env('BENCH_NATIONAL_SSE_CLIENTS', 200);
  const recount = env('BENCH_NATIONAL_RECOUNT', 1) !== 0;
  const ballots = Math.floor(voters / 1.1);

  await printMachineOnce();
  const testDb = await createTestDatabase();
  const namespace = testNamespace();
  const dir = mkdtempSync(join(tmpdir(), 'scrutin-bench-national-'));
  const exportKey = generateExportKeyPair();
  const serverEnv = {
    DATABASE_URL: testDb.url,
    AMQP_URL: SERVICE_URLS.amqp,
    REDIS_URL: SERVICE_URLS.redis,
    SCRUTIN_NAMESPACE: namespace,
    CENTRAL_EXPORT_KEY: exportKey.privateKeyPem,
    LOG_LEVEL: 'warn',
    PG_POOL_SIZE: '8',
    WORKER_PREFETCH: '8',
    METRICS_PORT: '0',
    SSE_MAX_CONNECTIONS: String(sseClients + 100),
    SSE_MAX_PER_IP: String(sseClients + 100),
    // Thousands of stations simulated from one address: the per-address limit out of the way.
    SYNC_RATE_PER_IP: '1000000',
    SYNC_RATE_PER_STATION: '1000000',
    SYNC_MAX_CONCURRENCY: '256',
  };
  const children: Awaited<ReturnType<typeof startProcess>>['child'][] = [];
  let closeStreams: () => void = () => undefined;
  try {
    const tPlan = performance.now();
    let plan: ReturnType<typeof makePlan> | null = makePlan({
      stations,
      ballots,
      ridings,
      irvShare: 1,
      duplicateShare: 0.02,
      invalidShare: 0.01,
    });
    const election = plan.election;
    const db = postgresDatabase(testDb.url, 4, 'scrutin-bench');
    await migrate(db);
    unwrap(await saveElection(db, election));
    await setElectionState(db, election.id, 'open');
    const dedup = new RedisDedupStore(SERVICE_URLS.redis, namespace);
    await loadCredentials(db, dedup, election.id, plan.credentials);
    await dedup.close();
    const tokens = new Map<string, string>();
    for (const s of election.stations) tokens.set(s.id, (await issueEnrolmentToken(db, election.id, s.id)).token);
    const password = `national-night-${namespace}`;
    unwrap(await createOfficial(db, { username: UsernameSchema.parse('bench-official'), password, role: 'official' }));

    const [port = 0] = await freePorts(1);
    const api = await startProcess(['serve', '--port', String(port)], serverEnv, /Metrics and probes on (http:\/\/\S+)/);
    children.push(api.child);
    const url = `http://127.0.0.1:${port}`;
    const apiMetrics = api.match?.[1];
    if (apiMetrics === undefined) throw new Error('the API did not print its admin listener');
    const workerMetrics: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const worker = await startProcess(['worker'], serverEnv, /metrics and probes on (http:\/\/\S+)/);
      children.push(worker.child);
      workerMetrics.push(worker.match?.[1] ?? '');
    }

    const clients = new Map<string, StationClient>();
    for (const s of election.stations) {
      const client = new StationClient(url, election.id, s.id);
      await client.enrol(tokens.get(s.id) ?? '');
      clients.set(s.id, client);
    }
    const signed = signAll(plan, clients, batchSize);

    // The late stations, and how many of their envelopes count (first uses of their own credentials).
    const lateCount = Math.round(election.stations.length * lateShare);
    const late = new Set<string>(
      election.stations
        .filter((_, i) => i % Math.max(1, Math.round(1 / lateShare)) === 0)
        .slice(0, lateCount)
        .map((s) => s.id),
    );
    const lateValid = new Set<CredentialHash>(plan.credentials.filter((c) => late.has(c.station)).map((c) => c.credential));
    let lateAccepted = 0;
    for (const s of plan.stations) {
      if (!late.has(s.station)) continue;
      const seen = new Set<Credential>();
      for (const e of s.envelopes) {
        if (seen.has(e.credential)) continue;
        seen.add(e.credential);
        if (lateValid.has(credentialHash(e.credential))) lateAccepted += 1;
      }
    }
    const expected = plan.expected;
    const envelopes = plan.stations.reduce((n, s) => n + s.envelopes.length, 0);
    const planSeconds = (performance.now() - tPlan) / 1000;
    // The plan's envelopes and credentials (gigabytes at full size) are let go before the clock
    // starts: only the signed batches and the expected counts are needed from here on.
    plan = null;

    const day: Sent[] = [];
    const remainders = new Map<string, readonly string[]>();
    for (let roundIndex = 0; ; roundIndex += 1) {
      let any = false;
      for (const [station, batches] of signed) {
        if (late.has(station) || roundIndex >= batches.length - 1) continue;
        day.push({ station, batch: batches[roundIndex] as string });
        any = true;
      }
      if (!any) break;
    }
    for (const [station, batches] of signed)
      if (!late.has(station)) remainders.set(station, batches.slice(Math.max(0, batches.length - 1)));

    const streams: StreamStats = { connected: 0, failed: 0, events: 0, delaysMs: [], lastVersion: [] };
    closeStreams = await openStreams(`${url}/api/v1/elections/${election.id}/events`, sseClients, streams);

    // The queue depth, read from the API's /metrics (which refreshes it) twice a second.
    let peakQueue = 0;
    const stopSampling = new AbortController();
    const sampler = (async () => {
      while (!stopSampling.signal.aborted) {
        const depth = gauge(await scrape(apiMetrics).catch(() => ''), 'scrutin_queue_depth{queue="batches"}');
        if (depth !== null) peakQueue = Math.max(peakQueue, depth);
        await sleep(500);
      }
    })();

    const latencies: number[] = [];
    let refused = 0;
    let busyRetries = 0;
    // As a station's sync engine does, a batch central is too busy for (503, 429, no answer) is
    // sent again, with a backoff, until it is taken: a station never gives a batch up. (The first
    // full run gave up after 30 tries: on a loaded machine 519 batches of 75,000 were never sent,
    // and the wait for the turnout could only time out.) Any other refusal is counted, and ends the wait.
    const send = async (station: string, batch: string) => {
      const client = clients.get(station) as StationClient;
      for (let attempt = 1; ; attempt += 1) {
        const t0 = performance.now();
        const outcome = await client.send(batch).catch(() => ({ kind: 'refused' as const, status: 0 }));
        latencies.push(performance.now() - t0);
        if (outcome.kind === 'accepted') return;
        if (outcome.status === 503 || outcome.status === 429 || outcome.status === 0) {
          busyRetries += 1;
          await sleep(Math.min(5000, 100 * attempt) * (0.5 + Math.random()));
          continue;
        }
        refused += 1;
        return;
      }
    };
    const turnout = async (): Promise<number> =>
      ((await (await fetch(`${url}/api/v1/elections/${election.id}/turnout`)).json()) as { total: { ballots: number } }).total.ballots;
    const waitForTurnout = async (ballotsWanted: number) => {
      // Once a second, as a results screen would: the turnout query is not free at 20,000 stations.
      for (let i = 0; i < 14_400 && (await turnout()) < ballotsWanted; i += 1) {
        if (refused > 0) throw new Error(`${refused} batches refused for good: the turnout cannot reach ${ballotsWanted}`);
        await sleep(1000);
      }
    };

    const cpuNow = () => ({
      machine: machineCpuSeconds(),
      services: serviceCpuSeconds(),
      processes: children.map((c) => cpuSeconds(c.pid) ?? 0),
      simulator: process.cpuUsage(),
    });
    /** CPU seconds per process since `before`: the API, the validators, each service, this simulator, the machine. */
    const cpuSince = (before: ReturnType<typeof cpuNow>): Record<string, number> => ({
      api: (cpuSeconds(children[0]?.pid) ?? 0) - (before.processes[0] ?? 0),
      workers: children.slice(1).reduce((n, c, i) => n + (cpuSeconds(c.pid) ?? 0) - (before.processes[i + 1] ?? 0), 0),
      ...Object.fromEntries(Object.entries(serviceCpuSeconds()).map(([k, v]) => [k, v - (before.services[k] ?? 0)])),
      simulator: (process.cpuUsage(before.simulator).user + process.cpuUsage(before.simulator).system) / 1e6,
      machine: machineCpuSeconds() - before.machine,
    });
    const perBallot = (cpu: Record<string, number>, ballotCount: number) =>
      Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round1((v * 1e6) / Math.max(1, ballotCount))]));
    const cpuBefore = cpuNow();
    const pgBefore = await postgresCounters(db, { resetStatements: true });
    const pgCpu = await PostgresCpuSampler.start(db);

    // 1. The day: batches at an even pace, each station's in order.
    const tDay = performance.now();
    const pending = new Set<Promise<void>>();
    const busy = new Set<string>();
    const rate = day.length / Math.max(1, daySeconds);
    for (let i = 0; i < day.length;) {
      const due = Math.floor(((performance.now() - tDay) / 1000) * rate);
      while (i < due && i < day.length) {
        const next = day[i] as Sent;
        if (busy.has(next.station)) break;
        i += 1;
        busy.add(next.station);
        const sent = send(next.station, next.batch).finally(() => {
          busy.delete(next.station);
          pending.delete(sent);
        });
        pending.add(sent);
      }
      await sleep(5);
    }
    await Promise.all(pending);
    const daySent = (performance.now() - tDay) / 1000;

    // 2. The close: every on-time station sends its remainder, starting within the surge window.
    const tClose = performance.now();
    await Promise.all(
      [...remainders.entries()].map(async ([station, batches]) => {
        await sleep(Math.random() * surgeSeconds * 1000);
        for (const batch of batches) await send(station, batch);
      }),
    );
    const surgeSent = (performance.now() - tClose) / 1000;
    await waitForTurnout(expected.accepted - lateAccepted);
    const networkComplete = (performance.now() - tClose) / 1000;
    // The network phases alone (day and surge): the USB phase's own processes are not in it.
    const cpuNetwork = cpuSince(cpuBefore);
    const postgresNetwork = await postgresBreakdown(db, await pgCpu.stop(), pgBefore, expected.accepted - lateAccepted);

    // 3. The late stations: one sealed USB export each, as the stations wrote them to their sticks,
    // then imported at central by `scrutin import-batches`, two processes (one per core) of half the files each.
    const lateFiles: string[] = [];
    for (const station of late) {
      const client = clients.get(station) as StationClient;
      const body = {
        format: 'scrutin-batch-export' as const,
        version: 2 as const,
        election: election.id,
        station: client.station,
        exportedAt: new Date().toISOString(),
        batches: (signed.get(station) ?? []).map((b) => SignedBatchSchema.parse(JSON.parse(b))),
      };
      const file = join(dir, `${station}.json`);
      writeFileSync(file, JSON.stringify(await sealBatchExport(signBatchExport(body, client.keys.privateKeyPem), exportKey.publicKey)));
      lateFiles.push(file);
    }
    const tImport = performance.now();
    const halves = [lateFiles.filter((_, i) => i % 2 === 0), lateFiles.filter((_, i) => i % 2 === 1)].filter((h) => h.length > 0);
    // A process that exits 0 took every file whole; otherwise its closing line says how many it did.
    const importFailures = (
      await Promise.all(
        halves.map((files) =>
          run(process.execPath, [BIN, 'import-batches', ...files], {
            env: { ...process.env, ...serverEnv },
            maxBuffer: 64 * 1024 * 1024,
          }).then(
            () => 0,
            (error: unknown) => files.length - Number(/ (\d+) imported whole,/.exec((error as { stdout?: string }).stdout ?? '')?.[1] ?? 0),
          ),
        ),
      )
    ).reduce((a, b) => a + b, 0);
    const importSeconds = (performance.now() - tImport) / 1000;
    await waitForTurnout(expected.accepted);
    const complete = (performance.now() - tClose) / 1000;
    stopSampling.abort();
    await sampler;

    const cpu = cpuSince(cpuBefore);
    const pipelineSeconds = buckets(await Promise.all(workerMetrics.map((m) => scrape(m))), 'scrutin_pipeline_seconds');
    const { rows } = await db.query<{ bytes: string }>('SELECT pg_database_size(current_database())::text AS bytes');
    const shownTurnout = await turnout();
    await db.close();

    print({
      bench: 'national',
      registeredVoters: election.stations.reduce((n, s) => n + s.registeredVoters, 0),
      ridings: election.ridings.length,
      stations: election.stations.length,
      lateStations: late.size,
      envelopesSent: envelopes,
      ballotsAccepted: expected.accepted,
      duplicates: expected.duplicates,
      invalid: expected.invalid,
      batchSize,
      daySeconds: round1(daySent),
      surgeWindowSeconds: surgeSeconds,
      surgeSentSeconds: round1(surgeSent),
      closeToNetworkResultsSeconds: round1(networkComplete),
      usbImportSeconds: round1(importSeconds),
      usbImportFailures: importFailures,
      closeToCompleteResultsSeconds: round1(complete),
      peakQueueDepth: peakQueue,
      refusedBatches: refused,
      busyRetries,
      batchLatencyMs: percentiles(latencies),
      pipelineSecondsP99AtMost: bucketQuantile(pipelineSeconds, 0.99),
      sseClients: streams.connected,
      sseDelayMs: percentiles(streams.delaysMs),
      postgresMb: Math.round(Number(rows[0]?.bytes ?? 0) / 1048576),
      // Over the whole night (the USB phase's CLI processes are in `machine` only), then over the
      // day and the surge alone, per ballot taken by network.
      cpuMicrosecondsPerBallot: perBallot(cpu, expected.accepted),
      cpuMicrosecondsPerNetworkBallot: perBallot(cpuNetwork, expected.accepted - lateAccepted),
      peakRssMb: {
        api: peakRssMb(children[0]?.pid),
        workers: children.slice(1).map((c) => peakRssMb(c.pid)),
        simulator: peakRssMb(process.pid),
      },
      turnoutShown: shownTurnout,
      turnoutExact: shownTurnout === expected.accepted,
      setupSeconds: Math.round(planSeconds),
    });
    // Where Postgres's share went over the day and the surge (bench/postgres_cpu.ts).
    print({ bench: 'national-postgres', ballots: expected.accepted - lateAccepted, ...postgresNetwork });
    // The recount by `scrutin tabulate`, a CLI process per riding: its own line, after the figures.
    if (recount) print({ bench: 'national-tabulate', ...(await checkAgainstTabulate(url, election, password, dir)) });
  } finally {
    closeStreams();
    for (const child of children) child.kill('SIGTERM');
    await sleep(500);
    await dropTestNamespace(namespace);
    await testDb.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

type PartyFigures = { seats: number; votes: number };

/**
 * Exports each riding's RCTab config and CVRs as an official (`GET …/exports/irv/:contest/…`),
 * recounts each with `scrutin tabulate`, and compares the seats (each winner's party) and the
 * popular vote (round-1 votes by party) with the results API.
 */
async function checkAgainstTabulate(
  url: string,
  election: ElectionDefinition,
  password: string,
  dir: string,
): Promise<{ readonly ridings: number; readonly seconds: number; readonly exact: boolean; readonly mismatches: readonly string[] }> {
  const started = performance.now();
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench-official', password }),
  });
  if (!login.ok) throw new Error(`login refused: ${login.status}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const get = async (path: string) => {
    const response = await fetch(`${url}/api/v1${path}`, { headers: { cookie } });
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    return response.text();
  };
  const partyOf = new Map<string, string | null>();
  const tabulated = new Map<string | null, PartyFigures>();
  const figures = (party: string | null) => {
    let f = tabulated.get(party);
    if (f === undefined) tabulated.set(party, (f = { seats: 0, votes: 0 }));
    return f;
  };
  const races = election.contests.filter((c) => c.kind === 'candidate');
  for (const race of races) for (const c of race.candidates) partyOf.set(c.id, c.party ?? null);
  // Two at a time (a CLI process each, as an official would run them): one per core.
  const waiting = [...races];
  const tabulateNext = async () => {
    for (let race = waiting.shift(); race !== undefined; race = waiting.shift()) await tabulateRace(race);
  };
  const tabulateRace = async (race: (typeof races)[number]) => {
    const raceDir = join(dir, 'tabulate', race.id);
    const out = join(raceDir, 'out');
    mkdirSync(raceDir, { recursive: true });
    writeFileSync(
      join(raceDir, `${race.id}_config.json`),
      await get(`/admin/elections/${election.id}/exports/irv/${race.id}/rctab-config.json`),
    );
    writeFileSync(join(raceDir, `${race.id}_cvr.json`), await get(`/admin/elections/${election.id}/exports/irv/${race.id}/cvr.json`));
    await run(process.execPath, [BIN, 'tabulate', join(raceDir, `${race.id}_config.json`), '--out', out]);
    const report = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      results: { tally: Record<string, string>; tallyResults: { elected?: string }[] }[];
    };
    for (const [candidate, votes] of Object.entries(report.results[0]?.tally ?? {}))
      figures(partyOf.get(candidate) ?? null).votes += Number(votes);
    const winner = report.results.flatMap((r) => r.tallyResults).find((d) => d.elected !== undefined)?.elected;
    if (winner !== undefined) figures(partyOf.get(winner) ?? null).seats += 1;
  };
  await Promise.all([tabulateNext(), tabulateNext()]);
  const shown = JSON.parse(await get(`/elections/${election.id}/results`)) as {
    parties: { party: string | null; seats: number; votes: number }[];
  };
  const mismatches: string[] = [];
  for (const p of shown.parties) {
    const want = tabulated.get(p.party) ?? { seats: 0, votes: 0 };
    if (p.seats !== want.seats) mismatches.push(`${String(p.party)} seats: shown ${p.seats}, tabulate ${want.seats}`);
    if (p.votes !== want.votes) mismatches.push(`${String(p.party)} votes: shown ${p.votes}, tabulate ${want.votes}`);
  }
  for (const party of tabulated.keys())
    if (!shown.parties.some((p) => p.party === party)) mismatches.push(`${String(party)}: tabulated, not shown`);
  return {
    ridings: races.length,
    seconds: round1((performance.now() - started) / 1000),
    exact: mismatches.length === 0,
    mismatches: mismatches.slice(0, 10),
  };
}
