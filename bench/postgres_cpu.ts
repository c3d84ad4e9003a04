/**
 * Where Postgres's CPU and write-ahead log go during a benchmark (issue 15: the national night's
 * Postgres cost per ballot is many times the short pipeline bench's), over a measured phase:
 *
 * - **CPU by role**: every Postgres process's user and system time from /proc, sampled once a
 *   second and labelled by `pg_stat_activity`: a client connection by its application_name (the
 *   API's `scrutin-api`, the validators' `scrutin-worker`, the CLI's `scrutin-import`, the
 *   benchmark's own), a background process by its type (autovacuum worker, checkpointer,
 *   walwriter…). A process is counted up to its last sample (connection pools close idle
 *   connections, autovacuum workers come and go); what processes did after their last sample,
 *   or in a life shorter than a second, is one figure, `unseen`: the postmaster collects every
 *   ended child's time (`cutime`/`cstime`) when it reaps it, less what the samples saw.
 * - **Statements**: with the `pg_stat_statements` extension loaded (shared_preload_libraries),
 *   the statements of this database by total execution time, with their calls, rows and WAL
 *   bytes; execution time includes waits on locks, so it ranks, it does not add up to the CPU.
 * - **WAL and maintenance**: `pg_stat_wal` (records, full-page images, bytes), checkpoints and
 *   the buffers they wrote (`pg_stat_bgwriter`), and autovacuum and autoanalyze runs
 *   (`pg_stat_user_tables`).
 *
 * Linux only (/proc), run on a quiet machine: every figure is the whole server's.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { postgresDatabase } from '@scrutin/server';

type Database = ReturnType<typeof postgresDatabase>;

/** utime + stime, cutime + cstime and the parent's pid of a process, in seconds; null once it has ended. */
function procStat(pid: number): { own: number; ended: number; parent: number } | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return {
      own: (Number(fields[11]) + Number(fields[12])) / 100,
      ended: (Number(fields[13]) + Number(fields[14])) / 100,
      parent: Number(fields[1]),
    };
  } catch {
    return null;
  }
}

interface Seen {
  readonly label: string;
  /** CPU seconds at the first sample (0 for a process that started after the sampler). */
  readonly first: number;
  last: number;
  /** Whether the process was still there at the latest sample. */
  alive: boolean;
}

/**
 * Postgres's CPU by role, from /proc and pg_stat_activity sampled every `intervalMs` until
 * `stop()`. The sampler's own query (one a second) is counted under the benchmark's connection.
 */
export class PostgresCpuSampler {
  private readonly seen = new Map<number, Seen>();
  private postmasterPid: number | null = null;
  private postmasterStart = { own: 0, ended: 0 };
  private readonly stopping = new AbortController();
  private running: Promise<void> | null = null;

  private constructor(private readonly db: Database) {}

  static async start(db: Database, intervalMs = 1000): Promise<PostgresCpuSampler> {
    const sampler = new PostgresCpuSampler(db);
    await sampler.sample(true);
    sampler.running = (async () => {
      while (!sampler.stopping.signal.aborted) {
        await sleep(intervalMs, undefined, { signal: sampler.stopping.signal, ref: false }).catch(() => undefined);
        await sampler.sample(false).catch(() => undefined);
      }
    })();
    return sampler;
  }

  private async sample(initial: boolean): Promise<void> {
    const { rows } = await this.db.query<{ pid: number; label: string }>(
      `SELECT pid, CASE WHEN backend_type = 'client backend' THEN coalesce(nullif(application_name, ''), 'other client')
                        ELSE backend_type END AS label
         FROM pg_stat_activity`,
    );
    const present = new Set<number>();
    for (const { pid, label } of rows) {
      const stat = procStat(pid);
      if (stat === null) continue;
      present.add(pid);
      this.postmasterPid ??= stat.parent;
      const known = this.seen.get(pid);
      if (known === undefined) this.seen.set(pid, { label, first: initial ? stat.own : 0, last: stat.own, alive: true });
      else known.last = stat.own;
    }
    for (const [pid, s] of this.seen) if (!present.has(pid)) s.alive = false;
    if (initial && this.postmasterPid !== null) {
      const postmaster = procStat(this.postmasterPid);
      this.postmasterStart = { own: postmaster?.own ?? 0, ended: postmaster?.ended ?? 0 };
    }
  }

  /** CPU seconds by role since the start, and `unseen` (see the file's header). */
  async stop(): Promise<Record<string, number>> {
    await this.sample(false);
    this.stopping.abort();
    await this.running;
    const cpu = new Map<string, number>();
    const add = (label: string, seconds: number) => cpu.set(label, (cpu.get(label) ?? 0) + seconds);
    // An ended process's whole life is in the postmaster's cutime: what the samples saw of it
    // before the start, and since, is taken out of `unseen`.
    let endedSeen = 0;
    for (const s of this.seen.values()) {
      add(s.label, s.last - s.first);
      if (!s.alive) endedSeen += s.last;
    }
    const postmaster = this.postmasterPid === null ? null : procStat(this.postmasterPid);
    add('postmaster', (postmaster?.own ?? 0) - this.postmasterStart.own);
    add('unseen', (postmaster?.ended ?? 0) - this.postmasterStart.ended - endedSeen);
    return Object.fromEntries(cpu);
  }
}

/** The server's WAL, checkpoint and autovacuum counters, and whether pg_stat_statements is there. */
export interface PostgresCounters {
  readonly wal: { readonly records: number; readonly fullPageImages: number; readonly bytes: number };
  readonly checkpoints: number;
  readonly checkpointBuffers: number;
  readonly backendBuffers: number;
  readonly autovacuums: number;
  readonly autoanalyzes: number;
  readonly statements: boolean;
}

/** Whether pg_stat_statements is loaded (shared_preload_libraries); installs it in this database if so. */
async function statementsAvailable(db: Database): Promise<boolean> {
  const { rows } = await db.query<{ on: boolean }>(
    "SELECT 'pg_stat_statements' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) AS on",
  );
  if (rows[0]?.on !== true) return false;
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return true;
}

/** The counters now; `resetStatements` empties pg_stat_statements first (the measured phase starts). */
export async function postgresCounters(db: Database, options: { readonly resetStatements?: boolean } = {}): Promise<PostgresCounters> {
  const statements = await statementsAvailable(db);
  if (statements && options.resetStatements === true) await db.query('SELECT pg_stat_statements_reset()');
  const { rows } = await db.query<
    Record<'records' | 'fpi' | 'bytes' | 'checkpoints' | 'buffers' | 'backend' | 'vacuums' | 'analyzes', string>
  >(
    `SELECT w.wal_records::text AS records, w.wal_fpi::text AS fpi, w.wal_bytes::text AS bytes,
            (b.checkpoints_timed + b.checkpoints_req)::text AS checkpoints, b.buffers_checkpoint::text AS buffers,
            b.buffers_backend::text AS backend,
            (SELECT coalesce(sum(autovacuum_count), 0) FROM pg_stat_user_tables)::text AS vacuums,
            (SELECT coalesce(sum(autoanalyze_count), 0) FROM pg_stat_user_tables)::text AS analyzes
       FROM pg_stat_wal w, pg_stat_bgwriter b`,
  );
  const r = rows[0];
  const n = (v: string | undefined) => Number(v ?? 0);
  return {
    wal: { records: n(r?.records), fullPageImages: n(r?.fpi), bytes: n(r?.bytes) },
    checkpoints: n(r?.checkpoints),
    checkpointBuffers: n(r?.buffers),
    backendBuffers: n(r?.backend),
    autovacuums: n(r?.vacuums),
    autoanalyzes: n(r?.analyzes),
    statements,
  };
}

export interface StatementFigures {
  readonly query: string;
  readonly calls: number;
  readonly shareOfExecution: number;
  readonly meanMs: number;
  readonly rowsPerCall: number;
  readonly walBytesPerBallot: number;
}

export interface PostgresBreakdown {
  /** µs of Postgres CPU a ballot by role, largest first. */
  readonly cpuMicrosecondsPerBallot: Record<string, number>;
  readonly walBytesPerBallot: number;
  readonly walRecordsPerBallot: number;
  readonly fullPageImageShareOfRecords: number;
  readonly checkpoints: number;
  readonly checkpointBuffers: number;
  readonly backendBuffers: number;
  readonly autovacuums: number;
  readonly autoanalyzes: number;
  /** The statements of this database with the most execution time (null without pg_stat_statements). */
  readonly statements: readonly StatementFigures[] | null;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Per ballot: the CPU a sampler measured, and the counters' change from `before` to now. */
export async function postgresBreakdown(
  db: Database,
  cpuSeconds: Record<string, number>,
  before: PostgresCounters,
  ballots: number,
  topStatements = 12,
): Promise<PostgresBreakdown> {
  const after = await postgresCounters(db);
  const per = (n: number) => n / Math.max(1, ballots);
  const records = after.wal.records - before.wal.records;
  let statements: StatementFigures[] | null = null;
  if (after.statements) {
    const { rows } = await db.query<{ query: string; calls: string; total: number; rows: string; wal: string }>(
      `SELECT query, calls::text AS calls, total_exec_time AS total, rows::text AS rows, wal_bytes::text AS wal
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time DESC`,
    );
    const total = rows.reduce((n, r) => n + r.total, 0);
    statements = rows.slice(0, topStatements).map((r) => ({
      query: r.query.replace(/\s+/g, ' ').slice(0, 120),
      calls: Number(r.calls),
      shareOfExecution: round(r.total / Math.max(1e-9, total), 3),
      meanMs: round(r.total / Math.max(1, Number(r.calls)), 2),
      rowsPerCall: round(Number(r.rows) / Math.max(1, Number(r.calls))),
      walBytesPerBallot: round(per(Number(r.wal))),
    }));
  }
  return {
    cpuMicrosecondsPerBallot: Object.fromEntries(
      Object.entries(cpuSeconds)
        .map(([label, seconds]) => [label, round(per(seconds * 1e6))] as const)
        .filter(([, micros]) => micros !== 0)
        .sort((a, b) => b[1] - a[1]),
    ),
    walBytesPerBallot: round(per(after.wal.bytes - before.wal.bytes)),
    walRecordsPerBallot: round(per(records), 2),
    fullPageImageShareOfRecords: round((after.wal.fullPageImages - before.wal.fullPageImages) / Math.max(1, records), 3),
    checkpoints: after.checkpoints - before.checkpoints,
    checkpointBuffers: after.checkpointBuffers - before.checkpointBuffers,
    backendBuffers: after.backendBuffers - before.backendBuffers,
    autovacuums: after.autovacuums - before.autovacuums,
    autoanalyzes: after.autoanalyzes - before.autoanalyzes,
    statements,
  };
}
