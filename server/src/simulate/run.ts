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
export function signAll(
  plan: Omit<Plan, 'credentials'>,
  clients: ReadonlyMap<string, StationClient>,
  batchSize: number,
): Map<string, string[]> {
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
  /**
   * The results before the run, in an election that already has votes (`--election`): the
   * report compares what the run added to them.
   */
  readonly baseline?: ResultsView;
}

export function runTarget(plan: Omit<Plan, 'credentials'>, baseline?: ResultsView): RunTarget {
  return {
    election: { id: plan.election.id },
    envelopes: plan.stations.reduce((n, s) => n + s.envelopes.length, 0),
    expected: plan.expected,
    ...(baseline === undefined ? {} : { baseline }),
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
  const before = plan.baseline?.turnout.ballots ?? 0;
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  while (Date.now() < deadline) {
    if ((await fetchTurnout(options.url, plan.election.id)) >= before + plan.expected.accepted) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const endToEndSeconds = (performance.now() - started) / 1000;
  // The results API may answer from its cache for a moment (the baseline's request filled it): wait for it too.
  let results: ResultsView | null = await fetchResults(options.url, plan.election.id).catch(() => null);
  while (results !== null && results.turnout.ballots < before + plan.expected.accepted && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    results = await fetchResults(options.url, plan.election.id).catch(() => null);
  }
  const shown = (results?.turnout.ballots ?? 0) - before;
  const ballotsSent = plan.envelopes;
  const mismatches = results === null ? ['no results'] : compare(plan.expected, results, plan.baseline);
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

/** One count the results show: its label, its contest and option ('' blank), and how it was counted. */
interface ShownCount {
  readonly what: string;
  readonly contest: string;
  readonly option: string;
  readonly counted: 'counts' | 'firstPreferences';
  readonly votes: number;
}

function shownCounts(results: ResultsView): ShownCount[] {
  const out: ShownCount[] = [];
  for (const q of results.referendums) {
    const { oui, non, blank } = q.national.counts;
    out.push({ what: `${q.contest} oui`, contest: q.contest, option: 'oui', counted: 'counts', votes: oui });
    out.push({ what: `${q.contest} non`, contest: q.contest, option: 'non', counted: 'counts', votes: non });
    out.push({ what: `${q.contest} blank`, contest: q.contest, option: '', counted: 'counts', votes: blank });
  }
  for (const r of results.ridings) {
    if (r.race.kind === 'plurality') {
      for (const s of r.race.result.standings)
        out.push({ what: `${r.contest} ${s.candidate}`, contest: r.contest, option: s.candidate, counted: 'counts', votes: s.votes });
      out.push({ what: `${r.contest} blank`, contest: r.contest, option: '', counted: 'counts', votes: r.race.result.blank });
    } else if (r.race.kind === 'irv') {
      for (const [candidate, votes] of Object.entries(r.race.result.rounds[0]?.tally ?? {}))
        out.push({
          what: `${r.contest} ${candidate} (round 1)`,
          contest: r.contest,
          option: candidate,
          counted: 'firstPreferences',
          votes,
        });
      const blank = r.race.result.summary.undervotes;
      out.push({ what: `${r.contest} blank`, contest: r.contest, option: '', counted: 'firstPreferences', votes: blank });
    }
  }
  return out;
}

/**
 * Every count the results show against what the stations sent; with a baseline (the results
 * before the run), what the run added to each count.
 */
export function compare(expected: Expected, results: ResultsView, baseline?: ResultsView): string[] {
  const problems: string[] = [];
  const before = new Map((baseline === undefined ? [] : shownCounts(baseline)).map((c) => [c.what, c.votes]));
  for (const c of shownCounts(results)) {
    const shown = c.votes - (before.get(c.what) ?? 0);
    const want = expected[c.counted].get(c.contest)?.get(c.option) ?? 0;
    if (shown !== want) problems.push(`${c.what}: shown ${shown}, sent ${want}`);
  }
  for (const r of results.ridings) {
    if (
      (r.race.kind === 'no-votes' || r.race.kind === 'irv-error') &&
      (expected.counts.has(r.contest) || expected.firstPreferences.has(r.contest))
    )
      problems.push(`${r.contest}: ${r.race.kind}`);
  }
  return problems;
}
