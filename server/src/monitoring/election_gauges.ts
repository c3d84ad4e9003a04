import type { Queryable } from '../db/database.ts';
import { STATION_PENDING } from '../elections/lifecycle.ts';
import type { EventLogger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';

/**
 * Gauges read from Postgres on an interval by the API (not on scrape: several Prometheus
 * servers scraping several replicas must not multiply the queries). Each is one count over
 * every election, never a label per station or election.
 */

/**
 * Stations silent for too long: stations (not revoked) of elections that are open and within
 * their polling hours, whose last batch arrived more than `silentAfterSeconds` ago, or that
 * have sent none, once the polls have been open that long. Stations send a batch as soon as
 * they have ballots and are online, so an hour without one in the daytime is worth a call.
 */
export async function countSilentStations(db: Queryable, silentAfterSeconds: number): Promise<number> {
  const { rows } = await db.query<{ silent: number }>(
    `WITH open AS (
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
        AND coalesce(l.at, '-infinity') < now() - make_interval(secs => $1)`,
    [silentAfterSeconds],
  );
  return rows[0]?.silent ?? 0;
}

/**
 * Closed elections whose certification the officials' API would refuse now without an override
 * (the rule of \`POST /admin/elections/:id/state\` to \`certified\`): a station never reported,
 * has not closed its polls, has a batch received but not processed, or a gap in its sequence.
 */
export async function countCertificationBlocked(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ blocked: number }>(
    `SELECT count(*)::int AS blocked
       FROM elections e
      WHERE e.state = 'closed'
        AND EXISTS (SELECT 1
                      FROM stations s
                      LEFT JOIN batches b ON b.election_id = s.election_id AND b.station_id = s.station_id
                     WHERE s.election_id = e.id
                     GROUP BY s.station_id
                    HAVING ${STATION_PENDING})`,
  );
  return rows[0]?.blocked ?? 0;
}

export interface ElectionGaugeOptions {
  readonly db: Queryable;
  readonly metrics: Metrics;
  readonly log: EventLogger;
  readonly intervalMs: number;
  readonly silentAfterSeconds: number;
}

/** Refreshes the gauges now and every `intervalMs`; a failed refresh keeps the last values. */
export function startElectionGauges(options: ElectionGaugeOptions): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let failing = false;
  const refresh = async () => {
    try {
      const [silent, blocked] = await Promise.all([
        countSilentStations(options.db, options.silentAfterSeconds),
        countCertificationBlocked(options.db),
      ]);
      options.metrics.stationsSilent.set(silent);
      options.metrics.certificationBlocked.set(blocked);
      if (failing) options.log('monitoring.refresh_recovered');
      failing = false;
    } catch (error) {
      if (!failing) options.log('monitoring.refresh_failed', { error: error instanceof Error ? error.message : String(error) });
      failing = true;
    }
  };
  const tick = () => {
    // A refresh slower than the interval is not stacked behind another one.
    running ??= refresh().finally(() => {
      running = null;
    });
  };
  tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
