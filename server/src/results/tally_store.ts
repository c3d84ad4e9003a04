import {
  TallyBuilder,
  nationalResults,
  type Ballot,
  type BallotId,
  type CandidateId,
  type ContestId,
  type ElectionDefinition,
  type ElectionId,
  type ElectionTally,
  type NationalResults,
  type ReferendumCounts,
  type RidingCode,
  type StationId,
} from '@scrutin/shared/node';
import type { Queryable } from '../db/database.ts';

/**
 * Reads the live tally from the small tally tables (never by scanning ballots) into the
 * domain's `ElectionTally`, and recounts it from the stored ballots for the audit.
 */
export async function readTally(
  db: Queryable,
  election: ElectionDefinition,
): Promise<{ tally: ElectionTally; stationsReporting: Set<StationId>; stationsClosed: Set<StationId> }> {
  // One statement, so one snapshot: separate reads could see a batch's tally increments
  // without its turnout (or the reverse) when a validator commits between them.
  const { rows } = await db.query<{
    kind: 'count' | 'pattern' | 'station' | 'closed';
    a: string;
    b: string | null;
    c: string | null;
    n: string;
  }>(
    `SELECT 'count' AS kind, contest_id AS a, riding AS b, option AS c, count::text AS n FROM tally_counts WHERE election_id = $1
     UNION ALL
     SELECT 'pattern', contest_id, NULL, pattern, count::text FROM ranking_patterns WHERE election_id = $1
     UNION ALL
     SELECT 'station', station_id, riding, NULL, ballots::text FROM station_counts WHERE election_id = $1
     UNION ALL
     -- A station is closed once its final batch is counted with none before it missing or waiting.
     SELECT 'closed', station_id, NULL, NULL, '1' FROM batches WHERE election_id = $1
      GROUP BY station_id
     HAVING bool_or(final) AND bool_and(status = 'processed') AND max(sequence) = count(*)`,
    [election.id],
  );
  const counts: { contest_id: ContestId; riding: RidingCode; option: string; count: string }[] = [];
  const patterns: { contest_id: ContestId; pattern: string; count: string }[] = [];
  const stations: { station_id: StationId; riding: RidingCode; ballots: string }[] = [];
  const stationsClosed = new Set<StationId>();
  for (const r of rows) {
    switch (r.kind) {
      case 'count':
        counts.push({ contest_id: r.a as ContestId, riding: r.b as RidingCode, option: r.c ?? '', count: r.n });
        break;
      case 'pattern':
        patterns.push({ contest_id: r.a as ContestId, pattern: r.c ?? '', count: r.n });
        break;
      case 'station':
        stations.push({ station_id: r.a as StationId, riding: r.b as RidingCode, ballots: r.n });
        break;
      case 'closed':
        stationsClosed.add(r.a as StationId);
        break;
      default:
        return r.kind satisfies never;
    }
  }
  return { ...buildTally(election, counts, patterns, stations), stationsClosed };
}

function buildTally(
  election: ElectionDefinition,
  counts: readonly { contest_id: ContestId; riding: RidingCode; option: string; count: string }[],
  patterns: readonly { contest_id: ContestId; pattern: string; count: string }[],
  stations: readonly { station_id: StationId; riding: RidingCode; ballots: string }[],
): { tally: ElectionTally; stationsReporting: Set<StationId> } {
  const kinds = new Map(election.contests.map((c) => [c.id, c.kind]));
  const referendums = new Map<ContestId, Map<RidingCode, ReferendumCounts>>();
  const plurality = new Map<ContestId, { votes: Map<CandidateId, number>; blank: number }>();
  const ranked = new Map<ContestId, { patterns: Map<string, number>; blank: number }>();
  for (const row of counts) {
    const n = Number(row.count);
    if (kinds.get(row.contest_id) === 'referendum') {
      const byRiding = referendums.get(row.contest_id) ?? new Map<RidingCode, ReferendumCounts>();
      referendums.set(row.contest_id, byRiding);
      const c = byRiding.get(row.riding) ?? { oui: 0, non: 0, blank: 0 };
      const key = row.option === 'oui' || row.option === 'non' ? row.option : 'blank';
      byRiding.set(row.riding, { ...c, [key]: c[key] + n });
    } else {
      const p = plurality.get(row.contest_id) ?? { votes: new Map<CandidateId, number>(), blank: 0 };
      plurality.set(row.contest_id, p);
      if (row.option === '') p.blank += n;
      else p.votes.set(row.option as CandidateId, (p.votes.get(row.option as CandidateId) ?? 0) + n);
    }
  }
  for (const row of patterns) {
    const r = ranked.get(row.contest_id) ?? { patterns: new Map<string, number>(), blank: 0 };
    ranked.set(row.contest_id, r);
    if (row.pattern === '') r.blank += Number(row.count);
    else r.patterns.set(row.pattern, Number(row.count));
  }
  const ballots = new Map<RidingCode, number>();
  const stationsReporting = new Set<StationId>();
  for (const s of stations) {
    ballots.set(s.riding, (ballots.get(s.riding) ?? 0) + Number(s.ballots));
    if (Number(s.ballots) > 0) stationsReporting.add(s.station_id);
  }
  return {
    tally: {
      ballots,
      referendums,
      plurality: plurality,
      ranked: ranked,
    },
    stationsReporting,
  };
}

export async function liveResults(db: Queryable, election: ElectionDefinition): Promise<NationalResults> {
  const { tally, stationsReporting, stationsClosed } = await readTally(db, election);
  return nationalResults(election, tally, stationsReporting, stationsClosed);
}

/** A change marker for the results: moves whenever a batch commits. Cheap to poll. */
export async function resultsVersion(db: Queryable, election: ElectionId): Promise<string> {
  return (await resultsChange(db, election)).version;
}

/** The change marker, and when the last change committed (ms since the epoch; null before any). */
export async function resultsChange(
  db: Queryable,
  election: ElectionId,
): Promise<{ readonly version: string; readonly changedAtMs: number | null }> {
  const { rows } = await db.query<{ v: string | null; at: string | null }>(
    `SELECT count(*)::text || ':' || coalesce(max(processed_at)::text, '') AS v,
            (extract(epoch FROM max(processed_at)) * 1000)::text AS at
       FROM batches WHERE election_id = $1 AND status = 'processed'`,
    [election],
  );
  const at = rows[0]?.at ?? null;
  return { version: rows[0]?.v ?? '', changedAtMs: at === null ? null : Number(at) };
}

export interface RecountReport {
  readonly ballots: number;
  readonly equal: boolean;
  /** Each count that differs, as `contest riding option: live N, recount M`. */
  readonly differences: readonly string[];
}

/**
 * Invariant 5: recounts every stored ballot (keyset pages of 10,000, memory stays flat) and
 * compares the result with the live tally tables, count by count.
 */
export async function recountFromBallots(db: Queryable, election: ElectionDefinition): Promise<RecountReport> {
  const builder = new TallyBuilder();
  let after = '00000000-0000-0000-0000-000000000000';
  let ballots = 0;
  for (;;) {
    const { rows } = await db.query<{ id: string; riding: RidingCode; selections: Ballot['selections'] }>(
      'SELECT ballot_id::text AS id, riding, selections FROM ballots WHERE election_id = $1 AND ballot_id > $2::uuid ORDER BY ballot_id LIMIT 10000',
      [election.id, after],
    );
    if (rows.length === 0) break;
    for (const row of rows)
      builder.add({ id: row.id.replaceAll('-', '') as BallotId, election: election.id, riding: row.riding, selections: row.selections });
    ballots += rows.length;
    after = rows.at(-1)?.id ?? after;
  }
  const recount = builder.build();
  const { tally: live } = await readTally(db, election);
  const differences: string[] = [];
  const compare = (what: string, a: number, b: number) => {
    if (a !== b) differences.push(`${what}: live ${a}, recount ${b}`);
  };
  const keys = <K>(a: ReadonlyMap<K, unknown>, b: ReadonlyMap<K, unknown>) => new Set([...a.keys(), ...b.keys()]);
  for (const riding of keys(live.ballots, recount.ballots))
    compare(`ballots ${riding}`, live.ballots.get(riding) ?? 0, recount.ballots.get(riding) ?? 0);
  for (const contest of keys(live.referendums, recount.referendums)) {
    const l = live.referendums.get(contest) ?? new Map<RidingCode, ReferendumCounts>();
    const r = recount.referendums.get(contest) ?? new Map<RidingCode, ReferendumCounts>();
    for (const riding of keys(l, r)) {
      for (const option of ['oui', 'non', 'blank'] as const)
        compare(`${contest} ${riding} ${option}`, l.get(riding)?.[option] ?? 0, r.get(riding)?.[option] ?? 0);
    }
  }
  for (const contest of keys(live.plurality, recount.plurality)) {
    const l = live.plurality.get(contest);
    const r = recount.plurality.get(contest);
    compare(`${contest} blank`, l?.blank ?? 0, r?.blank ?? 0);
    for (const c of keys<CandidateId>(l?.votes ?? new Map<CandidateId, number>(), r?.votes ?? new Map<CandidateId, number>()))
      compare(`${contest} ${c}`, l?.votes.get(c) ?? 0, r?.votes.get(c) ?? 0);
  }
  for (const contest of keys(live.ranked, recount.ranked)) {
    const l = live.ranked.get(contest);
    const r = recount.ranked.get(contest);
    compare(`${contest} blank`, l?.blank ?? 0, r?.blank ?? 0);
    for (const p of keys<string>(l?.patterns ?? new Map<string, number>(), r?.patterns ?? new Map<string, number>()))
      compare(`${contest} ${p}`, l?.patterns.get(p) ?? 0, r?.patterns.get(p) ?? 0);
  }
  return { ballots, equal: differences.length === 0, differences };
}
