import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePorts } from './ports.ts';

/**
 * A private RabbitMQ cluster on loopback for tests, from Debian's rabbitmq-server: `size`
 * nodes with their own names, AMQP and distribution ports, a private epmd, a shared Erlang
 * cookie and their data in a temporary directory; nodes 2…n `join_cluster` node 1. Nothing of
 * the machine's shared RabbitMQ (5672, its epmd on 4369, /etc/rabbitmq, /var/lib/rabbitmq) is
 * read or touched. `kill(i)` loses a node (SIGKILL), `start(i)` brings it back.
 */
export interface RabbitNode {
  readonly name: string;
  readonly port: number;
  readonly url: string;
}

export interface TestRabbitCluster {
  readonly nodes: readonly RabbitNode[];
  /** `rabbitmqctl -n NODE ARGS…` (its standard output). */
  ctl(node: number, ...args: string[]): Promise<string>;
  /** Kills a node's processes at once, as a crash or a lost machine would. */
  kill(node: number): Promise<void>;
  /** Starts a node again (it rejoins the cluster with its data) and waits for it. */
  start(node: number): Promise<void>;
  /** Resident memory of each running node's processes, in bytes. */
  memory(): Promise<number[]>;
  stop(): Promise<void>;
}

const run = promisify(execFile);
const SBIN = '/usr/lib/rabbitmq/bin';

export async function startRabbitCluster(size = 3): Promise<TestRabbitCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'scrutin-rabbit-cluster-'));
  const id = randomBytes(3).toString('hex');
  const [epmdPort, ...ports] = await freePorts(1 + size * 2);
  writeFileSync(join(dir, '.erlang.cookie'), randomBytes(20).toString('hex').toUpperCase());
  chmodSync(join(dir, '.erlang.cookie'), 0o400);
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const baseEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    // The cookie lives in HOME; the CLI needs the same one.
    HOME: dir,
    LANG: 'C.UTF-8',
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
  };
  const nodes: RabbitNode[] = [];
  const nodeEnv: Record<string, string>[] = [];
  for (let i = 0; i < size; i += 1) {
    const port = ports[i * 2] as number;
    const dist = ports[i * 2 + 1] as number;
    const home = join(dir, `node${i + 1}`);
    mkdirSync(home);
    // Little memory: the watermark is relative to what it is told the machine has.
    writeFileSync(
      join(home, 'rabbitmq.conf'),
      [`listeners.tcp.local = 127.0.0.1:${port}`, 'total_memory_available_override_value = 2GB', 'log.console = false', ''].join('\n'),
    );
    const name = `scrutin-${id}-${i + 1}@localhost`;
    nodes.push({ name, port, url: `amqp://guest:guest@127.0.0.1:${port}` });
    nodeEnv.push({
      ...baseEnv,
      RABBITMQ_NODENAME: name,
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(dist),
      RABBITMQ_CONFIG_FILE: join(home, 'rabbitmq.conf'),
      RABBITMQ_MNESIA_BASE: join(home, 'mnesia'),
      RABBITMQ_LOG_BASE: join(home, 'log'),
      RABBITMQ_PID_FILE: join(home, 'pid'),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    });
  }
  const children: (ChildProcess | null)[] = nodes.map(() => null);
  const epmd = spawn('epmd', ['-port', String(epmdPort), '-address', '127.0.0.1'], { stdio: 'ignore' });

  const ctl = async (node: number, ...args: string[]) => {
    const target = nodes[node - 1];
    if (target === undefined) throw new Error(`no node ${node}`);
    const { stdout } = await run(join(SBIN, 'rabbitmqctl'), ['-n', target.name, ...args], {
      env: baseEnv,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  };
  const launch = (node: number) => {
    const env = nodeEnv[node - 1] as Record<string, string>;
    const out = openSync(join(dir, `node${node}`, 'stdout.log'), 'a');
    // Its own process group, so that the node's Erlang processes can be killed together.
    const child = spawn(join(SBIN, 'rabbitmq-server'), [], { env, detached: true, stdio: ['ignore', out, out] });
    closeSync(out);
    children[node - 1] = child;
  };
  /** Until the node has booted (it registers with epmd a moment after its launch). */
  const awaitStartup = async (node: number) => {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const child = children[node - 1];
      if (child === null || child === undefined || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`RabbitMQ node ${node} exited:\n${tail(join(dir, `node${node}`, 'stdout.log'))}`);
      }
      try {
        await ctl(node, 'await_startup', '--timeout', '60');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  };
  const kill = async (node: number) => {
    const child = children[node - 1];
    if (child === null || child === undefined || child.pid === undefined) return;
    const exited = child.exitCode === null && child.signalCode === null ? new Promise((r) => child.once('exit', r)) : Promise.resolve();
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
    children[node - 1] = null;
    // The node's Erlang runtime children (erl_child_setup, inet_gethost) share its group.
    for (let i = 0; i < 50 && groupAlive(child.pid); i += 1) await sleep(100);
  };
  const stop = async () => {
    for (let node = 1; node <= size; node += 1) await kill(node);
    epmd.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await sleep(200); // epmd listening
    for (let node = 1; node <= size; node += 1) launch(node);
    for (let node = 1; node <= size; node += 1) await awaitStartup(node);
    for (let node = 2; node <= size; node += 1) {
      await ctl(node, 'stop_app');
      await ctl(node, 'join_cluster', nodes[0]?.name ?? '');
      await ctl(node, 'start_app');
    }
    const status = JSON.parse(await ctl(1, 'cluster_status', '--formatter', 'json')) as { running_nodes?: string[] };
    if ((status.running_nodes ?? []).length !== size) throw new Error(`the cluster runs ${JSON.stringify(status.running_nodes)}`);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    nodes,
    ctl,
    kill,
    async start(node) {
      launch(node);
      await awaitStartup(node);
    },
    async memory() {
      const out: number[] = [];
      for (const child of children) {
        if (child?.pid === undefined) continue;
        const { stdout } = await run('ps', ['-o', 'rss=', '--sid', String(child.pid)]);
        out.push(
          stdout
            .split('\n')
            .map((l) => Number(l.trim()))
            .filter((n) => Number.isFinite(n))
            .reduce((a, b) => a + b, 0) * 1024,
        );
      }
      return out;
    },
    stop,
  };
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no output)';
  }
}
