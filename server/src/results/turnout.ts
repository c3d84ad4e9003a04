import type { ElectionDefinition } from '@scrutin/shared';
import type { Turnout } from '@scrutin/shared/api';
import type { Queryable } from '../db/database.ts';

/** Ballots counted against registered voters, per station, per riding and in all (small tally table `station_counts`). */
export async function turnout(db: Queryable, election: ElectionDefinition): Promise<Turnout> {
  const { rows } = await db.query<{ station_id: string; ballots: string }>(
    'SELECT station_id, ballots::text AS ballots FROM station_counts WHERE election_id = $1',
    [election.id],
  );
  const counted = new Map(rows.map((r) => [r.station_id, Number(r.ballots)]));
  const stations = election.stations.map((s) => ({
    station: s.id,
    riding: s.riding,
    registeredVoters: s.registeredVoters,
    ballots: counted.get(s.id) ?? 0,
  }));
  // One pass over the stations: a riding's figures are summed as its stations go by, not by
  // filtering every station for every riding (125 × 20,000 at national size, every request).
  const byRiding = new Map(election.ridings.map((r) => [r.code, { riding: r.code, registeredVoters: 0, ballots: 0 }]));
  for (const s of stations) {
    const riding = byRiding.get(s.riding);
    if (riding === undefined) continue;
    riding.registeredVoters += s.registeredVoters;
    riding.ballots += s.ballots;
  }
  const ridings = [...byRiding.values()];
  const total = {
    registeredVoters: stations.reduce((n, s) => n + s.registeredVoters, 0),
    ballots: stations.reduce((n, s) => n + s.ballots, 0),
  };
  return { election: election.id, total, ridings, stations };
}
