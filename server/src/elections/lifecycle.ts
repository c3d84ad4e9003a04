import { err, ok, type ElectionId, type Result, type StationId } from '@scrutin/shared';
import { nextState, type ElectionState, type PendingStation, type StateChangeRequest } from '@scrutin/shared/api';
import type { Database, Queryable } from '../db/database.ts';
import { recordAudit } from '../officials/audit.ts';
import { setElectionState } from './store.ts';

/**
 * An election's lifecycle (the contract's `LIFECYCLE`: draft → open → closed → certified,
 * never back), applied in one transaction with its audit entries. Certification waits until
 * every station of the election is closed and its count complete (final batch received, every
 * batch processed, none missing), unless an admin overrides with a reason: the override is
 * logged with the stations it covers, and shown with the results.
 */

/**
 * Credentials may be loaded or generated only while an election is a draft: they are frozen
 * once it opens, so nobody can add a voter (or a second card for one) during the vote.
 */
export function acceptsCredentials(state: ElectionState): boolean {
  return state === 'draft';
}

export type StateChangeError =
  | { readonly kind: 'unknown-election' }
  | {
      readonly kind: 'invalid-transition';
      readonly from: ElectionState;
      readonly to: ElectionState;
      readonly allowed: ElectionState | null;
    }
  | { readonly kind: 'batches-pending'; readonly stations: readonly PendingStation[] };

export interface StateChanged {
  readonly from: ElectionState;
  /** The stations whose incomplete count an override certified over (empty without one). */
  readonly overridden: readonly PendingStation[];
}

export async function changeElectionState(
  db: Database,
  election: ElectionId,
  change: StateChangeRequest,
  actor: string,
): Promise<Result<StateChanged, StateChangeError>> {
  return db.transaction(async (tx): Promise<Result<StateChanged, StateChangeError>> => {
    const { rows } = await tx.query<{ state: ElectionState }>('SELECT state FROM elections WHERE id = $1 FOR UPDATE', [election]);
    const from = rows[0]?.state;
    if (from === undefined) return err({ kind: 'unknown-election' });
    const allowed = nextState(from);
    if (change.state !== allowed) return err({ kind: 'invalid-transition', from, to: change.state, allowed });
    let overridden: readonly PendingStation[] = [];
    if (change.state === 'certified') {
      const pending = await pendingStations(tx, election);
      if (pending.length > 0 && change.override !== true) return err({ kind: 'batches-pending', stations: pending });
      if (pending.length > 0) {
        overridden = pending;
        await recordAudit(tx, actor, 'election.certified_with_override', { election, reason: change.reason, stations: pending });
      }
    }
    await setElectionState(tx, election, change.state);
    await recordAudit(tx, actor, 'election.state_changed', {
      election,
      from,
      to: change.state,
      ...(overridden.length > 0 ? { override: true } : {}),
    });
    return ok({ from, overridden });
  });
}

/**
 * Over a station's rows of \`stations s LEFT JOIN batches b\`, grouped by station: its count is
 * not complete (never reported, polls not closed, a batch not processed, or a gap). One rule for
 * certification and for the certification-blocked gauge.
 */
export const STATION_PENDING = `NOT coalesce(bool_or(b.final), false)
         OR count(b.sequence) FILTER (WHERE b.status <> 'processed') > 0
         OR coalesce(max(b.sequence), 0) > count(b.sequence)`;

/**
 * The election's stations whose count is not complete: never reported, polls not closed (no
 * final batch), batches waiting in the pipeline, or gaps in their sequence.
 */
export async function pendingStations(db: Queryable, election: ElectionId): Promise<PendingStation[]> {
  const { rows } = await db.query<PendingStation & { readonly station: StationId }>(
    `SELECT s.station_id AS station,
            count(b.sequence) > 0 AS reported,
            coalesce(bool_or(b.final), false) AS closed,
            (count(b.sequence) FILTER (WHERE b.status <> 'processed'))::int AS unprocessed,
            (coalesce(max(b.sequence), 0) - count(b.sequence))::int AS missing
       FROM stations s
       LEFT JOIN batches b ON b.election_id = s.election_id AND b.station_id = s.station_id
      WHERE s.election_id = $1
      GROUP BY s.station_id
     HAVING ${STATION_PENDING}
      ORDER BY s.station_id`,
    [election],
  );
  return rows;
}
