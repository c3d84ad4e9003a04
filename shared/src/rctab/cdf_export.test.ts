import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CandidateRace } from '../election/definition.ts';
import { sampleElection } from '../election/fixtures/sample_election.ts';
import type { CandidateId } from '../ids.ts';
import { unwrap } from '../result.ts';
import { rankingPatternKey } from '../tally/election_tally.ts';
import { tabulateIrv } from '../tally/irv.ts';
import { tabulateRace } from '../tally/irv_race.ts';
import { exportRaceCvrs, rctabConfigForRace } from './cdf_export.ts';
import { loadRctabContest } from './load.node.ts';
import { buildDetailedReport } from './report.ts';

const election = sampleElection();
const race = election.contests.find((c): c is CandidateRace => c.id === 'DEP-MONTREAL-CENTRE')!;
const ids = race.candidates.map((c) => c.id);

/** A seeded spread of rankings, including blanks, bullet votes and full rankings. */
function rankings(n: number): CandidateId[][] {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, () => {
    const pool = [...ids];
    const depth = Math.floor(next() * (pool.length + 1));
    return Array.from({ length: depth }, () => pool.splice(Math.floor(next() * next() * pool.length), 1)[0]!);
  });
}

describe('exporting our ranked ballots as CDF JSON CVRs with an RCTab config', () => {
  it('re-tabulates through the RCTab reading path to exactly our own result', async () => {
    const ballots = rankings(800);
    const dir = await mkdtemp(join(tmpdir(), 'scrutin-cdf-'));
    await writeFile(join(dir, 'cvr.json'), JSON.stringify(exportRaceCvrs(election, race, ballots, '2026-10-05T22:00:00-04:00')));
    await writeFile(join(dir, 'config.json'), JSON.stringify(rctabConfigForRace(election, race, 'cvr.json')));

    const loaded = unwrap(await loadRctabContest(join(dir, 'config.json')));
    expect(loaded.ballots).toHaveLength(800);
    const theirs = unwrap(
      tabulateIrv(
        loaded.contest,
        loaded.ballots.map((b) => ({ ranking: b.ranking, count: 1 })),
      ),
    );

    const patterns = new Map<string, number>();
    let blank = 0;
    for (const b of ballots) {
      if (b.length === 0) blank += 1;
      else patterns.set(rankingPatternKey(b), (patterns.get(rankingPatternKey(b)) ?? 0) + 1);
    }
    const ours = unwrap(tabulateRace(race, { patterns, blank }));
    const settings = loaded.config.outputSettings;
    expect(buildDetailedReport(theirs, settings, 'x')).toEqual(buildDetailedReport(ours, settings, 'x'));
    expect(ours.rounds.length).toBeGreaterThan(1);
    expect(ours.summary.undervotes).toBe(blank);
  });

  it('numbers CVRs from 1 and carries nothing about voters or time', () => {
    const report = exportRaceCvrs(election, race, [[ids[0]!], []], '2026-10-05T22:00:00-04:00');
    expect(report.CVR.map((c) => c.BallotPrePrintedId)).toEqual(['1', '2']);
    expect(JSON.stringify(report.CVR)).not.toMatch(/[0-9a-f]{64}|T\d\d:\d\d/);
  });
});
