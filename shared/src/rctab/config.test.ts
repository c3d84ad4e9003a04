import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unwrap } from '../result.ts';
import { contestFromConfig, parseRctabConfig } from './config.ts';

const CONFORMANCE_DIR = resolve(import.meta.dirname, '../../../../shared/conformance/rctab');

function caseConfig(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(resolve(CONFORMANCE_DIR, name, `${name}_config.json`), 'utf8')) as Record<string, unknown>;
}

describe('parseRctabConfig', () => {
  it('reads string scalars (generic_csv_test)', () => {
    const config = unwrap(parseRctabConfig(caseConfig('generic_csv_test')));
    expect(config.rules).toEqual({
      overvoteRule: 'exhaustImmediately',
      maxSkippedRanksAllowed: 1,
      maxRankingsAllowed: 15,
      exhaustOnDuplicateCandidate: false,
      tiebreak: { mode: 'useCandidateOrder' },
      batchElimination: true,
      continueUntilTwoCandidatesRemain: false,
      doesFirstRoundDetermineThreshold: false,
      stopTabulationEarlyAfterRound: null,
    });
    expect(config.cvrFileSources[0]).toMatchObject({
      provider: 'genericCsv',
      firstVoteColumnIndex: 4,
      idColumnIndex: 1,
      precinctColumnIndex: 2,
      batchColumnIndex: 3,
      undeclaredWriteInLabel: 'Write-In',
    });
    const contest = contestFromConfig(config);
    expect(contest.undeclaredWriteIns).toBe(true);
    expect(contest.sliceBy).toEqual(['precinct', 'batch']);
  });

  it('reads plain numbers and treats missing keys as blank or false (tiebreak_use_permutation_in_config_test)', () => {
    const config = unwrap(parseRctabConfig(caseConfig('tiebreak_use_permutation_in_config_test')));
    expect(config.cvrFileSources[0]).toMatchObject({
      firstVoteColumnIndex: 2,
      firstVoteRowIndex: 2,
      batchColumnIndex: null,
      overvoteDelimiter: '',
    });
    expect(config.rules).toMatchObject({ continueUntilTwoCandidatesRemain: false, stopTabulationEarlyAfterRound: null });
    expect(config.candidates[0]).toEqual({ name: 'Mookie Blaylock', aliases: [], excluded: false });
    expect(config.outputSettings.tabulateByBatch).toBe(false);
  });

  it('keeps seeds as exact Java longs', () => {
    const raw = caseConfig('tiebreak_seed_test');
    const rules = { ...(raw.rules as object), randomSeed: '-9223372036854775808' };
    expect(unwrap(parseRctabConfig({ ...raw, rules })).rules.tiebreak).toEqual({ mode: 'random', seed: -(2n ** 63n) });
  });

  it.each([
    [{ tiebreakMode: 'stopCountingAndAsk' }, /asks an operator/],
    [{ tiebreakMode: 'random', randomSeed: '' }, /needs an integer seed/],
    [{ randomSeed: '9223372036854775808' }, /does not fit in a Java long/],
    [{ winnerElectionMode: 'multiWinnerAllowOnlyOneWinnerPerRound' }, /only "singleWinnerMajority"/],
    [{ numberOfWinners: '2' }, /single-winner/],
    [{ maxRankingsAllowed: '0' }, /maxRankingsAllowed: expected an integer ≥ 1/],
    [{ maxSkippedRanksAllowed: 'lots' }, /maxSkippedRanksAllowed/],
    [{ overvoteRule: 'exhaustIfMultipleContinuing' }, /can't be combined with exhaustIfMultipleContinuing/],
  ])('refuses %j', (override, problem) => {
    const raw = caseConfig('tiebreak_seed_test');
    const result = parseRctabConfig({ ...raw, rules: { ...(raw.rules as object), ...override } });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.problems.join('\n')).toMatch(problem);
    }
  });

  it('refuses a CDF XML source and a malformed document', () => {
    const raw = caseConfig('test_set_1_exhaust_at_overvote');
    const sources = [{ ...(raw.cvrFileSources as object[])[0], filePath: 'cvr.xml' }];
    expect(parseRctabConfig({ ...raw, cvrFileSources: sources })).toMatchObject({ ok: false });
    expect(parseRctabConfig({ rules: 'nope' })).toMatchObject({ ok: false, error: { kind: 'invalidConfig' } });
  });
});
