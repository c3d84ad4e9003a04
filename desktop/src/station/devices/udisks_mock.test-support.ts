import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Message, sessionBus, type MessageBus } from '@jellybrick/dbus-next';

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
  let mock: ChildProcess | null = null;
  let mockErrors = '';
  /** The mock starts once the daemon answers (it would give up on a bus not listening yet). */
  const startMock = () => {
    const child = spawn(
      PYTHON,
      ['-m', 'dbusmock', '--session', '--template', TEMPLATE, '--parameters', JSON.stringify({ mount_root: mountRoot })],
      {
        env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: busAddress },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    child.stderr.on('data', (chunk: Buffer) => {
      mockErrors += chunk.toString('utf8');
    });
    return child;
  };

  /** A method call that fails rather than hangs when the connection breaks. */
  const callOn = async (bus: MessageBus, message: Message): Promise<unknown[]> => {
    let timer: NodeJS.Timeout | undefined;
    const failed = new Promise<never>((_resolve, reject) => {
      (bus as unknown as NodeJS.EventEmitter).once('error', reject);
      timer = setTimeout(() => {
        reject(new Error(`${message.member}: no answer`));
      }, 5_000);
    });
    try {
      return (await Promise.race([bus.call(message), failed]))?.body ?? [];
    } finally {
      clearTimeout(timer);
    }
  };
  const hasOwner = new Message({
    destination: 'org.freedesktop.DBus',
    path: '/org/freedesktop/DBus',
    interface: 'org.freedesktop.DBus',
    member: 'NameHasOwner',
    signature: 's',
    body: ['org.freedesktop.UDisks2'],
  });

  const stopProcesses = async () => {
    if (mock !== null) {
      mock.kill('SIGTERM');
      await exitOf(mock);
    }
    daemon.kill('SIGTERM');
    await exitOf(daemon);
  };
  // Until udisks2 (the mock) owns its name, each attempt uses a new connection: one made
  // before the daemon listens is broken for good.
  let control: MessageBus | null = null;
  for (let i = 0; control === null; i++) {
    if (existsSync(join(root, 'bus'))) {
      const bus = sessionBus({ busAddress });
      (bus as unknown as NodeJS.EventEmitter).on('error', () => undefined);
      try {
        const [owned] = await callOn(bus, hasOwner);
        mock ??= startMock();
        if (owned === true) control = bus;
      } catch {
        // not listening yet
      }
      if (control === null) bus.disconnect();
    }
    if (control === null && (i > 100 || mock?.exitCode != null || daemon.exitCode !== null)) {
      await stopProcesses();
      rmSync(root, { recursive: true, force: true });
      throw new Error(`the udisks2 mock did not start: ${mockErrors}`);
    }
    if (control === null) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const bus = control;
  const call = (member: string, signature: string, body: unknown[]) =>
    callOn(
      bus,
      new Message({
        destination: 'org.freedesktop.UDisks2',
        path: '/org/freedesktop/UDisks2',
        interface: 'org.freedesktop.DBus.Mock',
        member,
        signature,
        body,
      }),
    );

  const stop = async () => {
    bus.disconnect();
    await stopProcesses();
    // A drive the test left mounted is unmounted before its folder goes.
    try {
      execFileSync('sh', ['-c', `grep -o ' ${mountRoot}/[^ ]*' /proc/self/mounts | xargs -r -n1 umount -l`]);
    } catch {
      // nothing mounted
    }
    rmSync(root, { recursive: true, force: true });
  };

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
