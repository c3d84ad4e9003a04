import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { StationId } from '@scrutin/shared';
import { DriveWriter } from './drive_writer.ts';
import type { DriveEvent, DriveId } from './drives.ts';
import { mountOptions, MOUNT_OPTIONS, UdisksDriveSource } from './udisks_drives.ts';
import { startUdisksMock, type UdisksMock } from './udisks_mock.test-support.ts';

/**
 * Real: the D-Bus daemon, the D-Bus client library, the messages udisks2 exchanges, and the
 * mounts (the kernel's mount table is read back). Mocked: udisks2 itself and the USB devices
 * (udisks2_mock_template.py).
 */
let udisks: UdisksMock;
const sources: UdisksDriveSource[] = [];

beforeAll(async () => {
  udisks = await startUdisksMock();
});
afterEach(() => {
  for (const source of sources.splice(0)) source.close();
});
afterAll(async () => {
  await udisks.stop();
});

function source(): UdisksDriveSource {
  const s = new UdisksDriveSource({ busAddress: udisks.busAddress, timeoutMs: 5_000 });
  sources.push(s);
  return s;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('removable drives through udisks2', () => {
  it('offers the removable drives only, mounted noexec,nosuid,nodev, with label, size and free space', async () => {
    await udisks.addDrive('sda', { label: 'SYSTEM', sizeBytes: 64 * 1024 * 1024, removable: false });
    const stick = await udisks.addDrive('sdb', { label: 'ELECTIONS', sizeBytes: 8 * 1024 * 1024 });
    const drives = source();

    const listed = await drives.list();
    expect(listed).toEqual({
      ok: true,
      value: [{ id: stick, label: 'ELECTIONS', device: '/dev/sdb1', sizeBytes: 8 * 1024 * 1024, readOnly: false, mountPoint: null }],
    });

    const available = await drives.available();
    expect(available.ok).toBe(true);
    const [mounted] = available.ok ? available.value : [];
    expect(mounted).toMatchObject({ id: stick, label: 'ELECTIONS', mountPoint: `${udisks.mountRoot}/ELECTIONS`, secureMount: true });
    expect(mounted!.freeBytes).toBeGreaterThan(7 * 1024 * 1024);
    expect(await udisks.lastMountOptions()).toBe(MOUNT_OPTIONS);
    expect(await mountOptions(mounted!.mountPoint)).toEqual(expect.arrayContaining(['noexec', 'nosuid', 'nodev']));

    // Listed again, it is mounted already: not mounted twice.
    const again = await drives.mount(stick as DriveId);
    expect(again.ok && again.value.mountPoint).toBe(mounted!.mountPoint);
    await udisks.removeDrive('sdb');
    await udisks.removeDrive('sda');
  });

  it('sees a drive appear and disappear', async () => {
    const drives = source();
    const events: DriveEvent[] = [];
    drives.watch((event) => events.push(event));
    // The match rules are in place once a call has gone through after watch().
    await drives.list();

    const stick = await udisks.addDrive('sdc', { label: 'CLE', sizeBytes: 4 * 1024 * 1024 });
    await until(() => events.some((e) => e.kind === 'added' && e.id === stick), 'the drive to appear');
    expect((await drives.list()).ok && (await drives.list())).toMatchObject({ value: [{ id: stick, label: 'CLE' }] });

    const mounted = await drives.mount(stick as DriveId);
    expect(mounted.ok).toBe(true);
    await until(() => events.some((e) => e.kind === 'changed' && e.id === stick), 'the mount to be signalled');

    await udisks.removeDrive('sdc');
    await until(() => events.some((e) => e.kind === 'removed' && e.id === stick), 'the drive to disappear');
    expect(await drives.list()).toEqual({ ok: true, value: [] });
    const gone = await drives.mount(stick as DriveId);
    expect(gone.ok ? null : gone.error.kind).toBe('drive-not-found');
    expect(gone.ok ? null : gone.error.message.fr).toBe(
      'Cette clé USB n’est plus branchée. Rebranchez-la et choisissez-la de nouveau dans la liste.',
    );
  });

  it('takes an export on a drive chosen from the list, and refuses it once the drive is pulled out', async () => {
    const drives = source();
    await udisks.addDrive('sdd', { label: 'EXPORT', sizeBytes: 4 * 1024 * 1024 });
    const writer = new DriveWriter(() => drives.available());
    const listed = await drives.available();
    const chosen = listed.ok ? listed.value.find((d) => d.label === 'EXPORT') : undefined;
    const request = {
      directory: chosen!.mountPoint,
      station: 'ST-00042' as StationId,
      kind: 'pending-batches' as const,
      content: { sealed: true },
      now: 0,
    };
    const written = await writer.write(request);
    expect(written.ok && readFileSync(written.value.path, 'utf8')).toBe('{"sealed":true}\n');

    await udisks.removeDrive('sdd');
    const refused = await writer.write(request);
    expect(refused.ok ? null : refused.error.kind).toBe('drive-removed');
  });

  it('says, in both languages, when udisks2 cannot be reached', async () => {
    const drives = new UdisksDriveSource({ busAddress: `unix:path=${udisks.mountRoot}/no-bus`, timeoutMs: 2_000 });
    sources.push(drives);
    const listed = await drives.list();
    expect(listed.ok ? null : listed.error.kind).toBe('drives-unavailable');
    expect(listed.ok ? '' : listed.error.message.en).toMatch(/^USB keys cannot be detected/);
  });
});
