import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { servicesEnv } from '../config.ts';
import { RabbitBroker } from '../pipeline/broker.ts';
import { makePlan } from '../simulate/plan.ts';
import { runPlan, runTarget, signAll } from '../simulate/run.ts';
import { StationClient } from '../simulate/station_client.ts';
import { startTestCentral, type TestCentral } from '../testing/central.ts';
import { enrolmentToken, openElection } from '../testing/election_setup.ts';

/**
 * Monitoring end to end, with the real components: a real Prometheus (Debian's binary),
 * started here on a loopback port with its own data folder, scrapes a running API and two
 * validator processes while simulated stations send an election's ballots. A poison message
 * (not a batch) is then put on the batch queue; a validator dead-letters it, and the DLQ
 * alert of deploy/prometheus/rules/alerts.yml fires, as the Prometheus HTTP API shows. The
 * procedure of docs/runbooks/dlq.md (`scrutin dlq list`, then `scrutin dlq purge`) empties
 * the queue, and the alert resolves.
 *
 * The rules are the real ones; only their `for:` durations are shortened, and Prometheus
 * scrapes and evaluates every second, so the whole takes well under a minute.
 */
const ROOT = join(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'server/bin/scrutin.js');
const run = promisify(execFile);

let t: TestCentral;
let dir: string;
let prometheus: ChildProcess | undefined;
let prometheusUrl: string;
const workers: ChildProcess[] = [];
let env: Record<string, string>;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** Starts `scrutin worker` and returns the host:port of its metrics listener. */
async function startWorkerProcess(): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  workers.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`scrutin worker exited with ${String(code)}`));
    });
    lines.on('line', (line) => {
      const m = /metrics and probes on http:\/\/(\S+)/.exec(line);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
  });
  return url;
}

const AlertsSchema = z.object({
  status: z.literal('success'),
  data: z.object({ alerts: z.array(z.object({ labels: z.record(z.string(), z.string()), state: z.string(), value: z.string() })) }),
});
const QuerySchema = z.object({
  status: z.literal('success'),
  data: z.object({ result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })) }),
});

async function alerts(name: string) {
  const body = AlertsSchema.parse(await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json());
  return body.data.alerts.filter((a) => a.labels.alertname === name);
}

async function query(expr: string) {
  const body = QuerySchema.parse(await (await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json());
  return body.data.result;
}

/** Polls until `check` holds, or fails with what was last seen. */
async function eventually<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read().catch(() => undefined);
    if (last !== undefined && check(last)) return last;
    await sleep(250);
  }
  throw new Error(`${what}: not seen within ${ms} ms (last: ${JSON.stringify(last)})`);
}

beforeAll(async () => {
  // The API's /metrics is on its admin listener only (METRICS_PORT), as in the deployments.
  t = await startTestCentral({ env: { METRICS_PORT: '0' } });
  const services = t.config.services;
  if (services === null) throw new Error('the test central runs on the real services');
  env = {
    ...servicesEnv(services),
    SCRUTIN_NAMESPACE: t.config.namespace,
    LOG_LEVEL: 'silent',
    METRICS_PORT: '0',
    PG_POOL_SIZE: '4',
  };
  const workerTargets = [await startWorkerProcess(), await startWorkerProcess()];

  dir = mkdtempSync(join(tmpdir(), 'scrutin-prometheus-'));
  // The real alert rules with their waits shortened; the real recording rules as they are.
  const alertRules = parse(readFileSync(join(ROOT, 'deploy/prometheus/rules/alerts.yml'), 'utf8')) as {
    groups: { rules: { for?: string }[] }[];
  };
  for (const group of alertRules.groups) for (const rule of group.rules) if (rule.for !== undefined) rule.for = '2s';
  writeFileSync(join(dir, 'alerts.yml'), stringify(alertRules));
  writeFileSync(join(dir, 'recording.yml'), readFileSync(join(ROOT, 'deploy/prometheus/rules/recording.yml')));
  const real = parse(readFileSync(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string }[] };
  const api = new URL(t.central.metricsUrl ?? '').host;
  writeFileSync(
    join(dir, 'prometheus.yml'),
    stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '1s' },
      rule_files: ['recording.yml', 'alerts.yml'],
      // The same job names as deploy/prometheus/prometheus.yml: the rules name them.
      scrape_configs: real.scrape_configs
        .filter((c) => c.job_name.startsWith('scrutin-'))
        .map((c) => ({
          job_name: c.job_name,
          static_configs: [{ targets: c.job_name === 'scrutin-api' ? [api] : workerTargets }],
        })),
    }),
  );
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=error',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const failed = new Promise<never>((_, reject) => {
    prometheus?.once('error', (error) => {
      reject(new Error(`prometheus could not start (apt-get install prometheus): ${error.message}`));
    });
  });
  await Promise.race([
    failed,
    eventually(
      'Prometheus ready',
      async () => (await fetch(`${prometheusUrl}/-/ready`)).status,
      (s) => s === 200,
      30_000,
    ),
  ]);
}, 90_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  for (const w of workers) w.kill('SIGTERM');
  await sleep(200);
  await t.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('Prometheus scraping a running central', () => {
  it('sees the API and both validators, and the ballots they count under a simulated load', async () => {
    await eventually(
      'three targets up',
      () => query('up'),
      (r) => r.length === 3 && r.every((s) => s.value[1] === '1'),
    );

    const plan = makePlan({ stations: 12, ballots: 2400, duplicateShare: 0.02, invalidShare: 0.01 });
    await openElection(t.central, plan.election, plan.credentials);
    const clients = new Map<string, StationClient>();
    for (const s of plan.election.stations) {
      const client = new StationClient(t.central.url, plan.election.id, s.id);
      await client.enrol(await enrolmentToken(t.central, plan.election.id, s.id));
      clients.set(s.id, client);
    }
    const report = await runPlan(runTarget(plan), clients, signAll(plan, clients, 50), {
      url: t.central.url,
      batchSize: 50,
      concurrency: 8,
      timeoutMs: 60_000,
    });
    expect(report.exact).toBe(true);

    const total = (outcome: string) => query(`sum(scrutin_ballots_total{outcome="${outcome}"})`).then((r) => Number(r[0]?.value[1] ?? NaN));
    await eventually(
      'accepted ballots scraped',
      () => total('accepted'),
      (n) => n === plan.expected.accepted,
    );
    expect(await total('duplicate')).toBe(plan.expected.duplicates);
    expect(await total('invalid')).toBe(plan.expected.invalid);
    // Recorded by the real recording rules from what was scraped.
    await eventually(
      'batch latency recorded',
      () => query('scrutin:batch_latency_seconds:p95'),
      (r) => r.length === 1,
    );
    await eventually(
      'dependencies up',
      () => query('scrutin:dependency_up:min'),
      (r) => r.length === 3 && r.every((s) => s.value[1] === '1'),
    );
    expect(await alerts('ScrutinDeadLetterQueueNotEmpty')).toEqual([]);
  });

  it('fires the DLQ alert on a poison batch, and resolves it after the documented purge', async () => {
    const broker = new RabbitBroker(env.AMQP_URL ?? '', t.config.namespace);
    await broker.publish(Buffer.from('{"batchHash":"not a batch"}'), 'poison');
    await broker.close();

    const firing = await eventually(
      'ScrutinDeadLetterQueueNotEmpty firing',
      () => alerts('ScrutinDeadLetterQueueNotEmpty'),
      (a) => a.some((x) => x.state === 'firing'),
    );
    expect(firing[0]?.labels.severity).toBe('critical');
    expect(Number(firing[0]?.value)).toBe(1);

    // docs/runbooks/dlq.md: look at what is there, then remove it, saying why.
    const listed = await run(process.execPath, [BIN, 'dlq', 'list', '--json'], { env: { ...process.env, ...env } });
    const listing = z
      .object({
        total: z.number(),
        messages: z.array(z.object({ id: z.string(), station: z.string().nullable(), reason: z.string().nullable() })),
      })
      .parse(JSON.parse(listed.stdout));
    expect(listing.total).toBe(1);
    expect(listing.messages[0]).toMatchObject({ station: null, reason: 'rejected' });
    const id = listing.messages[0]?.id ?? '';
    const purged = await run(
      process.execPath,
      [BIN, 'dlq', 'purge', '--id', id, '--reason', 'not a batch: injected by the monitoring test', '--yes'],
      { env: { ...process.env, ...env } },
    );
    expect(purged.stdout).toContain('1 message(s) removed from the dead-letter queue');

    await eventually(
      'ScrutinDeadLetterQueueNotEmpty resolved',
      () => alerts('ScrutinDeadLetterQueueNotEmpty'),
      (a) => a.length === 0,
    );
    const { rows } = await t.central.ctx.services.db.query<{ actor: string; detail: { reason: string; messages: { id: string }[] } }>(
      "SELECT actor, detail FROM audit_log WHERE action = 'queue.dead_letters_purged'",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.detail.reason).toBe('not a batch: injected by the monitoring test');
    expect(rows[0]?.detail.messages.map((m) => m.id)).toEqual([id]);
  });
});
