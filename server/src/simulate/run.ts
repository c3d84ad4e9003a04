import { performance } from 'node:perf_hooks';
import { secrecyOf, splitIntoBatches, type SignedBatch } from '@scrutin/shared/node';
import type { Expected, Plan } from './plan.ts';
import { StationClient } from './station_client.ts';

/**
 * Sends a plan's envelopes as signed batches from every station concurrently (each
 * station's batches in order, as a real station does), retrying refusals that say "retry",
 * then waits until the results API shows every accepted ballot and compares the counts.
 */
export interface RunOptions {
  readonly url: string;
  readonly batchSize: number;
  readonly concurrency: number;
  /** Stop waiting for the results after this long. */
  readonly timeoutMs?: number;
}

export interface RunReport {
  readonly ballotsSent: number;
  readonly batchesSent: number;
  readonly refusedBatches: number;
  readonly sendSeconds: number;
  readonly endToEndSeconds: number;
  readonly apiBallotsPerSecond: number;
  readonly endToEndBallotsPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number };
  readonly shown: { readonly accepted: number };
  readonly expected: { readonly accepted: number; readonly duplicates: number; readonly invalid: number };
  readonly mismatches: readonly string[];
  readonly exact: boolean;
}

/** Signs every batch up front, so the measurement covers the pipeline, not the simulator. */
export function signAll(plan: Plan, clients: ReadonlyMap<string, StationClient>, batchSize: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of plan.stations) {
    const client = clients.get(s.station);
    if (client === undefined) throw new Error(`no client for ${s.station}`);
    const batches: string[] = [];
    // As a station does at close: batches of at least k, the last one final.
    const sizes = splitIntoBatches(s.envelopes.length, batchSize, secrecyOf(plan.election).anonymitySet);
    let at = 0;
    sizes.forEach((size, i) => {
      const batch: SignedBatch = client.nextBatch(s.envelopes.slice(at, at + size), i === sizes.length - 1);
      at += size;
      batches.push(JSON.stringify(batch));
    });
    out.set(s.station, batches);
  }
  return out;
}

/** What a run needs of its plan once every batch is signed: the election, the envelope count and the expected counts. */
export interface RunTarget {
  readonly election: Pick<Plan['election'], 'id'>;
  readonly envelopes: number;
  readonly expected: Expected;
}

export function runTarget(plan: Plan): RunTarget {
  return {
    election: { id: plan.election.id },
    envelopes: plan.stations.reduce((n, s) => n + s.envelopes.length, 0),
    expected: plan.expected,
  };
}

export async function runPlan(
  plan: RunTarget,
  clients: ReadonlyMap<string, StationClient>,
  signed: ReadonlyMap<string, readonly string[]>,
  options: RunOptions,
): Promise<RunReport> {
  const latencies: number[] = [];
  let refused = 0;
  let batchesSent = 0;
  const queue = [...signed.entries()];
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const next = queue.shift();
      if (next === undefined) return;
      const [station, batches] = next;
      const client = clients.get(station);
      if (client === undefined) throw new Error(`no client for ${station}`);
      for (const batch of batches) {
        for (let attempt = 1; ; attempt += 1) {
          const t0 = performance.now();
          const outcome = await client
            .send(batch)
            .catch((error: unknown) => ({ kind: 'refused' as const, status: 0, code: 'network', message: String(error) }));
          latencies.push(performance.now() - t0);
          batchesSent += 1;
          if (outcome.kind === 'accepted') break;
          if ((outcome.status === 503 || outcome.status === 429 || outcome.status === 0) && attempt < 20) {
            await new Promise((r) => setTimeout(r, 100 * attempt));
            continue;
          }
          refused += 1;
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const sendSeconds = (performance.now() - started) / 1000;

  // Waits on the turnout (one small query) rather than the full results, which the API
  // tabulates afresh on every request: polling those ten times a second would bill the
  // pipeline for the load generator's curiosity. Turnout and tallies commit together, so
  // once the turnout shows every ballot the results do too.
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  while (Date.now() < deadline) {
    if ((await fetchTurnout(options.url, plan.election.id)) >= plan.expected.accepted) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const endToEndSeconds = (performance.now() - started) / 1000;
  const results: ResultsView | null = await fetchResults(options.url, plan.election.id).catch(() => null);
  const shown = results?.turnout.ballots ?? 0;
  const ballotsSent = plan.envelopes;
  const mismatches = results === null ? ['no results'] : compare(plan.expected, results);
  if (shown !== plan.expected.accepted) mismatches.unshift(`results show ${shown} ballots, ${plan.expected.accepted} expected`);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round((latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0) * 10) / 10;
  return {
    ballotsSent,
    batchesSent,
    refusedBatches: refused,
    sendSeconds,
    endToEndSeconds,
    apiBallotsPerSecond: Math.round(ballotsSent / sendSeconds),
    endToEndBallotsPerSecond: Math.round(plan.expected.accepted / endToEndSeconds),
    latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99) },
    shown: { accepted: shown },
    expected: { accepted: plan.expected.accepted, duplicates: plan.expected.duplicates, invalid: plan.expected.invalid },
    mismatches,
    exact: mismatches.length === 0,
  };
}

export interface ResultsView {
  readonly turnout: { readonly ballots: number };
  readonly ridings: readonly {
    readonly contest: string;
    readonly race:
      | {
          readonly kind: 'plurality';
          readonly result: {
            readonly standings: readonly { readonly candidate: string; readonly votes: number }[];
            readonly blank: number;
          };
        }
      | {
          readonly kind: 'irv';
          readonly result: {
            readonly rounds: readonly { readonly tally: Record<string, number> }[];
            readonly summary: { readonly undervotes: number };
          };
        }
      | { readonly kind: 'no-votes' | 'irv-error' };
  }[];
  readonly referendums: readonly {
    readonly contest: string;
    readonly national: { readonly counts: { readonly oui: number; readonly non: number; readonly blank: number } };
  }[];
}

async function fetchTurnout(url: string, election: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/elections/${election}/turnout`);
  if (!response.ok) throw new Error(`turnout API answered ${response.status}`);
  return ((await response.json()) as { total: { ballots: number } }).total.ballots;
}

export async function fetchResults(url: string, election: string): Promise<ResultsView> {
  const response = await fetch(`${url}/api/v1/elections/${election}/results`);
  if (!response.ok) throw new Error(`results API answered ${response.status}`);
  return (await response.json()) as ResultsView;
}

/** Every count the results show against what the stations sent. */
export function compare(expected: Expected, results: ResultsView): string[] {
  const problems: string[] = [];
  const check = (what: string, shown: number, want: number) => {
    if (shown !== want) problems.push(`${what}: shown ${shown}, sent ${want}`);
  };
  for (const q of results.referendums) {
    const want = expected.counts.get(q.contest) ?? new Map<string, number>();
    check(`${q.contest} oui`, q.national.counts.oui, want.get('oui') ?? 0);
    check(`${q.contest} non`, q.national.counts.non, want.get('non') ?? 0);
    check(`${q.contest} blank`, q.national.counts.blank, want.get('') ?? 0);
  }
  for (const r of results.ridings) {
    if (r.race.kind === 'plurality') {
      const want = expected.counts.get(r.contest) ?? new Map<string, number>();
      for (const s of r.race.result.standings) check(`${r.contest} ${s.candidate}`, s.votes, want.get(s.candidate) ?? 0);
      check(`${r.contest} blank`, r.race.result.blank, want.get('') ?? 0);
    } else if (r.race.kind === 'irv') {
      const want = expected.firstPreferences.get(r.contest) ?? new Map<string, number>();
      const first = r.race.result.rounds[0]?.tally ?? {};
      for (const [candidate, votes] of Object.entries(first)) check(`${r.contest} ${candidate} (round 1)`, votes, want.get(candidate) ?? 0);
      check(`${r.contest} blank`, r.race.result.summary.undervotes, want.get('') ?? 0);
    } else if (expected.counts.has(r.contest) || expected.firstPreferences.has(r.contest)) {
      problems.push(`${r.contest}: ${r.race.kind}`);
    }
  }
  return problems;
}
