import { err, ok, type ElectionId, type Result, type StationId } from '@scrutin/shared';
import { nextState, type ElectionState, type PendingStation, type StateChangeRequest } from '@scrutin/shared/api';
import type { Database, Queryable } from '../db/database.ts';
import { recordAudit } from '../officials/audit.ts';
import { setElectionState } from './store.ts';

/**
 * An election's lifecycle (the contract's `LIFECYCLE`: draft → open → closed → certified,
 * never back), applied in one transaction with its audit entries. Certification waits until
 * every enrolled station's count is complete, unless an admin overrides with a reason.
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

/** Enrolled stations whose count is not complete: batches waiting in the pipeline, or gaps. */
export async function pendingStations(db: Queryable, election: ElectionId): Promise<PendingStation[]> {
  const { rows } = await db.query<PendingStation & { readonly station: StationId }>(
    `SELECT b.station_id AS station,
            (count(*) FILTER (WHERE b.status <> 'processed'))::int AS unprocessed,
            (max(b.sequence) - count(*))::int AS missing
       FROM batches b
       JOIN stations s ON s.election_id = b.election_id AND s.station_id = b.station_id
      WHERE b.election_id = $1 AND s.enrolled_at IS NOT NULL
      GROUP BY b.station_id
     HAVING count(*) FILTER (WHERE b.status <> 'processed') > 0 OR max(b.sequence) > count(*)
      ORDER BY b.station_id`,
    [election],
  );
  return rows;
}
