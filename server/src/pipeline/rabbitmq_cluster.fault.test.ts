import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesEnv } from '../config.ts';
import { compare, fetchResults } from '../simulate/run.ts';
import { startTestCentral, type TestCentral } from '../testing/central.ts';
import { runPipeline, type PipelineRun } from '../testing/pipeline_run.ts';
import { startRabbitCluster, type TestRabbitCluster } from '../testing/rabbitmq_cluster.ts';
import { topologyNames } from './broker_topology.ts';

/**
 * The pipeline on a real 3-node RabbitMQ cluster on loopback (Debian's rabbitmq-server, a
 * private epmd, its own ports and data; the shared broker on 5672 is never touched). The
 * batch queue is a quorum queue replicated on the three nodes. The API reaches the cluster
 * through node 1 (AMQP_URL lists the three), a second validator through node 2. Mid-run the
 * node the API is connected to is killed: the API and the in-process validator move to the
 * next node, the queue carries on with two of three replicas, and the count ends exact. The
 * node then comes back and the queue has its three replicas again. The nodes' memory is
 * printed as a JSON line.
 */
const BIN = join(import.meta.dirname, '../../bin/scrutin.js');
let cluster: TestRabbitCluster;
let t: TestCentral;
let worker: ChildProcess | null = null;
let run: PipelineRun;
let killedAt: { processed: number } | null = null;
const memory: Record<string, number[]> = {};

const mib = (bytes: readonly number[]) => bytes.map((b) => Math.round(b / 1048576));

interface QueueInfo {
  readonly name: string;
  readonly type: string;
  readonly members: readonly string[];
  readonly online: readonly string[];
  readonly leader: string;
}

async function queueInfo(node: number, name: string): Promise<QueueInfo | undefined> {
  const rows = JSON.parse(
    await cluster.ctl(node, 'list_queues', '-q', 'name', 'type', 'members', 'online', 'leader', '--formatter', 'json'),
  ) as QueueInfo[];
  return rows.find((r) => r.name === name);
}

beforeAll(async () => {
  cluster = await startRabbitCluster(3);
  memory.idle = await cluster.memory();
  const urls = cluster.nodes.map((n) => n.url);
  t = await startTestCentral({ withValidator: true, env: { AMQP_URL: urls.join(','), WORKER_PREFETCH: '4' } });
  if (t.config.services === null) throw new Error('services mode expected');
  // A second validator, reaching the cluster through node 2 first.
  worker = spawn(process.execPath, [BIN, 'worker'], {
    env: {
      ...process.env,
      ...servicesEnv(t.config.services),
      AMQP_URL: [urls[1], urls[2], urls[0]].join(','),
      SCRUTIN_NAMESPACE: t.config.namespace,
      LOG_LEVEL: 'silent',
      WORKER_PREFETCH: '4',
    },
    stdio: 'ignore',
  });

  const { db } = t.central.ctx.services;
  const processed = async () =>
    Number((await db.query<{ n: string }>("SELECT count(*)::text AS n FROM batches WHERE status = 'processed'")).rows[0]?.n ?? 0);
  const plan = { stations: 24, ballots: 4000, duplicateShare: 0.03, invalidShare: 0.02, batchSize: 20, concurrency: 4 };
  const fault = (async () => {
    while ((await processed()) < 40) await sleep(50);
    memory.loaded = await cluster.memory();
    killedAt = { processed: await processed() };
    await cluster.kill(1);
  })();
  [run] = await Promise.all([runPipeline(t, plan), fault]);
}, 600_000);

afterAll(async () => {
  worker?.kill('SIGKILL');
  await t.stop();
  await cluster.stop();
}, 120_000);

describe('the pipeline on a 3-node RabbitMQ cluster', () => {
  it('lost the node the API used mid-run', () => {
    expect(killedAt).not.toBeNull();
    expect(killedAt?.processed).toBeLessThan(run.batches);
  });

  it('counts exactly what the stations sent, refusing duplicates and unknown credentials', async () => {
    const { report, plan, stored, batches } = run;
    expect(report.refusedBatches).toBe(0);
    expect(report.mismatches).toEqual([]);
    expect(stored).toEqual({
      processedBatches: batches,
      credentialUses: plan.expected.accepted,
      ballots: plan.expected.accepted,
      duplicates: plan.expected.duplicates,
      invalid: plan.expected.invalid,
    });
    expect(run.replaysWithSameReceipt).toBe(plan.election.stations.length);
    expect(compare(plan.expected, await fetchResults(t.central.url, plan.election.id))).toEqual([]);
    expect(await t.central.ctx.services.broker.depths()).toEqual({ queued: 0, deadLettered: 0 });
  });

  it('kept the batch queue a quorum queue on the two surviving nodes, and on three once the node is back', async () => {
    const names = topologyNames(t.config.namespace);
    const [, second, third] = cluster.nodes;
    const during = await queueInfo(2, names.queue);
    expect(during?.type).toBe('quorum');
    expect([...(during?.members ?? [])].sort()).toEqual(cluster.nodes.map((n) => n.name).sort());
    expect([...(during?.online ?? [])].sort()).toEqual([second?.name, third?.name].sort());
    expect([second?.name, third?.name]).toContain(during?.leader);

    await cluster.start(1);
    let back: QueueInfo | undefined;
    for (let i = 0; i < 100; i += 1) {
      back = await queueInfo(1, names.queue);
      if (back?.online.length === 3) break;
      await sleep(200);
    }
    expect([...(back?.online ?? [])].sort()).toEqual(cluster.nodes.map((n) => n.name).sort());
    memory.afterRestart = await cluster.memory();
    console.log(
      JSON.stringify({
        bench: 'rabbitmq-cluster',
        nodes: 3,
        rssMiB: { idle: mib(memory.idle ?? []), underLoad: mib(memory.loaded ?? []), afterNodeRestart: mib(memory.afterRestart) },
        totalMiB: Math.round((memory.afterRestart.reduce((a, b) => a + b, 0) || 0) / 1048576),
      }),
    );
  });
});
