import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Variant } from '@jellybrick/dbus-next';
import { unwrap } from '@scrutin/shared';
import { readAuditLog, verifyAuditLog } from './audit_log.ts';
import { SimulatedClock } from './devices/clock.ts';
import { MOCK_INTERFACE, startDbusMock } from './devices/dbus_mock.test-support.ts';
import { FolderDriveSource } from './devices/folder_drives.ts';
import { TimedatedClock } from './devices/timedated_clock.ts';
import {
  FIXTURE_STATION,
  GOOD_PIN,
  NOW,
  OTHER_STATION,
  POLL_WORKERS,
  TestClock,
  fixtureElection,
  makeCredentials,
  makeKit,
  openTestStation,
  removeTempDirs,
  tempDir,
  type CredentialsFixture,
} from './fixtures.test-support.ts';
import { KIT_JSON_MAX_BYTES } from './kit_drives.ts';
import type { Station } from './station.ts';

/**
 * The technician's setup-time methods (issue 14): the kits on the USB drives, offered without
 * a PIN while the station has no kit, and never afterwards; malicious drives; the clock set
 * offline, with its audit entry.
 */
let credentials: CredentialsFixture;
let kitDir: string;
let otherKitDir: string;
beforeAll(async () => {
  credentials = await makeCredentials(fixtureElection());
  kitDir = await makeKit(credentials);
  otherKitDir = await makeKit(credentials, { station: OTHER_STATION });
});
afterAll(removeTempDirs);

const shardOf = (dir: string) => (JSON.parse(readFileSync(join(dir, 'kit.json'), 'utf8')) as { shard: { file: string } }).shard.file;

/** A "USB stick" (a folder listed as the one drive) and a station without a kit that sees it. */
function stationWithStick(clock: TestClock | SimulatedClock = new TestClock(NOW)) {
  const stick = tempDir('scrutin-stick-');
  const drives = new FolderDriveSource([stick]);
  const setter = clock instanceof SimulatedClock ? { clock } : {};
  const station = openTestStation(tempDir(), clock, undefined, { autoSync: false }, { drives, ...setter });
  return { stick, drives, station, drive: `folder:${stick}` };
}

async function kitsOn(station: Station) {
  const listed = unwrap(await station.setupKits({}));
  expect(listed.drives).toHaveLength(1);
  return listed.drives[0]!.kits;
}

describe('the kits on the USB drives, at setup', () => {
  it('lists the kits a drive holds, checked, with nothing of their poll workers; loads the one chosen', async () => {
    const { stick, station, drive } = stationWithStick();
    cpSync(kitDir, join(stick, 'ST-00001'), { recursive: true });
    cpSync(otherKitDir, join(stick, 'ST-00004'), { recursive: true });
    mkdirSync(join(stick, 'photos'));
    writeFileSync(join(stick, 'photos', 'a.txt'), 'not a kit');

    const listed = unwrap(await station.setupKits({}));
    expect(listed.drives[0]).toMatchObject({ id: drive, kits: [{ folder: 'ST-00001' }, { folder: 'ST-00004' }] });
    const [first, second] = listed.drives[0]!.kits;
    expect(first).toMatchObject({ kit: { station: FIXTURE_STATION }, problem: null });
    expect(first?.kit?.voters).toBeGreaterThan(0);
    expect(second).toMatchObject({ kit: { station: OTHER_STATION }, problem: null });
    // Nothing of the poll workers or of central's keys before a kit is loaded.
    const text = JSON.stringify(listed);
    for (const worker of POLL_WORKERS) expect(text).not.toContain(worker.name);
    expect(text).not.toMatch(/scrypt\$|centralPublicKey|pinHash/);

    const loaded = unwrap(await station.loadKit({ drive, folder: 'ST-00001' }));
    expect(loaded.station).toBe(FIXTURE_STATION);
    expect(readAuditLog(station.db).map((e) => e.event)).toEqual(['kit-loaded']);
    station.close();
  });

  it('refuses to list or mount anything once a kit is loaded', async () => {
    const { stick, drives, station } = stationWithStick();
    cpSync(kitDir, join(stick, 'ST-00001'), { recursive: true });
    unwrap(await station.loadKit({ path: kitDir }));
    const available = vi.spyOn(drives, 'available');
    const refused = await station.setupKits({});
    expect(refused.ok ? null : refused.error).toMatchObject({ kind: 'setup-over' });
    expect(refused.ok ? '' : refused.error.message.en).toMatch(/^The kit is already loaded/);
    expect(available).not.toHaveBeenCalled();
    station.close();
  });

  it('refuses links out of the drive, huge files, tampered shards and parts of another kit, each clearly', async () => {
    const { stick, station, drive } = stationWithStick();
    // A kit folder that is a link to a real kit elsewhere on the machine.
    symlinkSync(kitDir, join(stick, 'A-link-folder'));
    // A kit whose kit.json is a link (to the real one).
    mkdirSync(join(stick, 'B-link-kit-json'));
    symlinkSync(join(kitDir, 'kit.json'), join(stick, 'B-link-kit-json', 'kit.json'));
    // A kit whose shard is a link to the very shard kit.json names: its hash matches, it is still refused.
    cpSync(kitDir, join(stick, 'C-link-shard'), { recursive: true });
    const shard = shardOf(kitDir);
    const linked = join(stick, 'C-link-shard', shard);
    rmSync(linked);
    symlinkSync(join(kitDir, shard), linked);
    // A kit.json far too large to be read (sparse: it costs no disk).
    mkdirSync(join(stick, 'D-huge'));
    writeFileSync(join(stick, 'D-huge', 'kit.json'), '{');
    truncateSync(join(stick, 'D-huge', 'kit.json'), KIT_JSON_MAX_BYTES + 1);
    // A kit whose shard is another station's (kit.json unchanged): tampered.
    cpSync(kitDir, join(stick, 'E-other-shard'), { recursive: true });
    cpSync(join(otherKitDir, shardOf(otherKitDir)), join(stick, 'E-other-shard', shard));

    const kits = await kitsOn(station);
    const problems = Object.fromEntries(kits.map((k) => [k.folder, k.problem?.en ?? null]));
    expect(problems).toEqual({
      'A-link-folder': 'Kit refused: "A-link-folder" is a link, not a file on the drive. Ask for a new kit.',
      'B-link-kit-json': 'Kit refused: "kit.json" is a link, not a file on the drive. Ask for a new kit.',
      'C-link-shard': `Kit refused: "${shard}" is a link, not a file on the drive. Ask for a new kit.`,
      'D-huge': 'Kit refused: "kit.json" is far too large for a kit. Ask for a new kit.',
      'E-other-shard': 'The kit’s voter list has been altered (its fingerprint differs). Do not use this kit; tell the returning officer.',
    });
    // What it is is still shown for a kit whose kit.json could be read.
    expect(kits.find((k) => k.folder === 'E-other-shard')?.kit?.station).toBe(FIXTURE_STATION);

    // Loading them is refused as the list says, and nothing is loaded.
    for (const folder of ['A-link-folder', 'B-link-kit-json', 'C-link-shard', 'D-huge', 'E-other-shard']) {
      const refused = await station.loadKit({ drive, folder });
      // The same words as the list's.
      expect(refused.ok ? null : refused.error.message.en).toBe(problems[folder]);
    }
    const outside = await station.loadKit({ drive, folder: '..' });
    expect(outside.ok ? null : outside.error).toMatchObject({ kind: 'kit-unsafe', reason: 'outside-drive' });
    const unlisted = await station.loadKit({ drive: 'folder:/', folder: '.' });
    expect(unlisted.ok ? null : unlisted.error).toMatchObject({ kind: 'drive-problem', reason: 'drive-not-found' });
    expect(unwrap(await station.status({})).kit).toBeNull();
    expect(readAuditLog(station.db).filter((e) => e.event === 'kit-refused')).toHaveLength(6);
    station.close();
  });
});

describe('a kit whose folder the technician types', () => {
  it('has the same bound on kit.json as a kit on a drive: a 17 MiB kit.json is refused, unread, in the same words', async () => {
    const { station } = stationWithStick();
    const typed = tempDir('scrutin-typed-kit-');
    cpSync(kitDir, typed, { recursive: true });
    // Sparse: 17 MiB that cost no disk, and would be read whole without the bound.
    writeFileSync(join(typed, 'kit.json'), '{');
    truncateSync(join(typed, 'kit.json'), 17 * 1024 * 1024);
    const refused = await station.loadKit({ path: typed });
    expect(refused.ok ? null : refused.error).toMatchObject({ kind: 'kit-unsafe', reason: 'too-large', file: 'kit.json' });
    expect(refused.ok ? null : refused.error.message.en).toBe('Kit refused: "kit.json" is far too large for a kit. Ask for a new kit.');
    expect(refused.ok ? null : refused.error.message.fr).toBe(
      'Trousse refusée : « kit.json » est bien trop volumineux pour une trousse. Demandez une nouvelle trousse.',
    );
    expect(readAuditLog(station.db).map((e) => [e.event, e.details])).toEqual([['kit-refused', { reason: 'kit-unsafe:too-large' }]]);
    expect(unwrap(await station.status({})).kit).toBeNull();
    // The same kit with its own kit.json loads.
    cpSync(join(kitDir, 'kit.json'), join(typed, 'kit.json'));
    expect(unwrap(await station.loadKit({ path: typed })).station).toBe(FIXTURE_STATION);
    station.close();
  });
});

describe('setting the clock at setup', () => {
  it('sets it before the kit without a PIN, then with a poll worker’s, and logs the time before, the time set and who', async () => {
    const clock = new SimulatedClock(() => NOW);
    const { station } = stationWithStick(clock);
    const before = new Date(NOW).toISOString();
    const set = unwrap(await station.setClock({ at: '2026-10-05T14:00:00.000Z' }));
    expect(set).toEqual({ previous: before, now: '2026-10-05T14:00:00.000Z' });
    expect(clock.now()).toBe(Date.parse('2026-10-05T14:00:00Z'));

    unwrap(await station.loadKit({ path: kitDir }));
    const [amelie] = POLL_WORKERS;
    const noPin = await station.setClock({ at: '2026-10-05T15:00:00Z' });
    expect(noPin.ok ? null : noPin.error.kind).toBe('pin-wrong');
    unwrap(await station.setClock({ at: '2026-10-05T15:00:00Z', pin: GOOD_PIN, worker: amelie.name }));
    const typo = await station.setClock({ at: '1970-01-01T00:00:00Z', pin: GOOD_PIN, worker: amelie.name });
    expect(typo.ok ? null : typo.error).toMatchObject({ kind: 'clock-invalid' });

    const entries = readAuditLog(station.db).filter((e) => e.event.startsWith('clock'));
    expect(entries.map((e) => e.details)).toEqual([
      { from: before, to: '2026-10-05T14:00:00.000Z', by: 'technician-setup', worker: '' },
      { from: '2026-10-05T14:00:00.000Z', to: '2026-10-05T15:00:00.000Z', by: 'technician-setup', worker: amelie.name },
    ]);
    // Each entry is written at the station's new time.
    expect(entries.map((e) => e.at)).toEqual(['2026-10-05T14:00:00.000Z', '2026-10-05T15:00:00.000Z']);
    expect(verifyAuditLog(station.db).ok).toBe(true);

    // Once the polls are open, the clock is not set from the station, and nothing is logged.
    unwrap(await station.openPolls({ pin: GOOD_PIN, worker: amelie.name }));
    const locked = await station.setClock({ at: '2026-10-05T18:00:00Z', pin: GOOD_PIN, worker: amelie.name });
    expect(locked.ok ? null : locked.error).toMatchObject({ kind: 'clock-locked', state: 'open' });
    expect(clock.now()).toBe(Date.parse('2026-10-05T15:00:00Z'));
    expect(readAuditLog(station.db).filter((e) => e.event.startsWith('clock'))).toHaveLength(2);
    station.close();
  });

  it('says so, and logs it, when the station has no time service', async () => {
    const station = openTestStation(tempDir(), new TestClock(NOW), undefined, { autoSync: false });
    const refused = await station.setClock({ at: '2026-10-05T14:00:00Z' });
    expect(refused.ok ? null : refused.error).toMatchObject({ kind: 'clock-problem', reason: 'clock-unavailable' });
    expect(readAuditLog(station.db).map((e) => [e.event, e.details])).toEqual([
      ['clock-set-failed', { to: '2026-10-05T14:00:00.000Z', reason: 'clock-unavailable', by: 'technician-setup', worker: '' }],
    ]);
    station.close();
  });

  it('sets the system clock through timedated (python-dbusmock’s template, on a private bus)', async () => {
    const timedated = await startDbusMock({ template: 'timedated', busName: 'org.freedesktop.timedate1' });
    const clock = new TimedatedClock({ busAddress: timedated.busAddress, timeoutMs: 3_000 });
    try {
      const station = openTestStation(tempDir(), new TestClock(NOW), undefined, { autoSync: false }, { clock });
      unwrap(await station.setClock({ at: '2026-10-05T14:30:00Z' }));
      const [log] = await timedated.call('/org/freedesktop/timedate1', MOCK_INTERFACE, 'GetCalls', '', []);
      const calls = (log as [bigint, string, Variant[]][]).map(([, member, args]) => [member, ...args.map((a) => a.value)]);
      expect(calls).toEqual([
        ['SetNTP', false, false],
        ['SetTime', BigInt(Date.parse('2026-10-05T14:30:00Z')) * 1000n, false, false],
      ]);
      expect(readAuditLog(station.db).map((e) => e.event)).toEqual(['clock-set']);
      station.close();
    } finally {
      clock.close();
      await timedated.stop();
    }
  });
});
