import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { readdirSync } from 'node:fs';

/**
 * Restarts of the machine's real services, for the fault tests. They run alone (see
 * vitest.faults.config.ts), never beside other test files that use the same services.
 */
function run(command: string, args: readonly string[]): void {
  execFileSync(command, args, { stdio: 'pipe', timeout: 120_000 });
}

async function until(check: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await sleep(250);
  }
  throw new Error(`${what} did not come back`);
}

const answers = (command: string, args: readonly string[]) => () => {
  try {
    run(command, args);
    return true;
  } catch {
    return false;
  }
};

export async function restartPostgres(): Promise<void> {
  const version = readdirSync('/etc/postgresql')[0];
  if (version === undefined) throw new Error('PostgreSQL is not installed');
  run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart', '-m', 'fast']);
  await until(answers('pg_isready', ['-h', '127.0.0.1', '-p', '5432']), 'PostgreSQL');
}

/** Redis here keeps nothing on disk: a restart loses every key, as after a crash. */
export async function restartRedis(): Promise<void> {
  try {
    run('redis-cli', ['-h', '127.0.0.1', 'shutdown', 'nosave']);
  } catch {
    // shutdown closes the connection before answering
  }
  await until(() => !answers('redis-cli', ['-h', '127.0.0.1', 'ping'])(), 'Redis shutdown', 10_000);
  run('redis-server', [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '-::1',
    '--port',
    '6379',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    '/var/lib/redis',
    '--logfile',
    '/var/log/redis/ci.log',
  ]);
  await until(answers('redis-cli', ['-h', '127.0.0.1', 'ping']), 'Redis');
}

/** Stops and starts the RabbitMQ application: every connection drops; durable queues keep their messages. */
export async function restartRabbitMq(): Promise<void> {
  run('rabbitmqctl', ['stop_app']);
  await sleep(1000);
  run('rabbitmqctl', ['start_app']);
  await until(answers('rabbitmqctl', ['await_startup']), 'RabbitMQ');
}
