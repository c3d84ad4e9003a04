import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** The real command, as an official runs it: node server/bin/scrutin.js … (worker threads included). */
const bin = fileURLToPath(new URL('../../bin/scrutin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'scrutin-cli-credentials-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function scrutin(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('scrutin credentials generate', () => {
  it('generates the sample election end to end, and refuses to overwrite without --force', () => {
    expect(scrutin('election', 'sample', '--out', 'election')).toMatchObject({ status: 0 });

    const first = scrutin('credentials', 'generate', '--election', 'election/election.json', '--out', 'creds', '--workers', '2');
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/wrote 3600 credentials for 18 stations of election qc-demo-2026/);
    // Throughput after, the KDF's measured cost and the estimate before; the sample's test
    // settings are named as what a production server refuses.
    expect(first.stdout).toMatch(/\(\d+ derivations\/s, \d+ per worker thread;/);
    expect(first.stdout).toMatch(/only central\.csv goes to central/);
    expect(first.stderr).toMatch(
      /^KDF scrypt N=2\^4 r=1 p=1 \(0 MiB\): [0-9.]+ ms per derivation on this machine; 3600 voters on 2 worker thread\(s\): about \d+ s$/m,
    );
    expect(first.stderr).toMatch(
      /^warning: credentials\.kdf: scrypt logN 4, r 1 is below the production floor.*a production server refuses this election$/m,
    );
    expect(first.stderr).toMatch(/^warning: secrecy\.anonymitySet: an anonymity set of 2 ballots is below the production floor of 25/m);
    // Not a terminal here: plain progress lines rather than a bar.
    expect(first.stderr).toMatch(/^credentials: 3600\/3600 voters \(100%\), 18\/18 stations/m);
    const manifest = JSON.parse(readFileSync(join(dir, 'creds', 'manifest.json'), 'utf8')) as { totals: unknown };
    expect(manifest.totals).toEqual({ stations: 18, voters: 3600 });
    expect(readdirSync(join(dir, 'creds', 'shards'))).toHaveLength(18);
    expect(readdirSync(join(dir, 'creds', 'cards'))).toHaveLength(18);

    const again = scrutin('credentials', 'generate', '--election', 'election/election.json', '--out', 'creds');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/the output directory creds is not empty .*--force/);
    expect(readFileSync(join(dir, 'creds', 'manifest.json'), 'utf8')).toContain('"voters": 3600');

    const forced = scrutin(
      'credentials',
      'generate',
      '--election',
      'election/election.json',
      '--out',
      'creds',
      '--force',
      '--workers',
      '1',
    );
    expect(forced.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'creds', 'manifest.json'), 'utf8'))).not.toEqual(manifest);
  });

  it('measures the production KDF before generating with it, with no floor warning', () => {
    const sample = JSON.parse(readFileSync(join(dir, 'election', 'election.json'), 'utf8')) as {
      credentials?: unknown;
      secrecy?: unknown;
      stations: { registeredVoters: number }[];
    };
    // No credentials.kdf: the production setting. Four voters, so the derivations stay short.
    delete sample.credentials;
    sample.secrecy = { anonymitySet: 25, embargo: true };
    sample.stations = sample.stations.map((s, i) => ({ ...s, registeredVoters: i < 4 ? 1 : 0 }));
    writeFileSync(join(dir, 'production.json'), JSON.stringify(sample));
    const run = scrutin('credentials', 'generate', '--election', 'production.json', '--out', 'prod', '--workers', '1');
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(
      /^KDF scrypt N=2\^14 r=8 p=1 \(16 MiB\): [0-9.]+ ms per derivation on this machine; 4 voters on 1 worker thread\(s\)/m,
    );
    expect(run.stderr).not.toMatch(/warning/);
    expect(run.stdout).toMatch(/wrote 4 credentials for 18 stations/);
  });

  it('refuses a missing, malformed or invalid election file with a clear message', () => {
    const missing = scrutin('credentials', 'generate', '--election', 'nowhere.json', '--out', 'out1');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read the election definition nowhere\.json/);

    writeFileSync(join(dir, 'bad.json'), '{ "id": ');
    expect(scrutin('credentials', 'generate', '--election', 'bad.json', '--out', 'out1').stderr).toMatch(
      /cannot read the election definition bad\.json/,
    );

    writeFileSync(join(dir, 'invalid.json'), JSON.stringify({ id: 'x' }));
    const invalid = scrutin('credentials', 'generate', '--election', 'invalid.json', '--out', 'out1');
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(/invalid\.json is not a valid election definition:\nid: /);

    const workers = scrutin('credentials', 'generate', '--election', 'invalid.json', '--out', 'out1', '--workers', 'many');
    expect(workers.status).not.toBe(0);
    expect(workers.stderr).toMatch(/--workers <n>.*expected a whole number from 1 to 256/);
    expect(readdirSync(dir)).not.toContain('out1');
  });
});
