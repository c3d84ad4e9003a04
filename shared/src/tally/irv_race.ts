import type { CandidateRace } from '../election/definition.ts';
import type { CandidateId } from '../ids.ts';
import type { Result } from '../result.ts';
import { rankingOfPatternKey, type RankedCounts } from './election_tally.ts';
import { tabulateIrv } from './irv.ts';
import { STANDARD_IRV_RULES, type IrvContest, type IrvRules, type TiebreakRule } from './irv_contest.ts';
import type { IrvInputError, IrvResult } from './irv_result.ts';
import { rankingFromOrder, type RankingCount } from './ranking.ts';

/**
 * Our ranked races counted by the RCTab-conformant tabulator. Candidates are named by their
 * ids (reports map ids to display names); kiosk ballots cannot overvote, skip or repeat, so
 * only the race's own options differ from the standard rules.
 */
export function irvContestOfRace(race: CandidateRace): IrvContest {
  const options = race.irv;
  const tiebreak: TiebreakRule =
    options === undefined
      ? STANDARD_IRV_RULES.tiebreak
      : options.tiebreak.mode === 'useCandidateOrder'
        ? { mode: 'useCandidateOrder' }
        : { mode: options.tiebreak.mode, seed: BigInt(options.tiebreak.seed) };
  const rules: IrvRules = {
    ...STANDARD_IRV_RULES,
    maxRankingsAllowed: options?.maxRankings ?? 'max',
    tiebreak,
    batchElimination: options?.batchElimination ?? false,
    continueUntilTwoCandidatesRemain: options?.continueUntilTwoCandidatesRemain ?? false,
  };
  return {
    candidates: race.candidates.map((c) => ({ name: c.id, aliases: [], excluded: false })),
    undeclaredWriteIns: false,
    rules,
  };
}

export function rankingCountsOf(counts: RankedCounts): RankingCount[] {
  const rankings: RankingCount[] = [...counts.patterns].map(([key, count]) => ({
    ranking: rankingFromOrder(rankingOfPatternKey(key)),
    count,
  }));
  // Blank ballots take part as ballots that ranked nobody (RCTab's undervotes).
  if (counts.blank > 0) rankings.push({ ranking: [], count: counts.blank });
  return rankings;
}

export function tabulateRace(race: CandidateRace, counts: RankedCounts): Result<IrvResult, IrvInputError> {
  return tabulateIrv(irvContestOfRace(race), rankingCountsOf(counts));
}

export function irvWinner(result: IrvResult): CandidateId | null {
  return (result.winners[0] as CandidateId | undefined) ?? null;
}
