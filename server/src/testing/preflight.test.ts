import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { assertServices, probeServices } from './preflight.ts';
import { SERVICE_URLS } from './services.ts';
import { freePorts } from './ports.ts';

/**
 * `npm run services` (scripts/services.sh) and the check every test run starts with: a run
 * with a service missing stops at once with what to do, never after minutes of timeouts.
 */
const ROOT = join(import.meta.dirname, '../../..');
const SCRIPT = join(ROOT, 'scripts/services.sh');
const run = promisify(execFile);

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no port');
  return port;
}

async function exitOf(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    const { stdout, stderr } = await run(command, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('the service check', () => {
  it('passes when the three services answer', async () => {
    expect(await probeServices()).toEqual([]);
  });

  it('names the service, its URL and the reason when a port is closed, within seconds', async () => {
    const port = await closedPort();
    const urls = { ...SERVICE_URLS, redis: `redis://127.0.0.1:${port}`, amqp: `amqp://guest:guest@127.0.0.1:${port}` };
    const problems = await probeServices(urls);
    expect(problems.map((p) => p.service)).toEqual(['Redis', 'RabbitMQ']);
    for (const p of problems) expect(p.reason).toMatch(/ECONNREFUSED/);
    expect(problems[1]?.url).toBe(`amqp://guest:***@127.0.0.1:${port}`);
    await expect(assertServices(urls)).rejects.toThrow(
      new RegExp(
        `The tests cannot run: a service they need does not answer\\.\\n {2}- Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`,
      ),
    );
  }, 10_000);

  it('stops a whole Vitest run at once, before any test, with the message', async () => {
    const port = await closedPort();
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'shared/src/canonical.test.ts'], {
      cwd: ROOT,
      env: { ...process.env, TEST_POSTGRES_URL: `postgres://postgres@127.0.0.1:${port}/postgres`, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).not.toBe(0);
    expect(output).toContain(`PostgreSQL at postgres://postgres@127.0.0.1:${port}/postgres`);
    expect(output).toContain('TEST_POSTGRES_URL');
    expect(output).not.toMatch(/Tests +\d+ passed/);
  }, 60_000);
});

describe('npm run services (scripts/services.sh)', () => {
  it('is clean under shellcheck, as is .ci/run', async () => {
    const { code, output } = await exitOf('shellcheck', [SCRIPT, join(ROOT, '.ci/run')]);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('reports the three services answering here, changing nothing', async () => {
    const { code, output } = await exitOf('bash', [SCRIPT, '--check']);
    expect(output).toContain('PostgreSQL (127.0.0.1:5432), Redis (127.0.0.1:6379) and RabbitMQ (127.0.0.1:5672) answer');
    expect(code).toBe(0);
  });

  it('in a machine where none answers, says what is wrong and gives the exact commands', async () => {
    // A network namespace of its own: its loopback has no server on it, and the shared ones
    // stay untouched. Mapped to the current user, so a user without root sees `sudo`.
    const { code, output } = await exitOf('unshare', ['--map-current-user', '--net', 'bash', SCRIPT, '--check']);
    expect(code).toBe(1);
    const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
    expect(output).toContain('The tests need PostgreSQL, Redis and RabbitMQ on loopback. On this machine:');
    expect(output).toContain('  - PostgreSQL is installed but does not answer on 127.0.0.1:5432');
    expect(output).toContain('  - Redis is installed but does not answer on 127.0.0.1:6379');
    expect(output).toContain('  - RabbitMQ is installed but does not answer on 127.0.0.1:5672');
    expect(output).toContain(`  ${sudo}pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start`);
    expect(output).toContain(
      `  ${sudo}redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save '' --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log`,
    );
    expect(output).toContain(`  ${sudo}rabbitmq-server -detached`);
  });

  it('on a fresh machine, installs the three from the distribution’s packages and starts them on loopback', async () => {
    // A fresh machine seen from a private mount and network namespace: dpkg's database and
    // PostgreSQL's directories are empty there. Nothing outside it changes (--check).
    const hide = ['/var/lib/dpkg', '/usr/lib/postgresql', '/etc/postgresql'].map((d) => `mount -t tmpfs none ${d}`).join(' && ');
    const { code, output } = await exitOf('unshare', [
      '--map-root-user',
      '--mount',
      '--net',
      'bash',
      '-c',
      `${hide} && bash ${SCRIPT} --check`,
    ]);
    expect(code).toBe(1);
    const at = (line: string) => output.split('\n').indexOf(line);
    const plan = [
      '  - PostgreSQL is not installed',
      '  - Redis is not installed',
      '  - RabbitMQ is not installed',
      "  printf 'listeners.tcp.local = 127.0.0.1:5672\\n' | tee /etc/rabbitmq/rabbitmq.conf",
      '  apt-get update',
      '  env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql redis-server rabbitmq-server',
      `  sed -i -e '1i host all postgres 127.0.0.1/32 trust' -e '1i host all postgres ::1/128 trust' /etc/postgresql/"$(ls /etc/postgresql | sort -V | tail -n 1)"/main/pg_hba.conf`,
      '  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start',
      '  rabbitmq-server -detached',
    ];
    for (const line of plan) expect(at(line), `${line}\n in\n${output}`).toBeGreaterThanOrEqual(0);
    // In order: the loopback configuration before the package starts the broker, the install before the starts.
    expect(plan.slice(3).map(at)).toEqual([...plan.slice(3).map(at)].sort((a, b) => a - b));
  });
});
