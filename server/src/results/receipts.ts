import type { ElectionDefinition, ElectionId, TrackingCode } from '@scrutin/shared';
import type { ElectionState } from '@scrutin/shared/api';
import type { Queryable } from '../db/database.ts';

/**
 * Whether a counted ballot of `election` carried the tracking code `code` (the public receipt
 * check, docs/protocol.md §3). The validator keeps the codes of counted envelopes in
 * `tracking_codes`, with no link to a ballot or a station, so the answer is yes or no and
 * nothing more.
 */
export async function isCounted(db: Queryable, election: ElectionId, code: TrackingCode): Promise<boolean> {
  const found = await db.query<{ n: number }>(
    'SELECT 1 AS n FROM tracking_codes WHERE election_id = $1 AND code = $2',
    [election, code],
    'receipt_lookup',
  );
  return found.rows.length > 0;
}

/**
 * Whether receipts of `election` may be checked at `now`: once its polls have closed, by the
 * clock or by an official closing it (a draft never).
 */
export function receiptsArePublic(election: ElectionDefinition, state: ElectionState, now: Date): boolean {
  switch (state) {
    case 'draft':
      return false;
    case 'closed':
    case 'certified':
      return true;
    case 'open':
      return now.getTime() >= Date.parse(election.closesAt);
  }
}
