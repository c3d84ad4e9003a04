import type { ElectionId, StationId } from '@scrutin/shared';
import { REJECTION_REASONS, type Alert, type RejectionReason, type Rejections, type StationHealth } from '@scrutin/shared/api';
import type { Queryable } from '../db/database.ts';

/**
 * The monitoring read models officials watch on election night (docs/operators.md): every
 * station's sync health, the alerts, and the envelopes the validator refused. Set-based
 * queries over small tables; none reads a ballot or a credential.
 */

export interface AlertPage {
  readonly alerts: readonly Alert[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  readonly next: number | null;
}

/** The election's alerts, newest first, `limit` at a time, before alert id `before` (keyset pagination). */
export async function alertPage(
  db: Queryable,
  election: ElectionId,
  page: { readonly limit: number; readonly before?: number | undefined },
): Promise<AlertPage> {
  const { rows } = await db.query<{ id: string; station_id: StationId | null; kind: string; detail: unknown; raised_at: Date | string }>(
    `SELECT a.id::text AS id, a.station_id, a.kind, a.detail, a.raised_at FROM alerts a
      WHERE a.election_id = $1 AND ($2::bigint IS NULL OR a.id < $2::bigint)
      ORDER BY a.id DESC LIMIT $3`,
    [election, page.before ?? null, page.limit + 1],
  );
  const alerts = rows
    .slice(0, page.limit)
    .map((r) => ({ id: Number(r.id), station: r.station_id, kind: r.kind, detail: r.detail, raisedAt: isoOf(r.raised_at) }));
  return { alerts, next: rows.length > page.limit ? (alerts.at(-1)?.id ?? null) : null };
}

/** Refused envelopes by reason, per station and per riding, over time in buckets of `bucketMinutes`. */
export async function rejections(db: Queryable, election: ElectionId, bucketMinutes: number): Promise<Omit<Rejections, 'election'>> {
  return { ...(await rejectionCounts(db, election)), ...(await rejectionTimeline(db, election, bucketMinutes)) };
}

interface StationHealthRow {
  readonly station: StationId;
  readonly riding: string;
  readonly enrolled_at: Date | string | null;
  readonly revoked_at: Date | string | null;
  readonly last_sync_at: Date | string | null;
  readonly received: number;
  readonly processed: number;
  readonly highest: number;
  readonly closed: boolean;
  readonly alerts: number;
}

/** Every station of the election with its sync health: three set-based queries, whatever the number of stations. */
export async function stationHealth(db: Queryable, election: ElectionId): Promise<StationHealth[]> {
  const { rows } = await db.query<StationHealthRow>(
    `SELECT s.station_id AS station, s.riding, s.enrolled_at, s.revoked_at,
            b.last_sync_at, coalesce(b.received, 0) AS received, coalesce(b.processed, 0) AS processed,
            coalesce(b.highest, 0) AS highest, coalesce(b.closed, false) AS closed, coalesce(a.alerts, 0) AS alerts
       FROM stations s
       LEFT JOIN (SELECT station_id, max(received_at) AS last_sync_at, count(*)::int AS received,
                         (count(*) FILTER (WHERE status = 'processed'))::int AS processed, max(sequence) AS highest,
                         bool_or(final) AS closed
                    FROM batches WHERE election_id = $1 GROUP BY station_id) b ON b.station_id = s.station_id
       LEFT JOIN (SELECT station_id, count(*)::int AS alerts
                    FROM alerts WHERE election_id = $1 AND station_id IS NOT NULL GROUP BY station_id) a ON a.station_id = s.station_id
      WHERE s.election_id = $1
      ORDER BY s.station_id`,
    [election],
  );
  const gaps = await db.query<{ station: string; gap_from: number; gap_to: number }>(
    `SELECT station_id AS station, previous + 1 AS gap_from, sequence - 1 AS gap_to
       FROM (SELECT station_id, sequence, coalesce(lag(sequence) OVER (PARTITION BY station_id ORDER BY sequence), 0) AS previous
               FROM batches WHERE election_id = $1) g
      WHERE sequence > previous + 1
      ORDER BY station_id, sequence`,
    [election],
  );
  const gapsOf = new Map<string, { from: number; to: number }[]>();
  for (const g of gaps.rows) {
    const list = gapsOf.get(g.station) ?? [];
    list.push({ from: g.gap_from, to: g.gap_to });
    gapsOf.set(g.station, list);
  }
  return rows.map((r) => {
    const missing = gapsOf.get(r.station) ?? [];
    return {
      station: r.station,
      riding: r.riding,
      enrolled: r.enrolled_at !== null,
      enrolledAt: iso(r.enrolled_at),
      revoked: r.revoked_at !== null,
      revokedAt: iso(r.revoked_at),
      lastSyncAt: iso(r.last_sync_at),
      batches: { received: r.received, processed: r.processed, pending: r.received - r.processed },
      highestSequence: r.highest,
      closed: r.closed,
      missingSequences: missing,
      missingCount: missing.reduce((n, g) => n + g.to - g.from + 1, 0),
      alerts: r.alerts,
    };
  });
}

async function rejectionCounts(db: Queryable, election: ElectionId) {
  const { rows } = await db.query<{ station: StationId; reason: RejectionReason; count: string }>(
    'SELECT station_id AS station, reason, count::text AS count FROM rejected_envelopes WHERE election_id = $1 ORDER BY station_id, reason',
    [election],
  );
  const zero = (): Record<RejectionReason, number> => ({ 'invalid-credential': 0, 'wrong-station': 0, duplicate: 0, 'invalid-ballot': 0 });
  const totals = zero();
  const byStation = new Map<StationId, Record<RejectionReason, number>>();
  for (const r of rows) {
    const n = Number(r.count);
    const counts = byStation.get(r.station) ?? zero();
    counts[r.reason] += n;
    byStation.set(r.station, counts);
    totals[r.reason] += n;
  }
  const dup = await db.query<{ credentials: string; attempts: string }>(
    'SELECT count(*)::text AS credentials, coalesce(sum(attempts), 0)::text AS attempts FROM duplicate_attempts WHERE election_id = $1',
    [election],
  );
  const d = dup.rows[0];
  return {
    totals: { ...totals, all: REJECTION_REASONS.reduce((n, reason) => n + totals[reason], 0) },
    stations: [...byStation].map(([station, counts]) => ({
      station,
      ...counts,
      all: REJECTION_REASONS.reduce((n, reason) => n + counts[reason], 0),
    })),
    /** Second and later uses of an already used credential (never tallied); no hash is shown. */
    duplicateAttempts: { credentials: Number(d?.credentials ?? 0), attempts: Number(d?.attempts ?? 0) },
  };
}

/**
 * Rejections over time and by riding: per batch, the validator records how many envelopes it
 * refused as duplicates and as invalid, and when; buckets of `bucketMinutes` minutes.
 */
async function rejectionTimeline(db: Queryable, election: ElectionId, bucketMinutes: number) {
  const { rows } = await db.query<{ at: Date | string; accepted: string; duplicates: string; invalid: string }>(
    `SELECT date_bin(make_interval(mins => $2::int), processed_at, timestamptz '2000-01-01') AS at,
            sum(accepted)::text AS accepted, sum(duplicates)::text AS duplicates, sum(invalid)::text AS invalid
       FROM batches WHERE election_id = $1 AND status = 'processed'
      GROUP BY 1 ORDER BY 1`,
    [election, bucketMinutes],
  );
  const ridings = await db.query<{ riding: string; reason: RejectionReason; count: string }>(
    `SELECT s.riding, r.reason, sum(r.count)::text AS count
       FROM rejected_envelopes r JOIN stations s ON s.election_id = r.election_id AND s.station_id = r.station_id
      WHERE r.election_id = $1 GROUP BY s.riding, r.reason ORDER BY s.riding`,
    [election],
  );
  const byRiding = new Map<string, Record<RejectionReason, number>>();
  for (const r of ridings.rows) {
    const counts = byRiding.get(r.riding) ?? { 'invalid-credential': 0, 'wrong-station': 0, duplicate: 0, 'invalid-ballot': 0 };
    counts[r.reason] += Number(r.count);
    byRiding.set(r.riding, counts);
  }
  return {
    bucketMinutes,
    timeline: rows.map((r) => ({
      at: isoOf(r.at),
      accepted: Number(r.accepted),
      duplicates: Number(r.duplicates),
      invalid: Number(r.invalid),
    })),
    ridings: [...byRiding].map(([riding, counts]) => ({
      riding,
      ...counts,
      all: REJECTION_REASONS.reduce((n, reason) => n + counts[reason], 0),
    })),
  };
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

function isoOf(value: Date | string): string {
  return new Date(value).toISOString();
}
