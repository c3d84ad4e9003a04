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
  // The synthetic election's own window, given explicitly: by default the window opens now.
  const window = ['--opens', '2026-10-05T09:30:00-04:00', '--closes', '2026-10-05T21:30:00-04:00'];
  const iso = (at: string) => new Date(at).toISOString();

  it('generates a synthetic election, the same for the same seed', () => {
    const args = ['election', 'generate', '--ridings', '3', '--stations', '7', '--voters', '1000', '--seed', '42', ...window];
    const run = scrutin(...args, '--out', 'a');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/wrote a\/election\.json: election synthetic-3-7-1000, 3 ridings, 7 stations, 1000 registered voters/);
    const synthetic = syntheticElection({ ridings: 3, stations: 7, voters: 1000, seed: 42 });
    expect(readElection('a/election.json')).toEqual({
      ...synthetic,
      opensAt: iso(synthetic.opensAt),
      closesAt: iso(synthetic.closesAt),
      syncDeadline: iso(synthetic.syncDeadline),
    });

    expect(scrutin(...args, '--out', 'b').status).toBe(0);
    expect(readFileSync(join(dir, 'b/election.json'), 'utf8')).toBe(readFileSync(join(dir, 'a/election.json'), 'utf8'));
  });

  it('writes the sample election, and replaces a file only with --force', () => {
    expect(scrutin('election', 'sample', '--out', 'sample', ...window).status).toBe(0);
    const sample = sampleElection();
    expect(readElection('sample/election.json')).toEqual({
      ...sample,
      opensAt: iso(sample.opensAt),
      closesAt: iso(sample.closesAt),
      syncDeadline: iso(sample.syncDeadline),
    });

    const again = scrutin('election', 'sample', '--out', 'sample');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/sample\/election\.json already exists; pass --force/);
    expect(scrutin('election', 'sample', '--out', 'sample', '--force').status).toBe(0);
  });

  it('opens the voting window now by default, for 12 hours, so the polls can be opened at once', () => {
    const before = Date.now();
    expect(scrutin('election', 'sample', '--out', 'now').status).toBe(0);
    const e = readElection('now/election.json') as { opensAt: string; closesAt: string; syncDeadline: string };
    expect(Date.parse(e.opensAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(e.opensAt)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(e.closesAt) - Date.parse(e.opensAt)).toBe(12 * 3_600_000);
    expect(Date.parse(e.syncDeadline) - Date.parse(e.closesAt)).toBe(24 * 3_600_000);

    const closes = scrutin(
      'election',
      'generate',
      '--ridings',
      '1',
      '--stations',
      '1',
      '--voters',
      '10',
      '--closes',
      '2030-01-01T18:00:00Z',
      '--out',
      'g',
    );
    expect(closes.status).toBe(0);
    expect((readElection('g/election.json') as { closesAt: string }).closesAt).toBe('2030-01-01T18:00:00.000Z');

    const bad = scrutin('election', 'sample', '--out', 'bad', '--opens', 'tomorrow');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/expected now, or an ISO 8601 date-time with its offset/);
    const backwards = scrutin('election', 'sample', '--out', 'bad', '--opens', '2030-01-02T00:00:00Z', '--closes', '2030-01-01T00:00:00Z');
    expect(backwards.status).toBe(1);
    expect(backwards.stderr).toMatch(/the options give an invalid election/);
  });

  it('writes a test election with --test: mode test, and an id of its own unless --id names it', () => {
    const run = scrutin('election', 'sample', '--test', '--out', 'test');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/wrote test\/election\.json: TEST election qc-demo-2026-test, /);
    const test = readElection('test/election.json') as { id: string; mode?: string };
    expect(test).toMatchObject({ id: 'qc-demo-2026-test', mode: 'test' });
    // Without --test the definition names no mode, which reads as live.
    expect(readElection('sample/election.json')).not.toHaveProperty('mode');

    const named = scrutin(
      'election',
      'generate',
      '--ridings',
      '1',
      '--stations',
      '1',
      '--voters',
      '10',
      '--id',
      'la-2026',
      '--test',
      '--out',
      'la',
    );
    expect(named.status).toBe(0);
    expect(readElection('la/election.json')).toMatchObject({ id: 'la-2026', mode: 'test' });
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
