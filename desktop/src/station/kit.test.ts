import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unwrap, type ElectionId, type RidingCode, type StationId } from '@scrutin/shared';
import { sha256OfFile } from '@scrutin/shared/crypto';
import { buildRidingIndex } from '@scrutin/shared/kit';
import { generateExportKeyPair, generateStationKeyPair } from '@scrutin/shared/protocol';
import {
  removeTempDirs,
  fixtureElection,
  makeCredentials,
  makeKit,
  tempDir,
  FIXTURE_STATION,
  IRV_STATION,
  OTHER_STATION,
  POLL_WORKERS,
  TEST_PIN_COST,
  type CredentialsFixture,
} from './fixtures.test-support.ts';
import {
  KIT_AUDIO_DIR,
  KIT_FILE,
  RIDING_INDEX_FILE,
  buildStationKit,
  checkKitAudio,
  loadStationKit,
  readKitAudioManifest,
  readStationKit,
  type StationKitFile,
} from './kit.ts';

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

  it('reads nothing through a link: a kit.json or a shard that is a symbolic link is refused, even with the right hash', async () => {
    // A drive's kit whose files point elsewhere on the kiosk (its own data, another kit): the
    // loader must not read through them. The shard link below points at the kit's own shard,
    // moved aside, so its hash matches: only the link itself can be what is refused.
    const dir = await makeKit(credentials);
    const kit = JSON.parse(readFileSync(join(dir, KIT_FILE), 'utf8')) as StationKitFile;
    const aside = join(tempDir(), 'elsewhere.sqlite');
    renameSync(join(dir, kit.shard.file), aside);
    symlinkSync(aside, join(dir, kit.shard.file));
    const shardPath = join(tempDir(), 'shard.sqlite');
    expect(loadStationKit(dir, shardPath)).toMatchObject({ ok: false, error: { kind: 'kit-unreadable' } });
    expect(existsSync(shardPath)).toBe(false);

    const linkedJson = await makeKit(credentials);
    const realJson = join(tempDir(), 'kit.json');
    renameSync(join(linkedJson, KIT_FILE), realJson);
    symlinkSync(realJson, join(linkedJson, KIT_FILE));
    expect(loadStationKit(linkedJson, join(tempDir(), 'shard.sqlite'))).toMatchObject({ ok: false, error: { kind: 'kit-unreadable' } });
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

  it('states the election’s mode, and refuses a kit whose mode is not its election’s, or states none', async () => {
    const dir = await makeKit(credentials);
    expect(JSON.parse(readFileSync(join(dir, KIT_FILE), 'utf8'))).toMatchObject({ mode: 'live' });
    // A live election's kit relabelled test (or the reverse) would sign batches of the wrong mode.
    editKit(dir, (kit) => {
      kit.mode = 'test';
    });
    expect(readStationKit(dir)).toMatchObject({ ok: false, error: { kind: 'kit-invalid', issues: [{ path: 'mode' }] } });
    editKit(dir, (kit) => {
      (kit.election as { mode?: string }).mode = 'test';
    });
    expect(unwrap(readStationKit(dir)).kit.mode).toBe('test');
    editKit(dir, (kit) => {
      delete kit.mode;
    });
    expect(readStationKit(dir)).toMatchObject({ ok: false, error: { kind: 'kit-invalid', issues: [{ path: 'mode' }] } });
  });

  it('carries a riding index of the other stations of the riding, verified like the shard', async () => {
    const dir = await makeKit(credentials, { station: IRV_STATION });
    const kit = JSON.parse(readFileSync(join(dir, KIT_FILE), 'utf8')) as StationKitFile;
    const sameRiding = credentials.manifest.stations.filter((s) => s.riding === 'MONTREAL-CENTRE' && s.id !== IRV_STATION);
    expect(kit.ridingIndex).toMatchObject({
      file: RIDING_INDEX_FILE,
      stations: sameRiding.length,
      voters: sameRiding.reduce((n, s) => n + s.voters, 0),
    });
    const shardPath = join(tempDir(), 'shard.sqlite');
    expect(unwrap(loadStationKit(dir, shardPath)).ridingIndexSha256).toBe(kit.ridingIndex!.sha256);
    expect(sha256OfFile(join(shardPath, '..', RIDING_INDEX_FILE))).toBe(kit.ridingIndex!.sha256);

    // A changed index is refused, and the station keeps nothing of the new kit.
    const tampered = await makeKit(credentials, { station: IRV_STATION });
    const index = new Database(join(tampered, RIDING_INDEX_FILE));
    index.prepare('INSERT INTO credentials (credential_hash, station) VALUES (randomblob(32), 0)').run();
    index.close();
    const target = join(tempDir(), 'shard.sqlite');
    expect(loadStationKit(tampered, target)).toMatchObject({
      ok: false,
      error: { kind: 'kit-shard-tampered', expected: kit.ridingIndex!.sha256 },
    });
    expect(existsSync(target)).toBe(false);
    expect(existsSync(join(target, '..', RIDING_INDEX_FILE))).toBe(false);
  });

  it('still loads a kit without a riding index (kits made before it), and drops an earlier index', async () => {
    const shardPath = join(tempDir(), 'shard.sqlite');
    unwrap(loadStationKit(await makeKit(credentials, { station: IRV_STATION }), shardPath));
    const old = await makeKit(credentials, { station: IRV_STATION, ridingIndex: false });
    expect((JSON.parse(readFileSync(join(old, KIT_FILE), 'utf8')) as StationKitFile).ridingIndex).toBeUndefined();
    expect(unwrap(loadStationKit(old, shardPath)).ridingIndexSha256).toBeNull();
    expect(existsSync(join(shardPath, '..', RIDING_INDEX_FILE))).toBe(false);
  });

  it('copies the audio folder next to the shard, checked clip by clip, and drops it for a kit without audio', async () => {
    const dir = await makeKit(credentials, { station: IRV_STATION, audio: true });
    const kit = JSON.parse(readFileSync(join(dir, KIT_FILE), 'utf8')) as StationKitFile;
    expect(kit.audio).toMatchObject({ dir: KIT_AUDIO_DIR, sha256: sha256OfFile(join(dir, KIT_AUDIO_DIR, 'audio.json')) });
    const shardPath = join(tempDir(), 'shard.sqlite');
    unwrap(loadStationKit(dir, shardPath));
    const copy = join(shardPath, '..', KIT_AUDIO_DIR);
    const manifest = unwrap(readKitAudioManifest(copy))!;
    expect(manifest.clips).toHaveLength(kit.audio!.clips);
    expect(unwrap(checkKitAudio(copy, kit.audio!)).clips).toHaveLength(kit.audio!.clips);
    // Only what the manifest lists is copied.
    expect(readdirSync(copy)).toHaveLength(kit.audio!.clips + 1);

    unwrap(loadStationKit(await makeKit(credentials, { station: IRV_STATION }), shardPath));
    expect(existsSync(copy)).toBe(false);
    // Rendering the clips the first time (an empty clip cache) takes espeak-ng a while.
  }, 180_000);

  it('refuses a kit with a changed clip, and keeps the earlier kit’s shard and audio', async () => {
    const good = await makeKit(credentials, { station: IRV_STATION, audio: true });
    const shardPath = join(tempDir(), 'shard.sqlite');
    unwrap(loadStationKit(good, shardPath));
    const copy = join(shardPath, '..', KIT_AUDIO_DIR);
    const before = readdirSync(copy).map((f) => sha256OfFile(join(copy, f)));
    const shardBefore = sha256OfFile(shardPath);

    const tampered = await makeKit(credentials, { station: IRV_STATION, audio: true, ridingIndex: false });
    const manifest = unwrap(readKitAudioManifest(join(tampered, KIT_AUDIO_DIR)))!;
    const victim = manifest.clips.find((c) => c.text === 'Ruba Haddad' && c.language === 'fr')!;
    const clipPath = join(tampered, KIT_AUDIO_DIR, `${victim.id}.wav`);
    const bytes = readFileSync(clipPath);
    bytes[100] = (bytes[100] ?? 0) ^ 0x55;
    writeFileSync(clipPath, bytes);
    expect(loadStationKit(tampered, shardPath)).toMatchObject({
      ok: false,
      error: { kind: 'kit-audio-tampered', file: `${victim.id}.wav`, expected: victim.sha256 },
    });
    expect(readdirSync(copy).map((f) => sha256OfFile(join(copy, f)))).toEqual(before);
    expect(sha256OfFile(shardPath)).toBe(shardBefore);
    expect(existsSync(join(shardPath, '..', RIDING_INDEX_FILE))).toBe(true);
    expect(existsSync(`${copy}.incoming`)).toBe(false);

    // A clip gone from the folder is refused too.
    rmSync(clipPath);
    expect(loadStationKit(tampered, shardPath)).toMatchObject({ ok: false, error: { kind: 'kit-audio-invalid' } });
  }, 180_000);

  it('refuses a riding index that names this station or a station of another riding', async () => {
    const dir = await makeKit(credentials, { station: IRV_STATION });
    const rebuilt = join(tempDir(), RIDING_INDEX_FILE);
    const shardOf = (id: string) => join(credentials.dir, credentials.manifest.stations.find((s) => s.id === id)!.shard);
    unwrap(
      buildRidingIndex(rebuilt, credentials.election, 'MONTREAL-CENTRE' as RidingCode, [
        { stationId: FIXTURE_STATION, shardPath: shardOf(FIXTURE_STATION) },
      ]),
    );
    editKit(dir, (kit) => {
      cpSync(rebuilt, join(dir, RIDING_INDEX_FILE));
      kit.ridingIndex = { file: RIDING_INDEX_FILE, sha256: sha256OfFile(rebuilt), stations: 1, voters: 200 };
    });
    expect(loadStationKit(dir, join(tempDir(), 'shard.sqlite'))).toMatchObject({
      ok: false,
      error: { kind: 'kit-shard-mismatch', reason: expect.stringMatching(/ST-00001/) as unknown },
    });
  });

  it('refuses a kit whose central URL is plain http to another machine (issue 12), loopback http allowed', async () => {
    for (const url of [
      'http://central.example.org',
      'http://10.0.0.5:8080',
      'ftp://central.example.org',
      'https://user:pw@central.example.org',
    ]) {
      const dir = await makeKit(credentials);
      editKit(dir, (kit) => {
        kit.centralUrl = url;
      });
      const read = readStationKit(dir);
      expect(read, url).toMatchObject({ ok: false, error: { kind: 'kit-invalid' } });
      expect(read.ok ? [] : read.error.kind === 'kit-invalid' ? read.error.issues.map((i) => i.path) : []).toContain('centralUrl');
    }
    for (const url of ['https://central.example.org', 'http://127.0.0.1:8080', 'http://[::1]:8080/', 'http://localhost:3000']) {
      const dir = await makeKit(credentials);
      editKit(dir, (kit) => {
        kit.centralUrl = url;
      });
      expect(readStationKit(dir), url).toMatchObject({ ok: true });
    }
  });

  it('builds no kit with a PIN under 6 digits or over 12, nor with a plain-http central URL (issue 12)', async () => {
    const options = {
      election: credentials.election,
      stationId: IRV_STATION,
      credentials: { kind: 'directory', dir: credentials.dir } as const,
      centralUrl: 'https://central.example.org',
      centralPublicKey: generateStationKeyPair().publicKey,
      centralExportKey: generateExportKeyPair().publicKey,
      pollWorkers: POLL_WORKERS,
      pinCost: TEST_PIN_COST,
    };
    for (const pin of ['1234', '12345', '1234567890123']) {
      const outDir = join(tempDir(), 'kit');
      expect(await buildStationKit({ ...options, outDir, pollWorkers: [{ name: 'A', pin }, POLL_WORKERS[1]] }), pin).toMatchObject({
        ok: false,
        error: { kind: 'invalid-options', issues: [{ path: 'pollWorkers.0.pin' }] },
      });
      expect(existsSync(outDir)).toBe(false);
    }
    const outDir = join(tempDir(), 'kit');
    expect(await buildStationKit({ ...options, outDir, centralUrl: 'http://central.example.org' })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-options', issues: [{ path: 'centralUrl' }] },
    });
    expect(existsSync(outDir)).toBe(false);
    unwrap(await buildStationKit({ ...options, outDir, pollWorkers: [{ name: 'A', pin: '123456' }, POLL_WORKERS[1]] }));
  });

  it('builds kits only from consistent credentials', async () => {
    const options = {
      election: credentials.election,
      stationId: IRV_STATION,
      credentials: { kind: 'directory', dir: credentials.dir } as const,
      centralUrl: 'https://central.example.org',
      centralPublicKey: generateStationKeyPair().publicKey,
      centralExportKey: generateExportKeyPair().publicKey,
      pollWorkers: POLL_WORKERS,
      pinCost: TEST_PIN_COST,
    };
    expect(await buildStationKit({ ...options, outDir: tempDir(), stationId: 'ST-99999' as StationId })).toMatchObject({
      ok: false,
      error: { kind: 'unknown-station' },
    });
    expect(
      await buildStationKit({ ...options, outDir: tempDir(), pollWorkers: [{ name: 'A', pin: '12' }, POLL_WORKERS[1]] }),
    ).toMatchObject({ ok: false, error: { kind: 'invalid-options' } });
    expect(
      await buildStationKit({ ...options, outDir: tempDir(), election: { ...credentials.election, id: 'qc-other-2030' as ElectionId } }),
    ).toMatchObject({
      ok: false,
      error: { kind: 'credentials-mismatch' },
    });
    const full = tempDir();
    writeFileSync(join(full, 'something'), 'x');
    expect(await buildStationKit({ ...options, outDir: full })).toMatchObject({ ok: false, error: { kind: 'out-dir-not-empty' } });
    // Without espeak-ng, a kit with audio is not built, and nothing of it is left.
    const noEngine = join(tempDir(), 'kit');
    const built = await buildStationKit({ ...options, outDir: noEngine, audio: { espeak: join(tempDir(), 'no-espeak-ng') } });
    expect(built).toMatchObject({
      ok: false,
      error: { kind: 'audio-failed', reason: expect.stringMatching(/install espeak-ng/) as unknown },
    });
    expect(existsSync(noEngine)).toBe(false);
  });
});
