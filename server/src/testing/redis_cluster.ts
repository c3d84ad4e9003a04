import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePorts } from './ports.ts';

/**
 * A private Redis Cluster on loopback for tests: `masters` Debian redis-server processes in a
 * temporary directory, joined with `redis-cli --cluster create`, no replicas, nothing kept
 * after `stop()`. The machine's shared Redis (6379) is never touched.
 */
export interface RedisClusterNode {
  readonly port: number;
  readonly url: string;
}

export interface TestRedisCluster {
  readonly nodes: readonly RedisClusterNode[];
  /** `redis-cli -p PORT ARGS…` against one node; its standard output. */
  cli(port: number, ...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

const run = promisify(execFile);

export async function startRedisCluster(masters = 3): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'scrutin-redis-cluster-'));
  // Each node needs its client port and its cluster bus port.
  const ports = await freePorts(masters * 2);
  const children: ChildProcess[] = [];
  const nodes: RedisClusterNode[] = [];
  const cli = async (port: number, ...args: string[]) =>
    (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 })).stdout;
  const stop = async () => {
    const exited = children.map((c) =>
      c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : Promise.resolve(),
    );
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(exited);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i += 1) {
      const port = ports[i * 2] as number;
      const bus = ports[i * 2 + 1] as number;
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--cluster-port',
          String(bus),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '5000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--logfile',
          join(dir, `redis-${port}.log`),
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
      nodes.push({ port, url: `redis://127.0.0.1:${port}` });
    }
    for (const node of nodes) await until(async () => (await cli(node.port, 'ping')).trim() === 'PONG', `redis-server on ${node.port}`);
    await run(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      {
        timeout: 60_000,
      },
    );
    for (const node of nodes) {
      await until(async () => (await cli(node.port, 'cluster', 'info')).includes('cluster_state:ok'), `the cluster seen from ${node.port}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, cli, stop };
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} is not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}
