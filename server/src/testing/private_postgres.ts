import { execFile, execFileSync } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePorts } from './ports.ts';

/**
 * A private PostgreSQL cluster for tests that destroy their database (the restore drill): its
 * own data directory, port and Unix socket in a temporary directory, WAL archived to a
 * directory of its own (`archive_mode`, `archive_command`, `wal_level = replica`), base
 * backups with `pg_basebackup`, and restores from a base backup plus the archive to a point
 * in time. The machine's shared PostgreSQL (5432) is never touched. As root, every
 * PostgreSQL program runs as the `postgres` user (initdb refuses root).
 */
export interface PrivatePostgres {
  readonly port: number;
  /** postgres://postgres@127.0.0.1:PORT/DATABASE */
  url(database?: string): string;
  readonly dataDir: string;
  readonly archiveDir: string;
  /** Runs SQL on one of the cluster's databases (`postgres` unless named); returns the rows. */
  query<R extends object>(sql: string, params?: readonly unknown[], database?: string): Promise<R[]>;
  /** `pg_basebackup` (plain format, with the WAL it needs) into a new directory; returns it. */
  baseBackup(): Promise<string>;
  /** Waits until the WAL segment holding everything committed so far is in the archive. */
  archiveCurrentWal(): Promise<void>;
  /** Stops the server at once, as a crash would (`pg_ctl stop -m immediate`). */
  crash(): Promise<void>;
  /** Crashes the server and deletes its data directory: the database is gone. */
  destroy(): Promise<void>;
  /**
   * A new data directory from `backup`, recovering from the archive up to `targetTime` (a
   * timestamp as Postgres writes it, e.g. from `clock_timestamp()::text`; unset: to the end of
   * the archive), then promoted; resolves once it accepts writes.
   */
  restore(backup: string, targetTime?: string): Promise<void>;
  stop(): Promise<void>;
}

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0;

function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql')
    .filter((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  if (newest === undefined) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)');
  return join('/usr/lib/postgresql', newest, 'bin');
}

/** Runs a PostgreSQL program, as `postgres` when this process is root. */
async function pgRun(program: string, args: readonly string[]): Promise<string> {
  const path = join(binDir(), program);
  const [command, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, [...args]];
  try {
    const { stdout } = await run(command, argv, { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${program} failed: ${e.stderr ?? e.message}`, { cause: error });
  }
}

/** A directory the server's user owns. */
function ownedDir(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  if (asRoot) chownToPostgres(path);
  return path;
}

let postgresIds: { uid: number; gid: number } | null = null;
function chownToPostgres(path: string): void {
  postgresIds ??= {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  };
  chownSync(path, postgresIds.uid, postgresIds.gid);
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const base = mkdtempSync(join(tmpdir(), 'scrutin-pg-drill-'));
  if (asRoot) chownToPostgres(base);
  const [port] = (await freePorts(1)) as [number];
  const archiveDir = ownedDir(join(base, 'archive'));
  const socketDir = ownedDir(join(base, 'socket'));
  let dataDir = join(base, 'data');
  let generation = 0;
  const log = () => join(base, `server-${generation}.log`);

  const settings = [
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${socketDir}'`,
    'wal_level = replica',
    'archive_mode = on',
    // Never overwrites an archived segment: a second copy of a name is an error.
    `archive_command = 'test ! -f ${archiveDir}/%f && cp %p ${archiveDir}/%f'`,
    // A segment goes to the archive within a second even when little is written.
    'archive_timeout = 1s',
    'max_wal_senders = 4',
    'shared_buffers = 64MB',
    'max_connections = 60',
    "timezone = 'UTC'",
    'fsync = on',
  ];

  ownedDir(dataDir);
  // 1 MiB WAL segments: the archive_timeout switches stay small.
  await pgRun('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--wal-segsize=1', '-E', 'UTF8', '--locale=C.UTF-8']);
  appendFileSync(join(dataDir, 'postgresql.conf'), `\n# scrutin restore drill\n${settings.join('\n')}\n`);

  const start = async () => {
    if (asRoot) writeFileSync(log(), '');
    if (asRoot) chownToPostgres(log());
    await pgRun('pg_ctl', ['-D', dataDir, '-l', log(), '-w', '-t', '300', 'start']);
  };
  await start();

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const query = async <R extends object>(sql: string, params?: readonly unknown[], database?: string): Promise<R[]> => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query<R>(sql, params as unknown[] | undefined)).rows;
    } finally {
      await client.end();
    }
  };
  const stopServer = async (mode: 'fast' | 'immediate') => {
    if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
    await pgRun('pg_ctl', ['-D', dataDir, '-m', mode, '-w', 'stop']);
  };

  return {
    port,
    url,
    get dataDir() {
      return dataDir;
    },
    archiveDir,
    query,
    async baseBackup() {
      const target = join(base, `base-${Date.now()}`);
      ownedDir(target);
      await pgRun('pg_basebackup', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-D', target, '-Fp', '-Xs', '-c', 'fast']);
      return target;
    },
    async archiveCurrentWal() {
      const [current] = await query<{ wal: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS wal');
      if (current === undefined) throw new Error('no current WAL file');
      for (let i = 0; i < 600; i += 1) {
        const [archived] = await query<{ last: string | null }>('SELECT last_archived_wal AS last FROM pg_stat_archiver');
        // WAL file names sort in WAL order (timeline, then position).
        if (archived?.last != null && archived.last >= current.wal) return;
        await sleep(100);
      }
      throw new Error(`WAL ${current.wal} did not reach the archive`);
    },
    async crash() {
      await stopServer('immediate');
    },
    async destroy() {
      await stopServer('immediate');
      rmSync(dataDir, { recursive: true, force: true });
    },
    async restore(backup, targetTime) {
      generation += 1;
      dataDir = join(base, `data-${generation}`);
      cpSync(backup, dataDir, { recursive: true, preserveTimestamps: true });
      if (asRoot) await run('chown', ['-R', 'postgres:postgres', dataDir]);
      const recovery = [
        `restore_command = 'cp ${archiveDir}/%f %p'`,
        ...(targetTime === undefined ? [] : [`recovery_target_time = '${targetTime}'`, 'recovery_target_inclusive = on']),
        "recovery_target_action = 'promote'",
      ];
      appendFileSync(join(dataDir, 'postgresql.auto.conf'), `\n${recovery.join('\n')}\n`);
      writeFileSync(join(dataDir, 'recovery.signal'), '');
      if (asRoot) chownToPostgres(join(dataDir, 'recovery.signal'));
      await start();
      for (let i = 0; i < 3000; i += 1) {
        const [state] = await query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering').catch(() => []);
        if (state?.recovering === false) return;
        await sleep(100);
      }
      throw new Error('the restored server did not leave recovery');
    },
    async stop() {
      await stopServer('fast').catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    },
  };
}
