import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateStationKeyPair,
  loadStationKit,
  readKitAudioManifest,
  RidingIndex,
  unwrap,
  verifyPin,
  type StationKitFile,
} from '@scrutin/shared/node';

/** The real command, as an official runs it: node server/bin/scrutin.js kit build … */
const bin = fileURLToPath(new URL('../../bin/scrutin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'scrutin-cli-kit-'));
const central = generateStationKeyPair();

function scrutin(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const build = (out: string, ...extra: string[]) =>
  scrutin(
    'kit',
    'build',
    '--election',
    'election/election.json',
    '--credentials',
    'creds',
    '--station',
    'ST-00007',
    '--central-url',
    'https://central.example.org',
    '--central-key',
    central.publicKey,
    '--poll-worker',
    'Amélie Tremblay:482915',
    '--poll-worker',
    'Jordan Gagnon:730164',
    '--out',
    out,
    ...extra,
  );

beforeAll(() => {
  expect(scrutin('election', 'sample', '--out', 'election').status).toBe(0);
  expect(scrutin('credentials', 'generate', '--election', 'election/election.json', '--out', 'creds', '--workers', '1').status).toBe(0);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('scrutin kit build', () => {
  it('builds a kit that loads, with hashed PINs, the riding index of the other stations and the audio ballot', async () => {
    // The clips of earlier test runs, by what they say (rendering them all takes espeak-ng some twenty seconds).
    const run = build('kit', '--clip-cache', join(tmpdir(), 'scrutin-test-clip-cache'));
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /wrote the kit of station ST-00007 \(MONTREAL-CENTRE, 200 voters, 2 poll workers, riding index of \d+ other station\(s\), \d+ voters, audio ballot of \d+ clips\)/,
    );
    const kitJson = readFileSync(join(dir, 'kit', 'kit.json'), 'utf8');
    expect(kitJson).not.toContain('482915');
    const kit = JSON.parse(kitJson) as StationKitFile;
    expect(await verifyPin('482915', kit.pollWorkers[0]!.pinHash)).toBe(true);
    const loaded = unwrap(loadStationKit(join(dir, 'kit'), join(dir, 'station', 'shard.sqlite')));
    expect(loaded).toMatchObject({ stationId: 'ST-00007', riding: 'MONTREAL-CENTRE', voters: 200, centralPublicKey: central.publicKey });
    expect(loaded.ridingIndexSha256).toBe(kit.ridingIndex!.sha256);
    expect(kit.audio?.clips).toBeGreaterThan(300);
    expect(readKitAudioManifest(join(dir, 'station', 'audio'))).toMatchObject({ ok: true, value: { clips: expect.any(Array) as unknown } });

    // The index knows another Montréal-Centre station's voters, and none of this station's.
    const manifest = JSON.parse(readFileSync(join(dir, 'creds', 'manifest.json'), 'utf8')) as {
      stations: { id: string; riding: string; shard: string }[];
    };
    const other = manifest.stations.find((s) => s.riding === 'MONTREAL-CENTRE' && s.id !== 'ST-00007')!;
    const hashOf = (shard: string) => {
      const db = new Database(join(dir, 'creds', shard), { readonly: true });
      const row = db.prepare<[], { credential_hash: Buffer }>('SELECT credential_hash FROM credentials LIMIT 1').get()!;
      db.close();
      return row.credential_hash;
    };
    const index = new RidingIndex(join(dir, 'station', 'riding-index.sqlite'));
    expect(index.stationOf(hashOf(other.shard))?.station).toBe(other.id);
    expect(index.stationOf(hashOf(manifest.stations.find((s) => s.id === 'ST-00007')!.shard))).toBeUndefined();
    index.close();
  });

  it('accepts the central key as a PEM file, and leaves the index out on request', () => {
    writeFileSync(join(dir, 'central.pem'), central.privateKeyPem);
    const run = build('kit-no-index', '--no-riding-index', '--no-audio');
    expect(run.status).toBe(0);
    const kit = JSON.parse(readFileSync(join(dir, 'kit-no-index', 'kit.json'), 'utf8')) as StationKitFile;
    expect(kit.ridingIndex).toBeUndefined();
    const pem = scrutin(
      'kit',
      'build',
      '--election',
      'election/election.json',
      '--credentials',
      'creds',
      '--station',
      'ST-00001',
      '--central-url',
      'https://c.example.org',
      '--central-key',
      'central.pem',
      '--poll-worker',
      'A:123456',
      '--poll-worker',
      'B:567890',
      '--out',
      'kit-pem',
      '--no-audio',
    );
    expect(pem.status).toBe(0);
    expect((JSON.parse(readFileSync(join(dir, 'kit-pem', 'kit.json'), 'utf8')) as StationKitFile).centralPublicKey).toBe(central.publicKey);
  });

  it('refuses bad input with a clear message and writes nothing', () => {
    expect(build('kit')).toMatchObject({ status: 1, stderr: expect.stringMatching(/kit is not empty/) as unknown });
    const badPin = scrutin(
      'kit',
      'build',
      '--election',
      'election/election.json',
      '--credentials',
      'creds',
      '--station',
      'ST-00007',
      '--central-url',
      'https://c.example.org',
      '--central-key',
      central.publicKey,
      '--poll-worker',
      'A:12',
      '--out',
      'k2',
    );
    expect(badPin.status).not.toBe(0);
    expect(badPin.stderr).toMatch(/PIN of A must be 6 to 12 digits/);
    const oneWorker = scrutin(
      'kit',
      'build',
      '--election',
      'election/election.json',
      '--credentials',
      'creds',
      '--station',
      'ST-00007',
      '--central-url',
      'https://c.example.org',
      '--central-key',
      central.publicKey,
      '--poll-worker',
      'A:123456',
      '--out',
      'k3',
    );
    expect(oneWorker).toMatchObject({ status: 1, stderr: expect.stringMatching(/at least two poll workers/) as unknown });
    const unknown = scrutin(
      'kit',
      'build',
      '--election',
      'election/election.json',
      '--credentials',
      'creds',
      '--station',
      'ST-99999',
      '--central-url',
      'https://c.example.org',
      '--central-key',
      central.publicKey,
      '--poll-worker',
      'A:123456',
      '--poll-worker',
      'B:123456',
      '--out',
      'k4',
    );
    expect(unknown).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/station ST-99999 is not in election qc-demo-2026/) as unknown,
    });
    const badKey = scrutin(
      'kit',
      'build',
      '--election',
      'election/election.json',
      '--credentials',
      'creds',
      '--station',
      'ST-00007',
      '--central-url',
      'https://c.example.org',
      '--central-key',
      'nope',
      '--poll-worker',
      'A:123456',
      '--poll-worker',
      'B:123456',
      '--out',
      'k5',
    );
    expect(badKey).toMatchObject({ status: 1, stderr: expect.stringMatching(/--central-key/) as unknown });
  });
});
