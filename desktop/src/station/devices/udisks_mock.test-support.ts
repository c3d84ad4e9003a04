import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Message, sessionBus } from '@jellybrick/dbus-next';

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

const PYTHON = '/usr/bin/python3';
const TEMPLATE = join(import.meta.dirname, 'udisks2_mock_template.py');

export function requireDbusMock(): void {
  try {
    execFileSync('sh', ['-c', 'command -v dbus-daemon'], { stdio: 'ignore' });
    execFileSync(PYTHON, ['-c', 'import dbusmock'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'dbus-daemon or python-dbusmock is missing: install the Debian packages dbus-daemon and python3-dbusmock (.ci/run does)',
    );
  }
  if (process.getuid?.() !== 0) throw new Error('the udisks2 mock mounts real file systems: run the tests as root (as CI does)');
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else
      child.once('exit', () => {
        resolve();
      });
  });
}

export async function startUdisksMock(): Promise<UdisksMock> {
  requireDbusMock();
  const root = mkdtempSync(join(tmpdir(), 'scrutin-dbus-'));
  const mountRoot = join(root, 'media');
  mkdirSync(mountRoot);
  const busAddress = `unix:path=${join(root, 'bus')}`;
  const daemon = spawn('dbus-daemon', ['--session', '--nofork', `--address=${busAddress}`, '--nopidfile'], { stdio: 'ignore' });
  const mock = spawn(
    PYTHON,
    ['-m', 'dbusmock', '--session', '--template', TEMPLATE, '--parameters', JSON.stringify({ mount_root: mountRoot })],
    {
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: busAddress },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let mockErrors = '';
  mock.stderr.on('data', (chunk: Buffer) => {
    mockErrors += chunk.toString('utf8');
  });

  for (let i = 0; !existsSync(join(root, 'bus')); i++) {
    if (i > 100 || daemon.exitCode !== null) {
      mock.kill('SIGTERM');
      daemon.kill('SIGTERM');
      rmSync(root, { recursive: true, force: true });
      throw new Error('the private dbus-daemon did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const control = sessionBus({ busAddress });
  (control as unknown as NodeJS.EventEmitter).on('error', () => undefined);
  const call = async (member: string, signature: string, body: unknown[]) => {
    const reply = await control.call(
      new Message({
        destination: 'org.freedesktop.UDisks2',
        path: '/org/freedesktop/UDisks2',
        interface: 'org.freedesktop.DBus.Mock',
        member,
        signature,
        body,
      }),
    );
    return reply?.body ?? [];
  };

  const stop = async () => {
    control.disconnect();
    mock.kill('SIGTERM');
    await exitOf(mock);
    daemon.kill('SIGTERM');
    await exitOf(daemon);
    // A drive the test left mounted is unmounted before its folder goes.
    try {
      execFileSync('sh', ['-c', `grep -o ' ${mountRoot}/[^ ]*' /proc/self/mounts | xargs -r -n1 umount -l`]);
    } catch {
      // nothing mounted
    }
    rmSync(root, { recursive: true, force: true });
  };

  for (let i = 0; ; i++) {
    try {
      const reply = await control.call(
        new Message({
          destination: 'org.freedesktop.DBus',
          path: '/org/freedesktop/DBus',
          interface: 'org.freedesktop.DBus',
          member: 'NameHasOwner',
          signature: 's',
          body: ['org.freedesktop.UDisks2'],
        }),
      );
      if (reply?.body[0] === true) break;
    } catch {
      // the daemon is not listening yet
    }
    if (i > 100 || mock.exitCode !== null) {
      await stop();
      throw new Error(`the udisks2 mock did not start: ${mockErrors}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    busAddress,
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
