import type { ElectionDefinition, ElectionId, StationId, ValidationIssue } from '@scrutin/shared';
import type { Queryable } from '../db/database.ts';

/**
 * The checks of credential entries an admin loads by hand (`POST /admin/elections/:id/credentials`)
 * before any is stored: each names a station of the election, a credential belongs to one
 * station only (within the request and against what is already loaded).
 */

export function credentialProblems(
  election: ElectionDefinition,
  entries: readonly { readonly credentialHash: string; readonly station: StationId }[],
): ValidationIssue[] {
  const stations = new Set<string>(election.stations.map((s) => s.id));
  const seen = new Map<string, StationId>();
  const problems: ValidationIssue[] = [];
  entries.forEach((entry, i) => {
    if (!stations.has(entry.station))
      problems.push({ path: `entries[${i}].station`, message: `station ${entry.station} is not part of election ${election.id}` });
    const earlier = seen.get(entry.credentialHash);
    if (earlier !== undefined && earlier !== entry.station) {
      problems.push({
        path: `entries[${i}].credentialHash`,
        message: `this credential is also listed for station ${earlier}; a credential belongs to one station`,
      });
    }
    seen.set(entry.credentialHash, entry.station);
  });
  return problems;
}

/** Entries whose credential is already stored for a different station. */
export async function storedElsewhere(
  db: Queryable,
  election: ElectionId,
  entries: readonly { readonly credentialHash: string; readonly station: StationId }[],
): Promise<ValidationIssue[]> {
  const { rows } = await db.query<{ i: number; station: string }>(
    `SELECT e.i::int AS i, c.station_id AS station
       FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS e(h, s, i)
       JOIN credentials c ON c.election_id = $1 AND c.credential_hash = decode(e.h, 'hex')
      WHERE c.station_id <> e.s
      ORDER BY e.i`,
    [election, entries.map((e) => e.credentialHash), entries.map((e) => e.station)],
  );
  return rows.map((r) => ({
    path: `entries[${r.i - 1}].credentialHash`,
    message: `this credential is already loaded for station ${r.station}`,
  }));
}
