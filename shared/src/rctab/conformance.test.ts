import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tabulateIrv } from '../tally/irv.ts';
import type { IrvResult } from '../tally/irv_result.ts';
import { describeIrvInputError } from '../tally/irv_result.ts';
import type { BallotMark } from '../tally/ranking.ts';
import { asRankingCount } from './cvr.ts';
import { describeRctabLoadError, loadRctabContest, type LoadedRctabContest } from './load.node.ts';
import { buildDetailedReport, buildSliceReport, sliceFileLabel } from './report.ts';
import { reportDifferences } from './report_compare.test-support.ts';

/**
 * RCTab's own regression data (shared/conformance/rctab, next to this checkout): every case
 * with an expected detailed report must come out identical, slice reports included.
 */
const CONFORMANCE_DIR = resolve(import.meta.dirname, '../../../../shared/conformance/rctab');
const GENERATED_BY = 'Scrutin test';

const cases = existsSync(CONFORMANCE_DIR)
  ? readdirSync(CONFORMANCE_DIR, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_'))
      .map((entry) => entry.name)
      .sort()
  : [];
const tabulationCases = cases.filter((name) => existsSync(expectedReportPath(name)));

function configPath(name: string): string {
  return join(CONFORMANCE_DIR, name, `${name}_config.json`);
}

function expectedReportPath(name: string): string {
  return join(CONFORMANCE_DIR, name, `${name}_expected_detailed_report.json`);
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

async function loadCase(name: string): Promise<LoadedRctabContest> {
  const loaded = await loadRctabContest(configPath(name));
  if (!loaded.ok) {
    throw new Error(`${name}: ${describeRctabLoadError(loaded.error)}`);
  }
  return loaded.value;
}

function tabulate(loaded: LoadedRctabContest): IrvResult {
  const result = tabulateIrv(loaded.contest, loaded.ballots.map(asRankingCount));
  if (!result.ok) {
    throw new Error(describeIrvInputError(result.error));
  }
  return result.value;
}

/** Expected slice reports present for a case: [file path, dimension, file label]. */
function expectedSliceReports(name: string): { path: string; dimension: 'precinct' | 'batch'; label: string }[] {
  const found: { path: string; dimension: 'precinct' | 'batch'; label: string }[] = [];
  for (const [folder, dimension] of [
    ['Tabulate by Precinct', 'precinct'],
    ['Tabulate by Batch', 'batch'],
  ] as const) {
    const directory = join(CONFORMANCE_DIR, name, folder);
    if (!existsSync(directory)) {
      continue;
    }
    const prefix = `${name}_expected_`;
    const suffix = `_${dimension}_detailed_report.json`;
    for (const file of readdirSync(directory)) {
      if (file.startsWith(prefix) && file.endsWith(suffix)) {
        found.push({ path: join(directory, file), dimension, label: file.slice(prefix.length, -suffix.length) });
      }
    }
  }
  return found;
}

describe('RCTab conformance data', () => {
  it('is present next to the checkout', () => {
    expect(existsSync(CONFORMANCE_DIR), `missing ${CONFORMANCE_DIR}`).toBe(true);
    expect(tabulationCases).toHaveLength(37);
    expect(cases).toContain('max_ranking_enforcement');
    expect(cases).toContain('conversions_from_cdf');
  });
});

/** The README's tiebreak table: every decision taken by tiebreak, as "round: candidate". */
const TIEBREAK_PICKS: Readonly<Record<string, readonly string[]>> = {
  tiebreak_seed_test: ['1: Yinka Dare', '2: George Gervin'],
  stop_tabulation_early_test: ['1: Yinka Dare'],
  tiebreak_generate_permutation_test: ['1: Mookie Blaylock', '2: Yinka Dare', '3: George Gervin'],
  tiebreak_previous_round_counts_then_random_test: ['2: Grumpy', '3: Sneezy'],
  tiebreak_use_permutation_in_config_test: ['2: George Gervin', '3: Mookie Blaylock'],
  missing_precinct_example: ['2: Nekima Levy-Pounds', '3: Tom Hoch', '4: Jacob Frey'],
  '2015_portland_mayor': ['2: Rathband, Jed', '7: Vail, Christopher L.'],
  '2015_portland_mayor_codes': ['2: Rathband, Jed', '7: Vail, Christopher L.'],
  continue_until_two_threshold_freeze: ['4: C'],
  first_round_determines_threshold_test: ['1: Haadoow, Hamza A.'],
  first_round_determines_threshold_tiebreaker_test: ['2: Vail, Christopher L.'],
  test_set_treat_blank_as_undeclared_write_in: ['4: C'],
};

describe.each(tabulationCases)('RCTab case %s', (name) => {
  let loaded: LoadedRctabContest;
  let result: IrvResult;
  beforeAll(async () => {
    loaded = await loadCase(name);
    result = tabulate(loaded);
  });

  it('reproduces the expected detailed report', () => {
    const report = buildDetailedReport(result, loaded.config.outputSettings, GENERATED_BY);
    const actual = JSON.parse(JSON.stringify(report)) as unknown;
    expect(reportDifferences(actual, readJson(expectedReportPath(name)))).toEqual([]);
  });

  it("flags exactly the README's tiebreak picks as decided by tiebreak", () => {
    const picks = result.rounds.flatMap((round) =>
      round.decisions.filter((decision) => decision.byTiebreak).map((decision) => `${round.round}: ${decision.candidate}`),
    );
    expect(picks).toEqual(TIEBREAK_PICKS[name] ?? []);
  });

  const slices = expectedSliceReports(name);
  it.runIf(slices.length > 0).each(slices)('reproduces the $dimension report $label', ({ path, dimension, label }) => {
    const slice = result.slices.find((candidate) => candidate.dimension === dimension && sliceFileLabel(candidate.value) === label);
    expect(slice, `no ${dimension} slice named ${label}`).toBeDefined();
    if (slice === undefined) {
      return;
    }
    const report = buildSliceReport(result, slice, loaded.config.outputSettings, GENERATED_BY);
    expect(reportDifferences(JSON.parse(JSON.stringify(report)) as unknown, readJson(path))).toEqual([]);
  });
});

describe('RCTab case max_ranking_enforcement', () => {
  it('refuses a CSV ballot ranked above maxRankingsAllowed, naming the file and row', async () => {
    const loaded = await loadRctabContest(configPath('max_ranking_enforcement'));
    expect(loaded.ok).toBe(false);
    if (loaded.ok) {
      return;
    }
    expect(loaded.error).toMatchObject({ kind: 'invalidCvr', file: 'max_ranking_enforcement_cvr.csv', location: 'row 2, column 5' });
    expect(describeRctabLoadError(loaded.error)).toMatch(/rank 4 exceeds maxRankingsAllowed \(3\)/);
  });
});

describe('RCTab case conversions_from_cdf', () => {
  it("reads the shared CDF files into the ballots of RCTab's CVR export", async () => {
    const loaded = await loadCase('conversions_from_cdf');
    const [header, ...rows] = readFileSync(join(CONFORMANCE_DIR, 'conversions_from_cdf', 'conversions_from_cdf_expected.csv'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(','));
    const firstRank = (header ?? []).indexOf('Rank 1');
    const nameOf = (alias: string): string =>
      loaded.config.candidates.find((candidate) => candidate.name === alias || candidate.aliases.includes(alias))?.name ?? alias;
    const exported = loaded.ballots.map((ballot) =>
      [1, 2, 3, 4].map((rank) => {
        const marks: readonly BallotMark[] = ballot.ranking.find((entry) => entry.rank === rank)?.marks ?? [];
        return marks.length === 0
          ? 'undervote'
          : marks.map((mark) => (mark.kind === 'candidate' ? nameOf(mark.name) : mark.kind)).join('|');
      }),
    );
    expect(exported).toEqual(rows.map((row) => row.slice(firstRank)));
  });

  it('tabulates like aliases_cdf_json (its config is byte-identical)', async () => {
    const loaded = await loadCase('conversions_from_cdf');
    const report = buildDetailedReport(tabulate(loaded), loaded.config.outputSettings, GENERATED_BY);
    expect(reportDifferences(JSON.parse(JSON.stringify(report)) as unknown, readJson(expectedReportPath('aliases_cdf_json')))).toEqual([]);
  });
});
