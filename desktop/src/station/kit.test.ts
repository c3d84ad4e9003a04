import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256OfFile, unwrap, type ElectionId } from '@scrutin/shared/node';
import { removeTempDirs, fixtureElection, makeCredentials, makeKit, tempDir, FIXTURE_STATION, OTHER_STATION, type CredentialsFixture } from './fixtures.test-support.ts';
import { KIT_FILE, loadStationKit, readStationKit, type StationKitFile } from './kit.ts';

let credentials: CredentialsFixture;
beforeAll(async () => {
  credentials = await makeCredentials(fixtureElection());
});
afterAll(removeTempDirs);

function editKit(dir: string, edit: (kit: Record<string, unknown>) => void): void {
  const path = join(dir, KIT_FILE);
  const kit = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(kit);
  writeFileSync(path, JSON.stringify(kit));
}

describe('station kit', () => {
  it('loads a kit built from a real credentials run, and verifies the copied shard', async () => {
    const dir = await makeKit(credentials);
    const shardPath = join(tempDir(), 'shard.sqlite');
    const kit = unwrap(loadStationKit(dir, shardPath));
    expect(kit).toMatchObject({ stationId: FIXTURE_STATION, riding: 'ABITIBI-OUEST', voters: 200 });
    expect(kit.election.id).toBe('qc-demo-2026');
    expect(kit.pollWorkers).toHaveLength(2);
    expect(sha256OfFile(shardPath)).toBe(kit.shardSha256);
    const entry = credentials.manifest.stations.find((s) => s.id === FIXTURE_STATION)!;
    expect(kit.shardSha256).toBe(entry.shardSha256);
  });

  it('refuses a tampered shard and keeps nothing of it', async () => {
    const dir = await makeKit(credentials);
    const kit = JSON.parse(readFileSync(join(dir, KIT_FILE), 'utf8')) as StationKitFile;
    const shard = new Database(join(dir, kit.shard.file));
    shard.prepare('INSERT INTO credentials (credential_hash) VALUES (randomblob(32))').run();
    shard.close();
    const shardPath = join(tempDir(), 'shard.sqlite');
    const result = loadStationKit(dir, shardPath);
    expect(result).toMatchObject({ ok: false, error: { kind: 'kit-shard-tampered', expected: kit.shard.sha256 } });
    expect(() => readFileSync(shardPath)).toThrow();
  });

  it('refuses a shard of another election, even with a matching hash', async () => {
    const other = await makeCredentials({ ...fixtureElection(), id: 'qc-demo-2030' as ElectionId });
    const dir = await makeKit(credentials);
    const otherShard = join(other.dir, other.manifest.stations.find((s) => s.id === FIXTURE_STATION)!.shard);
    editKit(dir, (kit) => {
      const shard = kit.shard as { file: string; sha256: string };
      cpSync(otherShard, join(dir, shard.file));
      shard.sha256 = sha256OfFile(otherShard);
    });
    expect(loadStationKit(dir, join(tempDir(), 'shard.sqlite'))).toMatchObject({
      ok: false,
      error: { kind: 'kit-other-election', expected: 'qc-demo-2026', actual: 'qc-demo-2030' },
    });
  });

  it('refuses a kit for another election or station than the one the station was set up for', async () => {
    const dir = await makeKit(credentials);
    expect(loadStationKit(dir, join(tempDir(), 'shard.sqlite'), { election: 'qc-other-2026', station: FIXTURE_STATION })).toMatchObject({
      ok: false,
      error: { kind: 'kit-other-election', expected: 'qc-other-2026', actual: 'qc-demo-2026' },
    });
    const other = await makeKit(credentials, { station: OTHER_STATION });
    expect(loadStationKit(other, join(tempDir(), 'shard.sqlite'), { election: 'qc-demo-2026', station: FIXTURE_STATION })).toMatchObject({
      ok: false,
      error: { kind: 'kit-other-station', expected: FIXTURE_STATION, actual: OTHER_STATION },
    });
  });

  it('refuses a shard of another station under a kit for this one', async () => {
    const dir = await makeKit(credentials);
    const otherShard = join(credentials.dir, credentials.manifest.stations.find((s) => s.id === OTHER_STATION)!.shard);
    editKit(dir, (kit) => {
      const shard = kit.shard as { file: string; sha256: string };
      cpSync(otherShard, join(dir, shard.file));
      shard.sha256 = sha256OfFile(otherShard);
    });
    expect(loadStationKit(dir, join(tempDir(), 'shard.sqlite'))).toMatchObject({ ok: false, error: { kind: 'kit-other-station' } });
  });

  it('refuses a malformed kit.json with a typed error listing each problem', async () => {
    const dir = await makeKit(credentials);
    editKit(dir, (kit) => {
      kit.version = 2;
      kit.stationId = 'station one';
      kit.pollWorkers = [(kit.pollWorkers as unknown[])[0]];
      kit.centralPublicKey = 'nope';
    });
    const result = readStationKit(dir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.kind).toBe('kit-invalid');
    const paths = result.error.kind === 'kit-invalid' ? result.error.issues.map((i) => i.path) : [];
    expect(paths).toEqual(expect.arrayContaining(['version', 'stationId', 'pollWorkers', 'centralPublicKey']));

    writeFileSync(join(dir, KIT_FILE), '{ not json');
    expect(readStationKit(dir)).toMatchObject({ ok: false, error: { kind: 'kit-invalid' } });
    expect(readStationKit(tempDir())).toMatchObject({ ok: false, error: { kind: 'kit-unreadable' } });
  });

  it('refuses a kit whose election definition is invalid or does not hold its station', async () => {
    const dir = await makeKit(credentials);
    editKit(dir, (kit) => {
      (kit.election as { closesAt: string }).closesAt = '2000-01-01T00:00:00Z';
    });
    expect(readStationKit(dir)).toMatchObject({ ok: false, error: { kind: 'kit-invalid', issues: [{ path: 'election.closesAt' }] } });
    const other = await makeKit(credentials);
    editKit(other, (kit) => {
      kit.riding = 'SHERBROOKE';
    });
    expect(readStationKit(other)).toMatchObject({ ok: false, error: { kind: 'kit-invalid', issues: [{ path: 'riding' }] } });
  });
});
