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
  const ridings = election.ridings.map((r) => {
    const of = stations.filter((s) => s.riding === r.code);
    return {
      riding: r.code,
      registeredVoters: of.reduce((n, s) => n + s.registeredVoters, 0),
      ballots: of.reduce((n, s) => n + s.ballots, 0),
    };
  });
  const total = {
    registeredVoters: stations.reduce((n, s) => n + s.registeredVoters, 0),
    ballots: stations.reduce((n, s) => n + s.ballots, 0),
  };
  return { election: election.id, total, ridings, stations };
}
