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
 * their polling hours, none of whose batches arrived in the last `silentAfterSeconds` (so also
 * those that have sent none, once the polls have been open that long). Stations send a batch as
 * soon as they have ballots and are online, so an hour without one in the daytime is worth a call.
 *
 * An anti-join, one probe of the batches' primary key per station: the first form, a join of
 * the stations with every station's latest batch, was planned on election night (tables filled
 * since their last ANALYZE) as a nested loop that compared each station with every station's
 * aggregate: 20 s a refresh at 20,000 stations and 76,000 batches, one of Postgres's cores
 * busy with it all night (docs/benchmarks.md, "Where Postgres's time goes on election night").
 */
export async function countSilentStations(db: Queryable, silentAfterSeconds: number): Promise<number> {
  const { rows } = await db.query<{ silent: number }>(
    `SELECT count(*)::int AS silent
       FROM elections e
       JOIN stations s ON s.election_id = e.id
      WHERE e.state = 'open'
        AND now() >= (e.definition->>'opensAt')::timestamptz + make_interval(secs => $1)
        AND now() < (e.definition->>'closesAt')::timestamptz
        AND s.revoked_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM batches b
                         WHERE b.election_id = s.election_id AND b.station_id = s.station_id
                           AND b.received_at >= now() - make_interval(secs => $1))`,
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
