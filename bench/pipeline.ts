/**
 * The central pipeline benchmark, on the real services of this machine: Postgres, Redis,
 * RabbitMQ, the API (`scrutin serve`) and two validator processes (`scrutin worker`).
 * 2,000 simulated stations send 1,000,000 ballots (plus 1 % duplicate and 1 % invalid
 * envelopes) as signed batches; the clock runs from the first request to the moment the
 * results API shows every ballot, and the shown counts must equal what was sent.
 * Target: ≥ 25,000 ballots/s end to end, exact tallies.
 *
 * Then a `pipeline-floor` line: CPU per ballot, by process and for the whole machine, beside
 * the efficiency floor measured right after on the same machine (bench/floor.ts); the target
 * is at most 2 times the floor.
 *
 * Also: loading 8,000,000 credentials into Postgres and Redis (time and memory).
 * Sizes can be lowered for a quick run: BENCH_BALLOTS, BENCH_STATIONS, BENCH_CREDENTIALS.
 * BENCH_WARMUP_BALLOTS (0) first runs that many ballots through the same processes, in an
 * election of their own and before the clock: the figures are then a warm pipeline's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { unwrap, type CredentialHash, type ElectionId, type StationId } from '@scrutin/shared';
import { Redis } from 'ioredis';
import {
  issueEnrolmentToken,
  loadCredentials,
  makePlan,
  migrate,
  postgresDatabase,
  RedisDedupStore,
  runPlan,
  runTarget,
  saveElection,
  setElectionState,
  signAll,
  StationClient,
} from '@scrutin/server';
import { createTestDatabase, dropTestNamespace, SERVICE_URLS, testNamespace } from '@scrutin/server/testing';
import { efficiencyFloor, serviceCpuSeconds, walSoFar } from './floor.ts';
import { machineFigures } from './machine.ts';

export const BIN = fileURLToPath(import.meta.resolve('@scrutin/server/bin/scrutin.js'));

export function peakRssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmHWM:'));
    return line === undefined ? null : Math.round(Number(line.replace(/\D+/g, '')) / 1024);
  } catch {
    return null;
  }
}

/** CPU seconds a process has used (user + system), from /proc. */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Math.round(((Number(fields[11]) + Number(fields[12])) / 100) * 10) / 10;
  } catch {
    return null;
  }
}

/** CPU seconds the whole machine has used, all processes together. */
export function machineCpuSeconds(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return (fields.reduce((a, b) => a + b, 0) - idle) / 100;
}

export function print(figures: Record<string, unknown>): void {
  console.log(JSON.stringify(figures));
}

const PROFILE_DIR = process.env.PROFILE_DIR ?? process.env.BENCH_PROFILE_DIR;
/** The V8 flags the Dockerfile gives the server processes. */
const SERVER_NODE_FLAGS = ['--max-semi-space-size=64'];

export async function startProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready?: RegExp,
): Promise<{ child: ChildProcess; match: RegExpMatchArray | null }> {
  // PROFILE_DIR=DIR (or BENCH_PROFILE_DIR) writes a CPU profile of every server process there,
  // when it stops (SIGTERM at the end of the run).
  const profile = PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`];
  // As the Dockerfile runs them (NODE_OPTIONS there).
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...profile, BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (ready === undefined) return { child, match: null };
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`${args.join(' ')} exited with ${String(code)}`));
    });
    lines.on('line', (line) => {
      const m = ready.exec(line);
      if (m !== null) resolve(m);
    });
  });
  return { child, match };
}

/**
 * Stops the server processes (SIGTERM) and waits until each has exited, so that its CPU
 * profile is written (PROFILE_DIR) and it uses no more CPU; one that has not exited after
 * 10 s is killed.
 */
export async function stopProcesses(children: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) =>
        child.once('exit', () => {
          resolve();
        }),
      );
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

export async function benchPipeline(): Promise<void> {
  const ballots = Number(process.env.BENCH_BALLOTS ?? 1_000_000);
  const stations = Number(process.env.BENCH_STATIONS ?? 2_000);
  const batchSize = Number(process.env.BENCH_BATCH ?? 250);
  const testDb = await createTestDatabase();
  const namespace = testNamespace();
  const env = {
    DATABASE_URL: testDb.url,
    AMQP_URL: SERVICE_URLS.amqp,
    REDIS_URL: SERVICE_URLS.redis,
    SCRUTIN_NAMESPACE: namespace,
    LOG_LEVEL: 'warn',
    PG_POOL_SIZE: '8',
    WORKER_PREFETCH: '8',
    // Two validators on one machine: each takes a free port for its metrics.
    METRICS_PORT: '0',
    // Thousands of stations simulated from one address: the per-address limit out of the way.
    SYNC_RATE_PER_IP: '1000000',
    SYNC_RATE_PER_STATION: '1000000',
    SYNC_MAX_CONCURRENCY: '256',
  };
  const children: ChildProcess[] = [];
  try {
    // The machine's own speed first, while it is quiet: a figure below is only comparable
    // with another machine's together with this line.
    print(await machineFigures());
    const tPlan = performance.now();
    let plan: ReturnType<typeof makePlan> | null = makePlan({ stations, ballots });
    const planSeconds = (performance.now() - tPlan) / 1000;

    const db = postgresDatabase(testDb.url, 4);
    await migrate(db);
    unwrap(await saveElection(db, plan.election));
    await setElectionState(db, plan.election.id, 'open');
    const dedup = new RedisDedupStore(SERVICE_URLS.redis, namespace);
    const tLoad = performance.now();
    await loadCredentials(db, dedup, plan.election.id, plan.credentials);
    const loadSeconds = (performance.now() - tLoad) / 1000;

    const api = await startProcess(['serve', '--port', '0'], env, /on (http:\/\/\S+)/);
    children.push(api.child);
    const url = api.match?.[1];
    if (url === undefined) throw new Error('the API did not print its URL');
    // Each validator has loaded its code and joined the queue before the clock starts: its
    // start-up is not counted in the CPU per ballot.
    for (let i = 0; i < 2; i += 1) children.push((await startProcess(['worker'], env, /metrics and probes on/)).child);

    // Before the clock: the same pipeline warmed on an election of its own, so the figures are
    // those of processes running for hours rather than of their first seconds (V8's compilers
    // took 9 % of the API's and 17 % of the validators' CPU in a cold 25-second run).
    const warmupBallots = Number(process.env.BENCH_WARMUP_BALLOTS ?? 0);
    const warmup =
      warmupBallots > 0 ? await warmUp(db, dedup, url, { ballots: warmupBallots, ballotsPerStation: ballots / stations, batchSize }) : null;

    const clients = await enrolStations(db, url, plan.election);
    const tSign = performance.now();
    const signed = signAll(plan, clients, batchSize);
    const signSeconds = (performance.now() - tSign) / 1000;
    // From here on only the signed batches and the expected counts matter: the plan's envelope
    // objects and credentials (hundreds of MB at 1M ballots) are let go before the clock starts,
    // so the load generator's own garbage collector does not walk them during the measurement.
    const credentialsLoaded = plan.credentials.length;
    const target = runTarget(plan);
    plan = null;

    const walBefore = await walSoFar(testDb.url);
    // Ended children included: the bench's own pool closes its idle connections (pg's ten
    // seconds), the credential load's among them, sometimes while the clock runs.
    const servicesBefore = serviceCpuSeconds();
    const cpuBefore = {
      machine: machineCpuSeconds(),
      processes: children.map((c) => cpuSeconds(c.pid) ?? 0),
      simulator: process.cpuUsage(),
    };
    const report = await runPlan(target, clients, signed, { url, batchSize, concurrency: Number(process.env.BENCH_CONCURRENCY ?? 32) });
    const cpu = {
      machine: Math.round((machineCpuSeconds() - cpuBefore.machine) * 10) / 10,
      api: Math.round(((cpuSeconds(children[0]?.pid) ?? 0) - (cpuBefore.processes[0] ?? 0)) * 10) / 10,
      workers: children.slice(1).map((c, i) => Math.round(((cpuSeconds(c.pid) ?? 0) - (cpuBefore.processes[i + 1] ?? 0)) * 10) / 10),
      simulator: Math.round((process.cpuUsage(cpuBefore.simulator).user + process.cpuUsage(cpuBefore.simulator).system) / 1e5) / 10,
      services: Object.fromEntries(
        Object.entries(serviceCpuSeconds()).map(([k, v]) => [k, Math.round((v - (servicesBefore[k] ?? 0)) * 10) / 10]),
      ),
    };
    print({
      bench: 'pipeline',
      stations,
      ballotsAccepted: report.expected.accepted,
      envelopesSent: report.ballotsSent,
      batchSize,
      batches: report.batchesSent,
      refusedBatches: report.refusedBatches,
      apiBallotsPerSecond: report.apiBallotsPerSecond,
      endToEndBallotsPerSecond: report.endToEndBallotsPerSecond,
      endToEndSeconds: Math.round(report.endToEndSeconds * 100) / 100,
      batchLatencyMs: report.latencyMs,
      exactTallies: report.exact,
      mismatches: report.mismatches.slice(0, 10),
      cpuSeconds: cpu,
      peakRssMb: {
        api: peakRssMb(api.child.pid),
        workers: children.slice(1).map((c) => peakRssMb(c.pid)),
        simulator: Math.round(process.memoryUsage().rss / 1048576),
      },
      warmup,
      setup: {
        planSeconds: Math.round(planSeconds),
        credentialsLoaded,
        credentialLoadSeconds: Math.round(loadSeconds * 10) / 10,
        signSeconds: Math.round(signSeconds),
      },
    });
    const walAfter = await walSoFar(testDb.url);
    const { rows: indexes } = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
        WHERE c.relname IN ('ballots', 'credential_uses') OR c.relname LIKE 'ballots\\_p%' OR c.relname LIKE 'credential\\_uses\\_p%'`,
    );
    // The efficiency floor, measured now, on the same machine in the same state (bench/floor.ts),
    // with the API and the validators stopped: their timers (gauges, live results) would
    // otherwise count in the floor's Postgres CPU.
    await stopProcesses(children);
    const floor = await efficiencyFloor({ databaseUrl: testDb.url, namespace, batchSize });
    const perBallot = (seconds: number) => Math.round((seconds * 1e6 * 10) / report.expected.accepted) / 10;
    const machinePerBallot = perBallot(cpu.machine);
    const central = cpu.api + cpu.workers.reduce((a, b) => a + b, 0) + Object.values(cpu.services).reduce((a, b) => a + b, 0);
    const timesTheFloor = (seconds: number) => Math.round(((seconds * 1e6) / report.expected.accepted / floor.perBallotMicros) * 100) / 100;
    print({
      bench: 'pipeline-floor',
      batchSize,
      floorMicrosecondsPerBallot: floor,
      pipelineMicrosecondsPerBallot: {
        machine: machinePerBallot,
        api: perBallot(cpu.api),
        workers: perBallot(cpu.workers.reduce((a, b) => a + b, 0)),
        ...Object.fromEntries(Object.entries(cpu.services).map(([k, v]) => [k, perBallot(v)])),
        simulator: perBallot(cpu.simulator),
      },
      postgres: {
        walBytesPerBallot: Math.round((walAfter.bytes - walBefore.bytes) / report.expected.accepted),
        walRecordsPerBallot: Math.round(((walAfter.records - walBefore.records) / report.expected.accepted) * 100) / 100,
        fullPageImageShareOfRecords:
          Math.round(((walAfter.fullPageImages - walBefore.fullPageImages) / Math.max(1, walAfter.records - walBefore.records)) * 1000) /
          1000,
        indexesOnBallotTables: Number(indexes[0]?.n ?? 0),
      },
      timesTheFloor: timesTheFloor(cpu.machine),
      // Central's processes (the API, the validators, Postgres, Redis, RabbitMQ): the pipeline the
      // floor is the least of. The stations' work (building, signing and sending batches) is done
      // on the kiosks, not by central.
      centralTimesTheFloor: timesTheFloor(central),
      // The same with the simulated stations, which share this machine: the figure reported
      // before 6 December 2026.
      processesTimesTheFloor: timesTheFloor(central + cpu.simulator),
      target: 'at most 2 times the floor',
    });
    await dedup.close();
    await db.close();
  } finally {
    await stopProcesses(children);
    await cleanup(namespace);
    await testDb.drop();
  }
}

/**
 * Runs a small election of its own through the started API and validators, exactly (it throws
 * otherwise), and resolves to its size and seconds. Its stations send as many ballots each as
 * the measured run's, so the code paths warmed are the same.
 */
async function warmUp(
  db: ReturnType<typeof postgresDatabase>,
  dedup: RedisDedupStore,
  url: string,
  options: { ballots: number; ballotsPerStation: number; batchSize: number },
): Promise<{ ballots: number; stations: number; seconds: number }> {
  const started = performance.now();
  const stations = Math.max(1, Math.round(options.ballots / options.ballotsPerStation));
  // Another election id than the measured plan's (both are made from the clock).
  const plan = makePlan({ stations, ballots: options.ballots }, Date.now() - 60_000);
  unwrap(await saveElection(db, plan.election));
  await setElectionState(db, plan.election.id, 'open');
  await loadCredentials(db, dedup, plan.election.id, plan.credentials);
  const clients = await enrolStations(db, url, plan.election);
  const report = await runPlan(runTarget(plan), clients, signAll(plan, clients, options.batchSize), {
    url,
    batchSize: options.batchSize,
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 32),
  });
  if (!report.exact) throw new Error(`the warm-up election was not counted exactly: ${report.mismatches.slice(0, 3).join('; ')}`);
  return { ballots: report.expected.accepted, stations, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

/** Every station of `election` enrolled with the API, as a kiosk does on its first start: its client, by station id. */
async function enrolStations(
  db: ReturnType<typeof postgresDatabase>,
  url: string,
  election: ReturnType<typeof makePlan>['election'],
): Promise<Map<string, StationClient>> {
  const clients = new Map<string, StationClient>();
  for (const s of election.stations) {
    const client = new StationClient(url, election.id, s.id);
    await client.enrol((await issueEnrolmentToken(db, election.id, s.id)).token);
    clients.set(s.id, client);
  }
  return clients;
}

/** Loading a national credential file: 8,000,000 credentials over 20,000 stations. */
export async function benchCredentialLoad(): Promise<void> {
  const total = Number(process.env.BENCH_CREDENTIALS ?? 8_000_000);
  const stations = Number(process.env.BENCH_STATIONS_LOAD ?? 20_000);
  const testDb = await createTestDatabase();
  const namespace = testNamespace();
  const db = postgresDatabase(testDb.url, 4);
  const dedup = new RedisDedupStore(SERVICE_URLS.redis, namespace);
  const redis = new Redis(SERVICE_URLS.redis);
  try {
    await migrate(db);
    const memoryBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    const width = Math.max(5, String(stations).length);
    function* entries() {
      for (let i = 0; i < total; i += 1) {
        yield {
          credential: randomBytes(32).toString('hex') as CredentialHash,
          station: `ST-${String((i % stations) + 1).padStart(width, '0')}` as StationId,
        };
      }
    }
    const started = performance.now();
    await loadCredentials(db, dedup, 'bench-load' as ElectionId, entries());
    const seconds = (performance.now() - started) / 1000;
    const memoryAfter = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    const { rows } = await db.query<{ bytes: string }>("SELECT pg_total_relation_size('credentials')::text AS bytes");
    const partitions = await db.query<{ bytes: string }>(
      "SELECT sum(pg_total_relation_size(inhrelid))::text AS bytes FROM pg_inherits WHERE inhparent = 'credentials'::regclass",
    );
    print({
      bench: 'credential-load',
      credentials: total,
      stations,
      seconds: Math.round(seconds * 10) / 10,
      credentialsPerSecond: Math.round(total / seconds),
      redisMemoryMb: Math.round((memoryAfter - memoryBefore) / 1048576),
      postgresMb: Math.round(Number(partitions.rows[0]?.bytes ?? rows[0]?.bytes ?? 0) / 1048576),
      loaderPeakRssMb: peakRssMb(process.pid),
    });
  } finally {
    await dedup.close();
    await db.close();
    const keys = await redis.keys(`*${namespace}*`);
    for (let i = 0; i < keys.length; i += 10_000) await redis.del(...keys.slice(i, i + 10_000));
    redis.disconnect();
    await testDb.drop();
  }
}

async function cleanup(namespace: string): Promise<void> {
  await dropTestNamespace(namespace);
}
