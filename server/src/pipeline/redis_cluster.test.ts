import { credentialHash, type Sha256Hex } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildDedup } from '../elections/store.ts';
import { compare, fetchResults } from '../simulate/run.ts';
import { startTestCentral, type TestCentral } from '../testing/central.ts';
import { runPipeline, type PipelineRun } from '../testing/pipeline_run.ts';
import { startRedisCluster, type TestRedisCluster } from '../testing/redis_cluster.ts';

/**
 * The pipeline on a real 3-master Redis Cluster (Debian redis-server processes on loopback,
 * joined by `redis-cli --cluster create`): credentials loaded, batches from many stations
 * checked and marked by the per-batch script, exact tallies, duplicates refused. The script
 * names both its keys, which share the station's hash tag, so a batch touches one slot; a
 * cluster answers CROSSSLOT to anything else, and bulk loads go key by key.
 */
let cluster: TestRedisCluster;
let t: TestCentral;
let run: PipelineRun;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  t = await startTestCentral({
    withValidator: true,
    env: { REDIS_URL: '', REDIS_CLUSTER_NODES: cluster.nodes.map((n) => n.url).join(','), WORKER_PREFETCH: '8' },
  });
  run = await runPipeline(t, { stations: 30, ballots: 3000, duplicateShare: 0.03, invalidShare: 0.02, batchSize: 25, concurrency: 12 });
}, 180_000);

afterAll(async () => {
  await t.stop();
  await cluster.stop();
}, 60_000);

/** Every key of the election's stations, with the node that holds it. */
async function clusterKeys(): Promise<{ port: number; key: string }[]> {
  const out: { port: number; key: string }[] = [];
  for (const node of cluster.nodes) {
    const keys = (await cluster.cli(node.port, '--scan', '--pattern', `{${t.config.namespace}:*`)).split('\n').filter((k) => k !== '');
    for (const key of keys) out.push({ port: node.port, key });
  }
  return out;
}

async function usedMarks(): Promise<number> {
  let total = 0;
  for (const { port, key } of await clusterKeys()) if (key.endsWith(':used')) total += Number(await cluster.cli(port, 'hlen', key));
  return total;
}

describe('the pipeline on a Redis Cluster', () => {
  it('runs on the cluster the configuration names', () => {
    expect(t.config.services?.redis).toEqual({ kind: 'cluster', nodes: cluster.nodes.map((n) => n.url) });
  });

  it('counts exactly what the stations sent, refusing duplicates and unknown credentials', async () => {
    const { report, plan, stored, batches } = run;
    expect(report.refusedBatches).toBe(0);
    expect(report.mismatches).toEqual([]);
    expect(report.shown.accepted).toBe(plan.expected.accepted);
    expect(stored).toEqual({
      processedBatches: batches,
      credentialUses: plan.expected.accepted,
      ballots: plan.expected.accepted,
      duplicates: plan.expected.duplicates,
      invalid: plan.expected.invalid,
    });
    expect(plan.expected.duplicates).toBeGreaterThan(0);
    expect(plan.expected.invalid).toBeGreaterThan(0);
    expect(run.replaysWithSameReceipt).toBe(plan.election.stations.length);
    expect(compare(plan.expected, await fetchResults(t.central.url, plan.election.id))).toEqual([]);
  });

  it('keeps each station’s two keys in one slot, with the stations spread over all three masters', async () => {
    const keys = await clusterKeys();
    const stations = run.plan.election.stations.map((s) => s.id);
    expect(keys).toHaveLength(stations.length * 2);
    for (const station of stations) {
      const mine = keys.filter((k) => k.key.includes(`:st:${station}}`));
      expect(mine.map((k) => k.key.slice(k.key.lastIndexOf(':') + 1)).sort()).toEqual(['used', 'valid']);
      const [valid, used] = mine as [(typeof mine)[0], (typeof mine)[0]];
      expect(valid.port).toBe(used.port);
      const slots = await Promise.all(mine.map(async (k) => (await cluster.cli(k.port, 'cluster', 'keyslot', k.key)).trim()));
      expect(new Set(slots).size).toBe(1);
    }
    expect(new Set(keys.map((k) => k.port)).size).toBe(3);
  });

  it('marked every first use in the cluster, by the per-batch script (no fallback to Postgres alone)', async () => {
    expect(await usedMarks()).toBe(run.plan.expected.accepted);
  });

  it('forgets an election and rebuilds it from Postgres on the cluster', async () => {
    const { dedup, db } = t.central.ctx.services;
    const election = run.plan.election.id;
    const stations = run.plan.election.stations.map((s) => s.id);
    await dedup.forget(election, stations);
    expect(await dedup.isLoaded(election)).toBe(false);
    expect(await clusterKeys()).toEqual([]);
    expect(await rebuildDedup(db, dedup, election)).toBe(run.plan.credentials.length);
    expect(await dedup.isLoaded(election)).toBe(true);
    expect(await usedMarks()).toBe(run.plan.expected.accepted);
    // The rebuilt store answers as before: every counted credential is now a duplicate.
    const first = run.plan.stations[0];
    if (first === undefined) throw new Error('no station');
    const registered = new Set(run.plan.credentials.filter((c) => c.station === first.station).map((c) => c.credential));
    const counted = [...new Set(first.envelopes.map((e) => credentialHash(e.credential)).filter((c) => registered.has(c)))].slice(0, 5);
    const verdicts = await dedup.checkAndMark(election, first.station, 'f'.repeat(64) as Sha256Hex, counted);
    expect(verdicts).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
  });
});
