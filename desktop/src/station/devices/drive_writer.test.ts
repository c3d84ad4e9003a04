import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ok, type StationId } from '@scrutin/shared';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DriveWriter, exportFileName, type DriveWriteError, type DriveWriterEvent } from './drive_writer.ts';
import type { DriveId, MountedDrive } from './drives.ts';
import { describeMounted } from './udisks_drives.ts';

/**
 * On real file systems: each "drive" is a tmpfs mounted for the test (the kernel's own
 * ENOSPC, EROFS and unmounts), so the tests run as root, as CI does.
 */
const station = 'ST-00042' as StationId;
const now = Date.parse('2026-10-05T21:30:00.250Z');
const root = mkdtempSync(join(tmpdir(), 'scrutin-drives-'));
const mounted: string[] = [];

function mountTmpfs(name: string, options = 'size=4m'): string {
  if (process.getuid?.() !== 0) throw new Error('these tests mount file systems: run them as root (as CI does)');
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `${options},mode=0755`, `scrutin-${name}`, dir]);
  mounted.push(dir);
  return dir;
}

function unmount(dir: string): void {
  execFileSync('umount', [dir]);
  mounted.splice(mounted.indexOf(dir), 1);
}

async function driveAt(mountPoint: string, readOnly = false): Promise<MountedDrive> {
  const described = await describeMounted(
    {
      id: `/org/freedesktop/UDisks2/block_devices/${mountPoint.split('/').at(-1)!}` as DriveId,
      label: 'CLE',
      device: '/dev/sdz1',
      sizeBytes: 0,
      readOnly,
      mountPoint,
    },
    mountPoint,
  );
  if (!described.ok) throw new Error(`cannot describe ${mountPoint}`);
  return described.value;
}

function writerFor(drives: () => readonly MountedDrive[], events?: DriveWriterEvent[]): DriveWriter {
  return new DriveWriter(() => Promise.resolve(ok(drives())), { onEvent: (e) => events?.push(e) });
}

function expectProblem(result: { ok: boolean; error?: DriveWriteError }, kind: DriveWriteError['kind']): DriveWriteError {
  expect(result.ok).toBe(false);
  const error = result.error!;
  expect(error.kind).toBe(kind);
  expect(error.message.fr).not.toBe('');
  expect(error.message.en).not.toBe(error.message.fr);
  return error;
}

const sealed = { format: 'scrutin-sealed-export', version: 1, station, payload: 'x'.repeat(1000) };

afterEach(() => {
  for (const dir of mounted.splice(0)) execFileSync('umount', ['-l', dir]);
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('writing an export to a drive', () => {
  it('writes the whole file under a unique name, fsyncs it, leaves no temporary file, and returns its SHA-256', async () => {
    const key = mountTmpfs('key1');
    const drive = await driveAt(key);
    const written = await writerFor(() => [drive]).write({ directory: key, station, kind: 'pending-batches', content: sealed, now });
    expect(written.ok).toBe(true);
    if (!written.ok) return;
    expect(written.value.fileName).toBe('scrutin-ST-00042-pending-batches-20261005T213000Z.json');
    const bytes = readFileSync(written.value.path);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual(sealed);
    expect(written.value.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(written.value.bytes).toBe(bytes.length);
    expect(readdirSync(key)).toEqual([written.value.fileName]);
  });

  it('never overwrites: a taken name gets the next number and the existing file is untouched', async () => {
    const key = mountTmpfs('key2');
    const drive = await driveAt(key);
    const taken = exportFileName(station, 'full-backup', now);
    writeFileSync(join(key, taken), 'an earlier backup');
    const writer = writerFor(() => [drive]);
    const first = await writer.write({ directory: key, station, kind: 'full-backup', content: sealed, now });
    const second = await writer.write({ directory: key, station, kind: 'full-backup', content: { ...sealed, payload: 'y' }, now });
    expect(first.ok && first.value.fileName).toBe('scrutin-ST-00042-full-backup-20261005T213000Z-2.json');
    expect(second.ok && second.value.fileName).toBe('scrutin-ST-00042-full-backup-20261005T213000Z-3.json');
    expect(readFileSync(join(key, taken), 'utf8')).toBe('an earlier backup');
  });

  it('runs one export at a time', async () => {
    const key = mountTmpfs('key3');
    const drive = await driveAt(key);
    const events: DriveWriterEvent[] = [];
    const writer = writerFor(() => [drive], events);
    const results = await Promise.all(
      (['pending-batches', 'full-backup', 'audit-log'] as const).map((kind) =>
        writer.write({ directory: key, station, kind, content: sealed, now }),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(events.map((e) => e.kind)).toEqual([
      'write-started',
      'write-finished',
      'write-started',
      'write-finished',
      'write-started',
      'write-finished',
    ]);
    expect(readdirSync(key)).toHaveLength(3);
  });

  it('refuses a folder that is not on a listed drive, symlinks resolved, and writes nothing there', async () => {
    const key = mountTmpfs('key4');
    const drive = await driveAt(key);
    const outside = join(root, 'station-disk');
    mkdirSync(outside, { recursive: true });
    symlinkSync(outside, join(key, 'escape'));
    const writer = writerFor(() => [drive]);

    for (const directory of [outside, join(key, 'escape'), join(key, '..', 'station-disk')]) {
      const error = expectProblem(
        await writer.write({ directory, station, kind: 'pending-batches', content: sealed, now }),
        'not-on-a-drive',
      );
      expect(error.message.en).toBe('Exports can only go to a USB key chosen from the list. Choose a key from the list.');
    }
    // A drive that is not listed is refused too.
    const unlisted = mountTmpfs('key4b');
    expectProblem(await writer.write({ directory: unlisted, station, kind: 'pending-batches', content: sealed, now }), 'not-on-a-drive');
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(unlisted)).toEqual([]);
  });

  it('says the drive is full before writing, and leaves nothing behind', async () => {
    const key = mountTmpfs('small', 'size=64k');
    const drive = await driveAt(key);
    const big = { ...sealed, payload: 'z'.repeat(200_000) };
    const error = expectProblem(
      await writerFor(() => [drive]).write({ directory: key, station, kind: 'full-backup', content: big, now }),
      'drive-full',
    );
    expect(error).toMatchObject({ freeBytes: 65_536 });
    expect(error.message.fr).toMatch(/^La clé USB est pleine \(0\.1 Mo libres, 0\.2 Mo nécessaires\)/);
    expect(readdirSync(key)).toEqual([]);
  });

  it('reports a drive that fills up during the write as full, and removes what it created', async () => {
    // Room for the data but for one new file only: the temporary file cannot be created.
    const key = mountTmpfs('inodes', 'size=4m,nr_inodes=2');
    const drive = await driveAt(key);
    expectProblem(
      await writerFor(() => [drive]).write({ directory: key, station, kind: 'pending-batches', content: sealed, now }),
      'drive-full',
    );
    expect(readdirSync(key)).toEqual([]);
  });

  it('says the drive is read-only, whether the listing or the kernel says so', async () => {
    const key = mountTmpfs('ro');
    const listedReadOnly = await driveAt(key, true);
    expectProblem(
      await writerFor(() => [listedReadOnly]).write({ directory: key, station, kind: 'pending-batches', content: sealed, now }),
      'read-only',
    );
    execFileSync('mount', ['-o', 'remount,ro', key]);
    const drive = await driveAt(key);
    const error = expectProblem(
      await writerFor(() => [drive]).write({ directory: key, station, kind: 'pending-batches', content: sealed, now }),
      'read-only',
    );
    expect(error.message.en).toBe('The USB key is write-protected. Unlock it (small switch) or use another key.');
  });

  it('says the drive was removed, whether the listing still shows it or not', async () => {
    const key = mountTmpfs('pulled');
    const drive = await driveAt(key);
    unmount(key);
    // The listing is stale: the folder is now the station's own disk, which must not be written.
    const stale = expectProblem(
      await writerFor(() => [drive]).write({ directory: key, station, kind: 'pending-batches', content: sealed, now }),
      'drive-removed',
    );
    expect(stale.message.fr).toBe('La clé USB a été retirée. Rebranchez-la, choisissez-la dans la liste et exportez de nouveau.');
    expect(readdirSync(key)).toEqual([]);
    rmSync(key, { recursive: true });
    expectProblem(
      await writerFor(() => []).write({ directory: key, station, kind: 'pending-batches', content: sealed, now }),
      'drive-removed',
    );
  });
});
