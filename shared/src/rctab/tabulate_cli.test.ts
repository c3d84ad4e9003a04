import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reportDifferences } from './report_compare.test-support.ts';

/** `scrutin tabulate` end to end, through the real bin shim (server/bin/scrutin.js). */
const REPO = resolve(import.meta.dirname, '../../..');
const CONFORMANCE_DIR = resolve(REPO, '../shared/conformance/rctab');
const scratch = mkdtempSync(join(tmpdir(), 'scrutin-tabulate-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function scrutin(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(REPO, 'server/bin/scrutin.js'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

describe('scrutin tabulate', () => {
  it("writes RCTab's detailed report, and the per-precinct reports, for precinct_example", () => {
    const out = join(scratch, 'precinct_example');
    const run = scrutin('tabulate', join(CONFORMANCE_DIR, 'precinct_example/precinct_example_config.json'), '--out', out);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('winner Betsy Hodges');

    const summary = readJson(join(out, 'summary.json'));
    expect(summary).toMatchObject({ config: { generatedBy: 'Scrutin 0.1.0' }, jsonFormatVersion: '1' });
    expect(
      reportDifferences(summary, readJson(join(CONFORMANCE_DIR, 'precinct_example/precinct_example_expected_detailed_report.json'))),
    ).toEqual([]);

    const slice = readJson(join(out, 'Tabulate by Precinct', 'MINNEAPOLIS_W-1_P-02_precinct_summary.json'));
    const expectedSlice = join(
      CONFORMANCE_DIR,
      'precinct_example/Tabulate by Precinct/precinct_example_expected_MINNEAPOLIS_W-1_P-02_precinct_detailed_report.json',
    );
    expect(reportDifferences(slice, readJson(expectedSlice))).toEqual([]);
  });

  it('refuses a ranking above maxRankingsAllowed, names the file and row, and writes nothing', () => {
    const out = join(scratch, 'max_ranking_enforcement');
    const run = scrutin('tabulate', join(CONFORMANCE_DIR, 'max_ranking_enforcement/max_ranking_enforcement_config.json'), '--out', out);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('max_ranking_enforcement_cvr.csv, row 2, column 5: rank 4 exceeds maxRankingsAllowed (3)');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a CVR naming an unknown candidate and leaves an existing output directory untouched', () => {
    const contest = join(scratch, 'unknown_candidate');
    cpSync(join(CONFORMANCE_DIR, 'generic_csv_test'), contest, { recursive: true });
    const cvr = join(contest, 'generic_csv_test_cvr.csv');
    writeFileSync(cvr, readFileSync(cvr, 'utf8').replace(',Cauliflower,', ',Kale,'));
    const out = join(scratch, 'unknown_candidate_out');
    mkdirSync(out);
    const run = scrutin('tabulate', join(contest, 'generic_csv_test_config.json'), '--out', out);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('generic_csv_test_cvr.csv, row 1, column 7: header "Kale" is not a candidate name or alias');
    expect(readdirSync(out)).toEqual([]);
  });
});
