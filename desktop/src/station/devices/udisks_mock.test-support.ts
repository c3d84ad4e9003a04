import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MOCK_INTERFACE, startDbusMock, type DbusMock } from './dbus_mock.test-support.ts';

/**
 * A private D-Bus daemon (the machine's real `dbus-daemon`, on a socket in a temp folder)
 * with udisks2 played by python-dbusmock and our template (udisks2_mock_template.py: what is
 * real and what is mocked is written there). Nothing touches the system bus.
 */
export interface UdisksMock {
  readonly busAddress: string;
  /** Where the mock mounts drives. */
  readonly mountRoot: string;
  addDrive(
    name: string,
    options: { label: string; sizeBytes: number; removable?: boolean; hintAuto?: boolean; hintSystem?: boolean },
  ): Promise<string>;
  removeDrive(name: string): Promise<void>;
  lastMountOptions(): Promise<string>;
  stop(): Promise<void>;
}

const TEMPLATE = join(import.meta.dirname, 'udisks2_mock_template.py');

export async function startUdisksMock(): Promise<UdisksMock> {
  if (process.getuid?.() !== 0) throw new Error('the udisks2 mock mounts real file systems: run the tests as root (as CI does)');
  const mountRoot = mkdtempSync(join(tmpdir(), 'scrutin-media-'));
  let dbus: DbusMock;
  try {
    dbus = await startDbusMock({ template: TEMPLATE, busName: 'org.freedesktop.UDisks2', parameters: { mount_root: mountRoot } });
  } catch (error) {
    rmSync(mountRoot, { recursive: true, force: true });
    throw error;
  }
  const call = (member: string, signature: string, body: unknown[]) =>
    dbus.call('/org/freedesktop/UDisks2', MOCK_INTERFACE, member, signature, body);

  const stop = async () => {
    await dbus.stop();
    // A drive the test left mounted is unmounted before its folder goes.
    try {
      execFileSync('sh', ['-c', `grep -o ' ${mountRoot}/[^ ]*' /proc/self/mounts | xargs -r -n1 umount -l`]);
    } catch {
      // nothing mounted
    }
    rmSync(mountRoot, { recursive: true, force: true });
  };

  return {
    busAddress: dbus.busAddress,
    mountRoot,
    async addDrive(name, o) {
      const [path] = await call('AddDrive', 'ssxbbb', [
        name,
        o.label,
        BigInt(o.sizeBytes),
        o.removable ?? true,
        o.hintAuto ?? o.removable ?? true,
        o.hintSystem ?? !(o.removable ?? true),
      ]);
      return String(path);
    },
    async removeDrive(name) {
      await call('RemoveDrive', 's', [name]);
    },
    async lastMountOptions() {
      const [options] = await call('LastMountOptions', '', []);
      return String(options);
    },
    stop,
  };
}
