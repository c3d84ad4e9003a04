import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Message, sessionBus, type MessageBus } from '@jellybrick/dbus-next';

/**
 * A private D-Bus daemon (the machine's real `dbus-daemon`, on a socket in a temp folder) with
 * one system service played by python-dbusmock and a template (one of python-dbusmock's own,
 * such as `timedated`, or a file of ours such as udisks2_mock_template.py). Nothing touches the
 * system bus. The udisks2 and timedated tests share it.
 */
export interface DbusMock {
  readonly busAddress: string;
  /** The mock's temp folder (the bus socket is in it); removed by `stop`. */
  readonly root: string;
  /** A method call on the mocked service (its own interfaces, or org.freedesktop.DBus.Mock to steer it). */
  call(path: string, iface: string, member: string, signature: string, body: unknown[]): Promise<unknown[]>;
  stop(): Promise<void>;
}

export const PYTHON = '/usr/bin/python3';
export const MOCK_INTERFACE = 'org.freedesktop.DBus.Mock';

export function requireDbusMock(): void {
  try {
    execFileSync('sh', ['-c', 'command -v dbus-daemon'], { stdio: 'ignore' });
    execFileSync(PYTHON, ['-c', 'import dbusmock'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'dbus-daemon or python-dbusmock is missing: install the Debian packages dbus-daemon and python3-dbusmock (.ci/run does)',
    );
  }
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

/** A method call that fails rather than hangs when the connection breaks. */
async function callOn(bus: MessageBus, message: Message): Promise<unknown[]> {
  let timer: NodeJS.Timeout | undefined;
  let onError: ((error: unknown) => void) | undefined;
  const emitter = bus as unknown as NodeJS.EventEmitter;
  const failed = new Promise<never>((_resolve, reject) => {
    onError = reject;
    emitter.once('error', onError);
    timer = setTimeout(() => {
      reject(new Error(`${message.member}: no answer`));
    }, 5_000);
  });
  try {
    return (await Promise.race([bus.call(message), failed]))?.body ?? [];
  } finally {
    clearTimeout(timer);
    if (onError !== undefined) emitter.off('error', onError);
  }
}

export async function startDbusMock(options: {
  /** A python-dbusmock template name or the path of a template file. */
  readonly template: string;
  /** The bus name the template takes. */
  readonly busName: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
}): Promise<DbusMock> {
  requireDbusMock();
  const root = mkdtempSync(join(tmpdir(), 'scrutin-dbus-'));
  const busAddress = `unix:path=${join(root, 'bus')}`;
  const daemon = spawn('dbus-daemon', ['--session', '--nofork', `--address=${busAddress}`, '--nopidfile'], { stdio: 'ignore' });
  let mock: ChildProcess | null = null;
  let mockErrors = '';
  /** The mock starts once the daemon answers (it would give up on a bus not listening yet). */
  const startMock = () => {
    const child = spawn(
      PYTHON,
      ['-m', 'dbusmock', '--session', '--template', options.template, '--parameters', JSON.stringify(options.parameters ?? {})],
      { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: busAddress }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr.on('data', (chunk: Buffer) => {
      mockErrors += chunk.toString('utf8');
    });
    return child;
  };
  const hasOwner = new Message({
    destination: 'org.freedesktop.DBus',
    path: '/org/freedesktop/DBus',
    interface: 'org.freedesktop.DBus',
    member: 'NameHasOwner',
    signature: 's',
    body: [options.busName],
  });
  const stopProcesses = async () => {
    if (mock !== null) {
      mock.kill('SIGTERM');
      await exitOf(mock);
    }
    daemon.kill('SIGTERM');
    await exitOf(daemon);
  };
  // Until the mock owns its name, each attempt uses a new connection: one made before the
  // daemon listens is broken for good.
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
      throw new Error(`the ${options.busName} mock did not start: ${mockErrors}`);
    }
    if (control === null) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const bus = control;
  return {
    busAddress,
    root,
    call: (path, iface, member, signature, body) =>
      callOn(bus, new Message({ destination: options.busName, path, interface: iface, member, signature, body })),
    async stop() {
      bus.disconnect();
      await stopProcesses();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
