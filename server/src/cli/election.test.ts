import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseElection, sampleElection, syntheticElection, unwrap } from '@scrutin/shared';

const bin = fileURLToPath(new URL('../../bin/scrutin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'scrutin-cli-election-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function scrutin(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function readElection(path: string): unknown {
  return unwrap(parseElection(JSON.parse(readFileSync(join(dir, path), 'utf8'))));
}

describe('scrutin election', () => {
  it('generates a synthetic election, the same for the same seed', () => {
    const run = scrutin('election', 'generate', '--ridings', '3', '--stations', '7', '--voters', '1000', '--seed', '42', '--out', 'a');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/wrote a\/election\.json: election synthetic-3-7-1000, 3 ridings, 7 stations, 1000 registered voters/);
    expect(readElection('a/election.json')).toEqual(syntheticElection({ ridings: 3, stations: 7, voters: 1000, seed: 42 }));

    expect(
      scrutin('election', 'generate', '--ridings', '3', '--stations', '7', '--voters', '1000', '--seed', '42', '--out', 'b').status,
    ).toBe(0);
    expect(readFileSync(join(dir, 'b/election.json'), 'utf8')).toBe(readFileSync(join(dir, 'a/election.json'), 'utf8'));
  });

  it('writes the sample election, and replaces a file only with --force', () => {
    expect(scrutin('election', 'sample', '--out', 'sample').status).toBe(0);
    expect(readElection('sample/election.json')).toEqual(sampleElection());

    const again = scrutin('election', 'sample', '--out', 'sample');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/sample\/election\.json already exists; pass --force/);
    expect(scrutin('election', 'sample', '--out', 'sample', '--force').status).toBe(0);
  });

  it('refuses options that give no valid election, with a clear message', () => {
    const badId = scrutin('election', 'generate', '--ridings', '2', '--stations', '2', '--voters', '10', '--id', 'Not An Id', '--out', 'c');
    expect(badId.status).toBe(1);
    expect(badId.stderr).toMatch(/the options give an invalid election:\nid: an election id is/);

    const fewStations = scrutin('election', 'generate', '--ridings', '5', '--stations', '2', '--voters', '10', '--out', 'c');
    expect(fewStations.status).toBe(1);
    expect(fewStations.stderr).toMatch(/--stations \(2\) must be at least --ridings \(5\)/);

    const notANumber = scrutin('election', 'generate', '--ridings', 'two', '--stations', '2', '--voters', '10', '--out', 'c');
    expect(notANumber.status).not.toBe(0);
    expect(notANumber.stderr).toMatch(/'--ridings <n>' argument 'two' is invalid\. expected a whole number ≥ 1/);
    expect(() => readFileSync(join(dir, 'c/election.json'))).toThrow();
  });
});
