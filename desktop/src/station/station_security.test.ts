import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { unwrap } from '@scrutin/shared';
import { generateExportKeyPair, generateStationKeyPair, type PublicKey } from '@scrutin/shared/protocol';
import { stationFrameLoop } from '../api/frame_loop.ts';
import type { HostFrame } from '../api/station_protocol.ts';
import { readAuditLog, verifyAuditLog } from './audit_log.ts';
import { writeBatchExport } from './batch_export.ts';
import { FolderDriveSource } from './devices/folder_drives.ts';
import { ensureStationKey, stationKey } from './enrolment.ts';
import {
  GOOD_PIN,
  IRV_STATION,
  NOW,
  POLL_WORKERS,
  TestClock,
  castFor,
  fixtureElection,
  makeCredentials,
  makeKit,
  openTestStation,
  removeTempDirs,
  tempDir,
  type CredentialsFixture,
} from './fixtures.test-support.ts';
import { aesGcmKeyProtector, readKekFile, UNPROTECTED_KEYS } from './key_protector.ts';
import { localTime } from './messages.ts';
import { LOCKOUT_MS, MAX_LOCKOUT_MS, MAX_PIN_FAILURES, lockoutMs } from './poll_workers.ts';
import { STATION_DB_FILE, openStation, type Station } from './station.ts';

/**
 * The station findings of issue 12 and the station at rest of issue 11: each test runs the
 * attack that worked on the old code and shows that it fails now.
 */
let credentials: CredentialsFixture;
beforeAll(async () => {
  credentials = await makeCredentials(fixtureElection());
});
afterAll(removeTempDirs);

const [AMELIE, JORDAN] = POLL_WORKERS;
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

async function stationWithKit(
  clock = new TestClock(NOW),
  dataDir = tempDir(),
  central?: { readonly fetch: typeof fetch; readonly publicKey: PublicKey },
): Promise<Station> {
  const station = openTestStation(dataDir, clock, central?.fetch, { autoSync: false });
  const kitOptions = central === undefined ? { station: IRV_STATION } : { station: IRV_STATION, centralPublicKey: central.publicKey };
  unwrap(await station.loadKit({ path: await makeKit(credentials, kitOptions) }));
  return station;
}

/** A central that enrols anything (for the tests that need an enrolled station). */
function enrollingCentral(): { fetch: typeof fetch; calls: () => number; publicKey: PublicKey } {
  const central = generateStationKeyPair();
  let calls = 0;
  const fetchFn: typeof fetch = (input) => {
    calls += 1;
    const url = input instanceof Request ? input.url : input.toString();
    if (!url.endsWith('/api/v1/stations/enrol')) return Promise.resolve(new Response('{}', { status: 404 }));
    return Promise.resolve(
      Response.json(
        { station: IRV_STATION, enrolledAt: new Date(NOW).toISOString(), centralPublicKey: central.publicKey },
        { status: 201 },
      ),
    );
  };
  return { fetch: fetchFn, calls: () => calls, publicKey: central.publicKey };
}

async function enrolledWithBallots(dataDir = tempDir(), drives?: FolderDriveSource): Promise<Station> {
  const central = enrollingCentral();
  const clock = new TestClock(NOW);
  const station = openTestStation(dataDir, clock, central.fetch, { autoSync: false }, drives === undefined ? {} : { drives });
  unwrap(
    await station.loadKit({
      path: await makeKit(credentials, { station: IRV_STATION, centralPublicKey: central.publicKey }),
    }),
  );
  unwrap(await station.enrol({ token: 'x'.repeat(32), pin: GOOD_PIN }));
  unwrap(await station.openPolls({ pin: GOOD_PIN }));
  await castFor(station, credentials.election, credentials.cards(IRV_STATION).slice(0, 3));
  unwrap(await station.closePolls({ pin: GOOD_PIN }));
  return station;
}

describe('PIN checks (issue 12)', () => {
  it('(the race) 30 wrong PINs in parallel, then the right one: locked out, and only the first attempts were hashed', async () => {
    for (const worker of [AMELIE.name, undefined]) {
      const station = await stationWithKit();
      const wrong = await Promise.all(Array.from({ length: 30 }, (_, i) => station.unlock({ worker, pin: String(100000 + i) })));
      expect(wrong.filter((r) => !r.ok && r.error.kind === 'pin-wrong')).toHaveLength(MAX_PIN_FAILURES - 1);
      expect(wrong.filter((r) => !r.ok && r.error.kind === 'pin-locked')).toHaveLength(30 - (MAX_PIN_FAILURES - 1));
      expect(await station.unlock({ worker, pin: GOOD_PIN })).toMatchObject({ ok: false, error: { kind: 'pin-locked' } });
      const refused = readAuditLog(station.db).filter((e) => e.event === 'pin-refused');
      // Every attempt is logged; past the limit they are refused unchecked.
      expect(refused).toHaveLength(31);
      expect(refused.filter((e) => (e.details as { locked?: boolean }).locked === true)).toHaveLength(31 - MAX_PIN_FAILURES);
      expect(verifyAuditLog(station.db).ok).toBe(true);
      station.close();
    }
  });

  it('(the broad lockout) five wrong PINs from the Staff button lock out the worker they name, or nobody named; every other worker still signs in', async () => {
    const station = await stationWithKit();
    // Unnamed wrong PINs (or under a name not in the kit) lock out only unnamed checks.
    for (let i = 0; i < MAX_PIN_FAILURES; i += 1) await station.unlock({ worker: i % 2 === 0 ? undefined : 'Mallory', pin: '000000' });
    expect(await station.unlock({ pin: GOOD_PIN })).toMatchObject({ ok: false, error: { kind: 'pin-locked' } });
    expect(await station.unlock({ worker: AMELIE.name, pin: AMELIE.pin })).toEqual({ ok: true, value: { worker: AMELIE.name } });
    // Amélie's five wrong PINs lock out Amélie, not Jordan.
    for (let i = 0; i < MAX_PIN_FAILURES; i += 1) await station.unlock({ worker: AMELIE.name, pin: '000000' });
    expect(await station.unlock({ worker: AMELIE.name, pin: AMELIE.pin })).toMatchObject({ ok: false, error: { kind: 'pin-locked' } });
    expect(unwrap(await station.status({})).pinLockedUntil).toBeNull();
    expect(await station.openPolls({ worker: JORDAN.name, pin: JORDAN.pin })).toMatchObject({ ok: true, value: { state: 'open' } });
    // Jordan's PIN under Amélie's name is wrong: a PIN opens only its own worker.
    expect(await station.unlock({ worker: JORDAN.name, pin: AMELIE.pin })).toMatchObject({ ok: false, error: { kind: 'pin-wrong' } });
    station.close();
  });

  it('backs off exponentially: each wrong PIN after a lockout doubles it, up to the cap; a right PIN resets', async () => {
    expect([4, 5, 6, 7, 8, 9, 10, 40].map(lockoutMs)).toEqual([
      0,
      LOCKOUT_MS,
      2 * LOCKOUT_MS,
      4 * LOCKOUT_MS,
      8 * LOCKOUT_MS,
      16 * LOCKOUT_MS,
      MAX_LOCKOUT_MS,
      MAX_LOCKOUT_MS,
    ]);
    const clock = new TestClock(NOW);
    const station = await stationWithKit(clock);
    const worker = AMELIE.name;
    for (let i = 0; i < MAX_PIN_FAILURES; i += 1) await station.unlock({ worker, pin: '000000' });
    let until = NOW + LOCKOUT_MS;
    for (const factor of [2, 4, 8]) {
      clock.value = until;
      const again = await station.unlock({ worker, pin: '000000' });
      expect(again).toMatchObject({ ok: false, error: { kind: 'pin-locked', until: new Date(until + factor * LOCKOUT_MS).toISOString() } });
      until += factor * LOCKOUT_MS;
    }
    clock.value = until;
    unwrap(await station.unlock({ worker, pin: AMELIE.pin }));
    expect(await station.unlock({ worker, pin: '000000' })).toMatchObject({ ok: false, error: { kind: 'pin-wrong', attemptsLeft: 4 } });
    station.close();
  });

  it('says when the lockout ends in local time, in French and English, never as an ISO string', async () => {
    const station = await stationWithKit();
    let last = await station.unlock({ worker: JORDAN.name, pin: '000000' });
    for (let i = 1; i < MAX_PIN_FAILURES; i += 1) last = await station.unlock({ worker: JORDAN.name, pin: '000000' });
    expect(last.ok).toBe(false);
    if (last.ok || last.error.kind !== 'pin-locked') throw new Error('expected a lockout');
    const at = localTime(last.error.until);
    expect(last.error.message.fr).toContain(at.fr);
    expect(last.error.message.en).toContain(at.en);
    expect(last.error.message.fr).not.toMatch(ISO);
    expect(last.error.message.en).not.toMatch(ISO);
    const tenPast = new Date(2026, 9, 5, 14, 10).getTime();
    expect(localTime(new Date(tenPast).toISOString(), tenPast)).toEqual({ fr: '14 h 10', en: '2:10 p.m.' });
    station.close();
  });
});

describe('commands that need a PIN (issue 12)', () => {
  it('(the attack) enrol without a PIN, or with a wrong one, is refused and central is never called', async () => {
    const central = enrollingCentral();
    const station = await stationWithKit(new TestClock(NOW), tempDir(), central);
    expect(await station.enrol({ token: 'x'.repeat(32), pin: '' })).toMatchObject({ ok: false, error: { kind: 'pin-wrong' } });
    expect(await station.enrol({ token: 'x'.repeat(32), worker: AMELIE.name, pin: JORDAN.pin })).toMatchObject({
      ok: false,
      error: { kind: 'pin-wrong' },
    });
    expect(central.calls()).toBe(0);
    expect(stationKey(station.db)).toBeUndefined();
    // Over the wire, a call without a PIN does not even reach the station.
    const loop = stationFrameLoop(station, () => undefined);
    const replies: HostFrame[] = [];
    await loop.receive({ id: 1, call: { method: 'enrol', args: { token: 'x'.repeat(32) } } }, (f) => replies.push(f));
    expect(replies).toMatchObject([{ type: 'fault', id: 1 }]);
    loop.close();
    expect(central.calls()).toBe(0);
    unwrap(await station.enrol({ token: 'x'.repeat(32), worker: AMELIE.name, pin: AMELIE.pin }));
    expect(central.calls()).toBe(1);
    station.close();
  });

  it('(the attack) replacing a loaded kit, listing drives and exporting need a PIN', async () => {
    const station = await enrolledWithBallots();
    expect(await station.loadKit({ path: await makeKit(credentials, { station: IRV_STATION }) })).toMatchObject({ ok: false });
    const listed = await station.listDrives({ pin: '000000' });
    expect(listed).toMatchObject({ ok: false, error: { kind: 'pin-wrong' } });
    const [drive] = unwrap(await station.listDrives({ pin: GOOD_PIN })).drives;
    expect(await station.exportBatches({ pin: '000000', drive: drive!.id })).toMatchObject({ ok: false, error: { kind: 'pin-wrong' } });
    expect(readdirSync(drive!.device)).toEqual([]);
    expect(unwrap(await station.exportBatches({ pin: GOOD_PIN, drive: drive!.id }))).toMatchObject({ batches: 1, ballots: 3 });
    station.close();
  });
});

describe('exports never overwrite (issue 12)', () => {
  it('(the attack) an export aimed at station.sqlite is refused, typed, and loses nothing', async () => {
    const dataDir = tempDir();
    for (const folder of [dataDir, dirname(dataDir)]) {
      const station = await enrolledWithBallots(join(folder === dataDir ? dataDir : tempDir()), new FolderDriveSource([folder]));
      const [drive] = unwrap(await station.listDrives({ pin: GOOD_PIN })).drives;
      // The old API's path is not part of the call any more.
      const loop = stationFrameLoop(station, () => undefined);
      const replies: HostFrame[] = [];
      const path = join(dataDir, STATION_DB_FILE);
      await loop.receive({ id: 2, call: { method: 'exportBatches', args: { pin: GOOD_PIN, path } } }, (f) => replies.push(f));
      expect(replies).toMatchObject([{ type: 'fault', id: 2 }]);
      loop.close();
      if (folder === dataDir) {
        const refused = await station.exportBatches({ pin: GOOD_PIN, drive: drive!.id });
        expect(refused).toMatchObject({ ok: false, error: { kind: 'export-refused', reason: 'station-data' } });
        expect(readAuditLog(station.db).at(-1)).toMatchObject({ event: 'export-failed', details: { reason: 'station-data' } });
      }
      station.close();
    }
    // The station database is whole: it opens, and its ballots are all there.
    const reopened = unwrap(openStation({ dataDir }));
    expect(unwrap(await reopened.status({})).ballotsCast).toBe(3);
    reopened.close();
  });

  it('(the attack) a drive holding the station data (mounted above it) is refused too', async () => {
    const parent = tempDir();
    const dataDir = join(parent, 'station');
    mkdirSync(dataDir);
    const station = await enrolledWithBallots(dataDir, new FolderDriveSource([parent]));
    const [drive] = unwrap(await station.listDrives({ pin: GOOD_PIN })).drives;
    expect(await station.exportBatches({ pin: GOOD_PIN, drive: drive!.id })).toMatchObject({
      ok: false,
      error: { kind: 'export-refused', message: { fr: expect.stringMatching(/données du poste/) as unknown } },
    });
    station.close();
  });

  it('never writes over a file already on the drive, nor onto a drive not in the list', async () => {
    const usb = tempDir('scrutin-usb-');
    const station = await enrolledWithBallots(tempDir(), new FolderDriveSource([usb]));
    const [drive] = unwrap(await station.listDrives({ pin: GOOD_PIN })).drives;
    const first = unwrap(await station.exportBatches({ pin: GOOD_PIN, drive: drive!.id }));
    const firstBytes = readFileSync(first.path);
    const second = unwrap(await station.exportBatches({ pin: GOOD_PIN, drive: drive!.id }));
    expect(second.path).not.toBe(first.path);
    expect(readFileSync(first.path)).toEqual(firstBytes);
    expect(await station.exportBatches({ pin: GOOD_PIN, drive: `folder:${tempDir()}` })).toMatchObject({
      ok: false,
      error: { kind: 'drive-problem', reason: 'drive-not-found' },
    });
    station.close();
  });

  it('writeBatchExport (for tools) refuses an existing file, typed, and leaves it as it was', async () => {
    const station = await enrolledWithBallots();
    station.sync.seal();
    const key = stationKey(station.db)!;
    const identity = {
      election: credentials.election.id,
      station: IRV_STATION,
      privateKeyPem: key.privateKeyPem,
      centralExportKey: generateExportKeyPair().publicKey,
    };
    const target = join(tempDir(), 'precious.sqlite');
    writeFileSync(target, 'precious');
    expect(await writeBatchExport(station.db, identity, target, NOW)).toEqual({
      ok: false,
      error: { kind: 'target-exists', path: target },
    });
    expect(readFileSync(target, 'utf8')).toBe('precious');
    station.close();
  });
});

describe('the station at rest (issue 11)', () => {
  it('creates the data folder 0700 and its files 0600, narrows an existing folder, and leaves alone what is not the station’s', async () => {
    const dataDir = join(tempDir(), 'data');
    mkdirSync(dataDir, { mode: 0o755 });
    writeFileSync(join(dataDir, 'notes.txt'), 'x', { mode: 0o644 });
    writeFileSync(join(dataDir, `${STATION_DB_FILE}-wal`), '', { mode: 0o644 });
    const station = await stationWithKit(new TestClock(NOW), dataDir);
    unwrap(await station.unlock({ pin: GOOD_PIN }));
    const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
    const tree = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const path = join(dir, e.name);
        return e.isDirectory() ? [path, ...tree(path)] : [path];
      });
    expect(mode(dataDir)).toBe('700');
    const files = tree(dataDir).filter((f) => !f.endsWith('notes.txt'));
    expect(files).toEqual(expect.arrayContaining([join(dataDir, STATION_DB_FILE), join(dataDir, 'shard.sqlite')]));
    for (const file of files) expect(mode(file), file).toBe(statSync(file).isDirectory() ? '700' : '600');
    expect(mode(join(dataDir, 'notes.txt'))).toBe('644');
    station.close();
  });

  it('(the attack) keeps the signing key sealed: the database alone does not hold it, nor open without the KEK', () => {
    const kek = randomBytes(32);
    const protector = aesGcmKeyProtector(kek);
    const dataDir = tempDir();
    const station = openTestStation(dataDir, new TestClock(NOW), undefined, { autoSync: false }, { keyProtector: protector });
    const key = ensureStationKey(station.db, NOW, protector);
    station.close();
    const raw = readFileSync(join(dataDir, STATION_DB_FILE));
    expect(raw.includes('PRIVATE KEY')).toBe(false);
    expect(raw.includes(key.privateKeyPem.split('\n')[1]!)).toBe(false);
    expect(openStation({ dataDir })).toMatchObject({ ok: false, error: { kind: 'station-key-locked' } });
    expect(openStation({ dataDir, keyProtector: aesGcmKeyProtector(randomBytes(32)) })).toMatchObject({
      ok: false,
      error: { kind: 'station-key-locked' },
    });
    const reopened = unwrap(openStation({ dataDir, keyProtector: protector }));
    expect(stationKey(reopened.db, protector)).toEqual(key);
    reopened.close();
  });

  it('seals a key kept in clear (a station from before) when it first opens with a KEK, with no copy left in the file', () => {
    const dataDir = tempDir();
    const station = openTestStation(dataDir, new TestClock(NOW));
    const key = ensureStationKey(station.db, NOW, UNPROTECTED_KEYS);
    station.close();
    expect(readFileSync(join(dataDir, STATION_DB_FILE)).includes('PRIVATE KEY')).toBe(true);
    const protector = aesGcmKeyProtector(randomBytes(32));
    const sealed = unwrap(openStation({ dataDir, keyProtector: protector }));
    expect(stationKey(sealed.db, protector)?.privateKeyPem).toBe(key.privateKeyPem);
    sealed.close();
    for (const file of [STATION_DB_FILE, `${STATION_DB_FILE}-wal`]) {
      const path = join(dataDir, file);
      expect(readdirSync(dataDir).includes(file) ? readFileSync(path).includes('PRIVATE KEY') : false, file).toBe(false);
    }
  });

  it('reads a KEK file only when it is 32 bytes and readable by its owner alone', () => {
    const dir = tempDir();
    const raw = join(dir, 'raw.kek');
    writeFileSync(raw, randomBytes(32), { mode: 0o600 });
    expect(unwrap(readKekFile(raw))).toHaveLength(32);
    const hex = join(dir, 'hex.kek');
    writeFileSync(hex, `${randomBytes(32).toString('hex')}\n`, { mode: 0o400 });
    expect(unwrap(readKekFile(hex))).toHaveLength(32);
    chmodSync(raw, 0o644);
    expect(readKekFile(raw)).toMatchObject({ ok: false, error: { kind: 'kek-too-open', mode: '0644' } });
    const short = join(dir, 'short.kek');
    writeFileSync(short, 'too short', { mode: 0o600 });
    expect(readKekFile(short)).toMatchObject({ ok: false, error: { kind: 'kek-malformed' } });
    expect(readKekFile(join(dir, 'missing.kek'))).toMatchObject({ ok: false, error: { kind: 'kek-unreadable' } });
  });

  it('checkpoints the WAL after a receipt lets rows go, and on close', async () => {
    const dataDir = tempDir();
    const station = await enrolledWithBallots(dataDir);
    const spy = vi.spyOn(station.db, 'pragma');
    station.close();
    expect(spy.mock.calls.map((c) => c[0])).toContain('wal_checkpoint(TRUNCATE)');
    expect(statSync(join(dataDir, `${STATION_DB_FILE}-wal`), { throwIfNoEntry: false })?.size ?? 0).toBe(0);
  });
});
