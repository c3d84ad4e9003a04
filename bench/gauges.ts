/**
 * The monitoring gauges' queries (server/src/monitoring/election_gauges.ts) at national size, on
 * the real Postgres: the API runs them every SCRUTIN_MONITOR_INTERVAL_SECONDS all night. A
 * national night's database is filled faster than autovacuum analyzes it, so the tables are
 * measured as they are then, without statistics, and again after ANALYZE. The silent-stations
 * count is measured in its current form and in the form it replaced (a join of the stations
 * with every station's latest batch, kept here as `SILENT_STATIONS_BEFORE`), back to back on the
 * same tables, and both must give the same count.
 *
 * Sizes: BENCH_GAUGES_STATIONS (20,000), BENCH_GAUGES_BATCHES (76,000: the national night's).
 */
import { performance } from 'node:perf_hooks';
import { unwrap } from '@scrutin/shared';
import { countSilentStations, makePlan, migrate, postgresDatabase, saveElection, setElectionState } from '@scrutin/server';
import { createTestDatabase } from '@scrutin/server/testing';
import { printMachineOnce } from './machine.ts';
import { print } from './pipeline.ts';

/** The silent-stations query before the anti-join (commit 66efcdb), for the comparison. */
const SILENT_STATIONS_BEFORE = `WITH open AS (
       SELECT id FROM elections
        WHERE state = 'open'
          AND now() >= (definition->>'opensAt')::timestamptz + make_interval(secs => $1)
          AND now() < (definition->>'closesAt')::timestamptz
     ), last AS (
       SELECT b.election_id, b.station_id, max(b.received_at) AS at
         FROM batches b JOIN open o ON o.id = b.election_id
        GROUP BY b.election_id, b.station_id
     )
     SELECT count(*)::int AS silent
       FROM stations s
       JOIN open o ON o.id = s.election_id
       LEFT JOIN last l ON l.election_id = s.election_id AND l.station_id = s.station_id
      WHERE s.revoked_at IS NULL
        AND coalesce(l.at, '-infinity') < now() - make_interval(secs => $1)`;

const SILENT_AFTER_SECONDS = 600;

export async function benchGauges(): Promise<void> {
  const stations = Number(process.env.BENCH_GAUGES_STATIONS ?? 20_000);
  const batches = Number(process.env.BENCH_GAUGES_BATCHES ?? 76_000);
  await printMachineOnce();
  const testDb = await createTestDatabase();
  const db = postgresDatabase(testDb.url, 1, 'scrutin-bench');
  try {
    await migrate(db);
    // Statistics only when the benchmark asks for them, not whenever autovacuum wakes up.
    await db.query('ALTER TABLE batches SET (autovacuum_enabled = false)');
    await db.query('ALTER TABLE stations SET (autovacuum_enabled = false)');
    const election = makePlan({ stations, ballots: stations }).election;
    unwrap(await saveElection(db, election));
    await setElectionState(db, election.id, 'open');
    // The night's batches, spread over the stations, received over the last two hours: some
    // stations recent, some silent for longer than the threshold, 5 % with none at all.
    await db.query(
      `INSERT INTO batches (election_id, station_id, sequence, batch_hash, envelope_count, status, received_at)
       SELECT s.election_id, s.station_id, q, decode(md5(s.station_id || q::text), 'hex'), 100, 'processed',
              now() - random() * interval '2 hours'
         FROM (SELECT *, row_number() OVER (ORDER BY station_id) AS i FROM stations WHERE election_id = $1) s
         CROSS JOIN LATERAL generate_series(1, ($2::int + $3::int - 1) / $3::int) AS q
        WHERE s.i % 20 <> 0`,
      [election.id, batches, Math.floor(stations * 0.95)],
    );
    const counted = (await db.query<{ n: string }>('SELECT count(*)::text AS n FROM batches')).rows[0]?.n ?? '0';

    const timed = async <T>(work: () => Promise<T>, times: number): Promise<{ value: T; ms: number }> => {
      const runs: number[] = [];
      let value: T | undefined;
      for (let i = 0; i < times; i += 1) {
        const t0 = performance.now();
        value = await work();
        runs.push(performance.now() - t0);
      }
      runs.sort((a, b) => a - b);
      return { value: value as T, ms: Math.round((runs[Math.floor(runs.length / 2)] ?? 0) * 10) / 10 };
    };
    // Both forms in one transaction: the same now(), so the same stations are past the threshold.
    const measure = (beforeTimes: number) =>
      db.transaction(async (tx) => {
        const old = await timed(
          async () => (await tx.query<{ silent: number }>(SILENT_STATIONS_BEFORE, [SILENT_AFTER_SECONDS])).rows[0]?.silent ?? 0,
          beforeTimes,
        );
        const now = await timed(() => countSilentStations(tx, SILENT_AFTER_SECONDS), 5);
        return {
          silentStationsBeforeMs: old.ms,
          silentStationsMs: now.ms,
          speedUp: Math.round((old.ms / Math.max(0.01, now.ms)) * 10) / 10,
          sameCount: old.value === now.value,
          silent: now.value,
        };
      });
    // Without statistics the old form takes seconds to minutes: run once.
    const withoutStatistics = await measure(1);
    await db.query('ANALYZE');
    const withStatistics = await measure(5);
    print({
      bench: 'gauges',
      stations,
      batches: Number(counted),
      withoutStatistics,
      withStatistics,
    });
  } finally {
    await db.close();
    await testDb.drop();
  }
}
