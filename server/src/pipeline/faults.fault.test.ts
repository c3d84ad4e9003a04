import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePlan, type Plan } from '../simulate/plan.ts';
import { compare, fetchResults, signAll } from '../simulate/run.ts';
import { StationClient } from '../simulate/station_client.ts';
import { servicesEnv } from '../config.ts';
import { startTestCentral, type TestCentral } from '../testing/central.ts';
import { enrolmentToken, openElection } from '../testing/election_setup.ts';
import { restartPostgres, restartRabbitMq, restartRedis } from '../testing/service_control.ts';

/**
 * Invariant 1 (nothing lost, nothing counted twice) under faults, on the real services:
 * validators killed with SIGKILL mid-run, RabbitMQ, Redis and Postgres restarted while
 * stations send, batches delivered twice, out of order and truncated. At the end the
 * results equal exactly what the stations sent, and no valid credential became a duplicate.
 */
const BIN = join(import.meta.dirname, '../../bin/scrutin.js');
let t: TestCentral;
let plan: Plan;
const workers: ChildProcess[] = [];

function startWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env }, stdio: 'ignore' });
  workers.push(child);
  return child;
}

beforeAll(async () => {
  t = await startTestCentral({ env: { PG_POOL_SIZE: '6' } });
  plan = makePlan({ stations: 24, ballots: 4800, duplicateShare: 0.03, invalidShare: 0.02 });
  await openElection(t.central, plan.election, plan.credentials);
}, 120_000);

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await t.stop();
}, 120_000);

/** Sends one batch until the server gives a receipt, whatever happens to it meanwhile. */
async function deliver(client: StationClient, body: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const outcome = await client.send(body).catch(() => null);
    if (outcome?.kind === 'accepted') return;
    if (outcome !== null && outcome.status >= 400 && outcome.status < 500 && outcome.status !== 429) {
      throw new Error(`batch refused: ${outcome.code} ${outcome.message}`);
    }
    await sleep(Math.min(1000, 50 * (attempt + 1)));
  }
  throw new Error('batch never accepted');
}

describe('faults', () => {
  it('counts exactly what the stations sent through worker kills and service restarts', async () => {
    const { db } = t.central.ctx.services;
    if (t.config.services === null) throw new Error('the test central runs on the real services');
    const env = {
      ...servicesEnv(t.config.services),
      SCRUTIN_NAMESPACE: t.config.namespace,
      LOG_LEVEL: 'silent',
      WORKER_PREFETCH: '4',
      // Several validators on one machine: each takes a free port for its metrics.
      METRICS_PORT: '0',
    };
    let a = startWorker(env);
    startWorker(env);

    const clients = new Map<string, StationClient>();
    for (const s of plan.election.stations) {
      const client = new StationClient(t.central.url, plan.election.id, s.id);
      await client.enrol(await enrolmentToken(t.central, plan.election.id, s.id));
      clients.set(s.id, client);
    }
    const signed = signAll(plan, clients, 10);

    // Stations send concurrently, each in shuffled order, some batches twice, some first truncated.
    let truncatedRefused = 0;
    let delivered = 0;
    const total = [...signed.values()].reduce((n, b) => n + b.length, 0);
    /**
     * The faults are paced by the stations' progress, not by the clock: fault i strikes once
     * `at(i)` batches are in, and meanwhile no station starts a batch beyond `at(i)` plus a
     * slack. So every fault hits mid-run, with batches in flight and still to come, however
     * fast or slow the machine (a clock let a fast run finish before the later faults).
     */
    const faultsStruck = [
      async () => {
        a.kill('SIGKILL');
        await sleep(300);
        a = startWorker(env);
      },
      () => restartRabbitMq().then(() => sleep(300)),
      async () => {
        workers[1]?.kill('SIGKILL');
        startWorker(env);
        await sleep(300);
      },
      () => restartRedis().then(() => sleep(300)),
      () => restartPostgres().then(() => sleep(300)),
      async () => {
        a.kill('SIGKILL');
        startWorker(env);
        await sleep(300);
      },
    ];
    const FAULTS = faultsStruck.length;
    const at = (i: number) => Math.floor((total * (i + 1)) / (FAULTS + 2));
    const slack = Math.floor(total / (2 * (FAULTS + 2)));
    let started = 0;
    let limit = at(0) + slack;
    const progressAtFault: number[] = [];
    const sending = Promise.all(
      [...signed].map(async ([station, batches]) => {
        const client = clients.get(station) as StationClient;
        const order = [...batches].sort(() => Math.random() - 0.5);
        for (const body of order) {
          while (started >= limit) await sleep(10);
          started += 1;
          if (Math.random() < 0.1) {
            const cut = await client.send(body.slice(0, Math.floor(body.length / 2))).catch(() => null);
            if (cut !== null && cut.status === 400) truncatedRefused += 1;
          }
          await deliver(client, body);
          delivered += 1;
          if (Math.random() < 0.2) await deliver(client, body);
          await sleep(20);
        }
      }),
    );

    const faults = (async () => {
      for (const [i, fault] of faultsStruck.entries()) {
        while (delivered < at(i)) await sleep(20);
        progressAtFault.push(delivered);
        await fault();
        limit = i + 1 < FAULTS ? at(i + 1) + slack : total;
      }
    })();
    await Promise.all([sending, faults]);

    expect(
      progressAtFault.every((n) => n > 0 && n < total),
      `progress at each fault: ${progressAtFault.join(', ')} of ${total}`,
    ).toBe(true);

    // Every batch must end up counted.
    let processed = 0;
    for (let i = 0; i < 600 && processed < total; i += 1) {
      await sleep(250);
      const { rows } = await db
        .query<{ n: string }>("SELECT count(*)::text AS n FROM batches WHERE status = 'processed'")
        .catch(() => ({ rows: [] }));
      processed = Number(rows[0]?.n ?? 0);
    }
    expect(processed).toBe(total);

    const results = await fetchResults(t.central.url, plan.election.id);
    expect(results.turnout.ballots).toBe(plan.expected.accepted);
    expect(compare(plan.expected, results)).toEqual([]);
    const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
    expect(await count('SELECT count(*)::text AS n FROM credential_uses')).toBe(plan.expected.accepted);
    expect(await count('SELECT count(*)::text AS n FROM ballots')).toBe(plan.expected.accepted);
    expect(await count("SELECT coalesce(sum(count), 0)::text AS n FROM rejected_envelopes WHERE reason = 'duplicate'")).toBe(
      plan.expected.duplicates,
    );
    expect(await count("SELECT coalesce(sum(count), 0)::text AS n FROM rejected_envelopes WHERE reason = 'invalid-credential'")).toBe(
      plan.expected.invalid,
    );
    expect(await t.central.ctx.services.broker.depths()).toEqual({ queued: 0, deadLettered: 0 });
    expect(truncatedRefused).toBeGreaterThan(0);
  }, 600_000);
});
