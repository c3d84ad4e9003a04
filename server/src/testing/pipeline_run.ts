import { setTimeout as sleep } from 'node:timers/promises';
import { makePlan, type Plan, type PlanOptions } from '../simulate/plan.ts';
import { runPlan, runTarget, signAll, type RunReport } from '../simulate/run.ts';
import { StationClient } from '../simulate/station_client.ts';
import type { TestCentral } from './central.ts';
import { enrolmentToken, openElection } from './election_setup.ts';

/**
 * The whole pipeline once, for tests that change what it runs on (a Redis Cluster, a
 * RabbitMQ cluster): a generated election with duplicate and invalid credentials, every
 * station enrolled and sending its signed batches through the API, then each station's
 * first batch sent again (a replay: same receipt, counted once). It returns what the
 * results API showed and what Postgres holds, for the test to compare with the plan.
 */
export interface PipelineRun {
  readonly plan: Plan;
  readonly report: RunReport;
  readonly batches: number;
  readonly replaysWithSameReceipt: number;
  readonly stored: {
    readonly processedBatches: number;
    readonly credentialUses: number;
    readonly ballots: number;
    readonly duplicates: number;
    readonly invalid: number;
  };
}

export async function runPipeline(
  t: TestCentral,
  options: PlanOptions & { readonly batchSize: number; readonly concurrency: number },
): Promise<PipelineRun> {
  const { db } = t.central.ctx.services;
  const plan = makePlan(options);
  await openElection(t.central, plan.election, plan.credentials);
  const clients = new Map<string, StationClient>();
  for (const s of plan.election.stations) {
    const client = new StationClient(t.central.url, plan.election.id, s.id);
    await client.enrol(await enrolmentToken(t.central, plan.election.id, s.id));
    clients.set(s.id, client);
  }
  const signed = signAll(plan, clients, options.batchSize);
  const batches = [...signed.values()].reduce((n, b) => n + b.length, 0);
  const report = await runPlan(runTarget(plan), clients, signed, {
    url: t.central.url,
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    timeoutMs: 120_000,
  });

  let replaysWithSameReceipt = 0;
  for (const [station, list] of signed) {
    const first = list[0];
    const client = clients.get(station);
    if (first === undefined || client === undefined) continue;
    const [a, b] = [await client.send(first), await client.send(first)];
    if (a.kind === 'accepted' && b.kind === 'accepted' && JSON.stringify(a.receipt) === JSON.stringify(b.receipt))
      replaysWithSameReceipt += 1;
  }

  const count = async (sql: string) => Number((await db.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  // The results show every accepted ballot; a batch of only refused envelopes may still be on its way.
  const processed = () => count("SELECT count(*)::text AS n FROM batches WHERE status = 'processed'");
  for (let i = 0; i < 600 && (await processed()) < batches; i += 1) await sleep(100);
  return {
    plan,
    report,
    batches,
    replaysWithSameReceipt,
    stored: {
      processedBatches: await processed(),
      credentialUses: await count('SELECT count(*)::text AS n FROM credential_uses'),
      ballots: await count('SELECT count(*)::text AS n FROM ballots'),
      duplicates: await count("SELECT coalesce(sum(count), 0)::text AS n FROM rejected_envelopes WHERE reason = 'duplicate'"),
      invalid: await count("SELECT coalesce(sum(count), 0)::text AS n FROM rejected_envelopes WHERE reason = 'invalid-credential'"),
    },
  };
}
