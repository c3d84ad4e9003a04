import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteDatabase, postgresDatabase, type Database } from '../db/database.ts';
import { createTestDatabase, SERVICE_URLS, type TestDatabase } from '../testing/services.ts';
import { authenticate, login } from './sessions.ts';

/** `scrutin users add | disable | enable` end to end: the real command, against Postgres and against embedded PGlite. */

const bin = fileURLToPath(new URL('../../bin/scrutin.js', import.meta.url));
const PASSWORD = 'correct horse battery staple';

function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'AMQP_URL', 'REDIS_URL', 'SCRUTIN_DATA_DIR']) Reflect.deleteProperty(env, name);
  return env;
}

function users(env: NodeJS.ProcessEnv, command: string, args: readonly string[], stdin = '') {
  const run = spawnSync(process.execPath, [bin, 'users', command, ...args], { env, input: stdin, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
const usersAdd = (env: NodeJS.ProcessEnv, args: readonly string[], stdin: string) => users(env, 'add', args, stdin);

async function officials(db: Database) {
  return (await db.query<{ username: string; role: string }>('SELECT username, role FROM officials ORDER BY username')).rows;
}

describe('scrutin users add, on Postgres (DATABASE_URL)', () => {
  let testDb: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    env = { ...baseEnv(), DATABASE_URL: testDb.url, AMQP_URL: SERVICE_URLS.amqp, REDIS_URL: SERVICE_URLS.redis };
  });
  afterAll(async () => {
    await testDb.drop();
  });

  it('migrates a fresh database, adds the official with a hashed password, and audits it', async () => {
    const run = usersAdd(env, ['--username', 'root', '--role', 'admin', '--password-stdin'], `${PASSWORD}\n`);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('added official root (admin)\n');

    const db = postgresDatabase(testDb.url, 2);
    try {
      expect(await officials(db)).toEqual([{ username: 'root', role: 'admin' }]);
      const session = await login(db, { username: 'root', password: PASSWORD }, new Date(), 'loopback');
      expect(session.ok && session.value.role).toBe('admin');
      const { rows } = await db.query<{ actor: string; action: string; detail: unknown }>(
        'SELECT actor, action, detail FROM audit_log WHERE action = $1',
        ['official.created'],
      );
      expect(rows).toEqual([
        {
          actor: expect.stringMatching(/^cli/) as unknown,
          action: 'official.created',
          detail: { username: 'root', role: 'admin', via: 'cli' },
        },
      ]);
    } finally {
      await db.close();
    }
  });

  it('refuses weak passwords, taken names, bad roles and a missing password, changing nothing', async () => {
    const weak = usersAdd(env, ['--username', 'weakling', '--role', 'official', '--password-stdin'], 'short\n');
    expect(weak.status).toBe(1);
    expect(weak.stderr).toBe('error: cannot add this official:\npassword: a password needs at least 12 characters\n');

    const common = usersAdd(env, ['--username', 'commoner', '--role', 'official', '--password-stdin'], 'password1234\n');
    expect(common.status).toBe(1);
    expect(common.stderr).toBe(
      'error: cannot add this official:\npassword: this password is on a list of common passwords: choose another\n',
    );

    const taken = usersAdd(env, ['--username', 'root', '--role', 'observer', '--password-stdin'], `${PASSWORD}\n`);
    expect(taken.status).toBe(1);
    expect(taken.stderr).toBe('error: there is already an official named root\n');

    const role = usersAdd(env, ['--username', 'kingly', '--role', 'king', '--password-stdin'], `${PASSWORD}\n`);
    expect(role.status).not.toBe(0);
    expect(role.stderr).toMatch(/'--role <role>' argument 'king' is invalid\. expected one of observer, official, admin/);

    const noTerminal = usersAdd(env, ['--username', 'quiet', '--role', 'observer'], '');
    expect(noTerminal.status).toBe(1);
    expect(noTerminal.stderr).toMatch(/standard input is not a terminal: pass the password on standard input with --password-stdin/);

    const db = postgresDatabase(testDb.url, 2);
    try {
      expect(await officials(db)).toEqual([{ username: 'root', role: 'admin' }]);
    } finally {
      await db.close();
    }
  });
});

describe('scrutin users disable and enable, on Postgres', () => {
  let testDb: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    env = { ...baseEnv(), DATABASE_URL: testDb.url, AMQP_URL: SERVICE_URLS.amqp, REDIS_URL: SERVICE_URLS.redis };
    expect(usersAdd(env, ['--username', 'rogue', '--role', 'admin', '--password-stdin'], `${PASSWORD}\n`).status).toBe(0);
  });
  afterAll(async () => {
    await testDb.drop();
  });

  it('disables an official: their session ends, no login succeeds; enabling admits them again; all audited', async () => {
    const db = postgresDatabase(testDb.url, 2);
    try {
      const session = await login(db, { username: 'rogue', password: PASSWORD }, new Date(), 'loopback');
      if (!session.ok) throw new Error('login expected');
      const disabled = users(env, 'disable', ['--username', 'rogue']);
      expect(disabled.stderr).toBe('');
      expect(disabled.stdout).toBe('disabled official rogue (1 session(s) ended)\n');
      expect(await authenticate(db, session.value.token, new Date())).toBeUndefined();
      expect(await login(db, { username: 'rogue', password: PASSWORD }, new Date(), 'loopback')).toMatchObject({
        ok: false,
        error: { kind: 'invalid-credentials', reason: 'disabled' },
      });
      expect(users(env, 'disable', ['--username', 'rogue']).stdout).toBe('official rogue was already disabled\n');
      expect(users(env, 'enable', ['--username', 'rogue']).stdout).toBe('enabled official rogue\n');
      expect((await login(db, { username: 'rogue', password: PASSWORD }, new Date(), '192.0.2.1')).ok).toBe(true);
      const missing = users(env, 'disable', ['--username', 'nobody']);
      expect(missing.status).toBe(1);
      expect(missing.stderr).toBe('error: there is no official named nobody\n');
      const { rows } = await db.query<{ action: string; detail: unknown }>(
        "SELECT action, detail FROM audit_log WHERE action IN ('official.disabled', 'official.enabled') ORDER BY id",
      );
      expect(rows).toEqual([
        { action: 'official.disabled', detail: { username: 'rogue', changed: true, sessionsEnded: 1, via: 'cli' } },
        { action: 'official.disabled', detail: { username: 'rogue', changed: false, sessionsEnded: 0, via: 'cli' } },
        { action: 'official.enabled', detail: { username: 'rogue', changed: true, via: 'cli' } },
      ]);
    } finally {
      await db.close();
    }
  });
});

describe('scrutin users add, embedded mode (SCRUTIN_DATA_DIR)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scrutin-users-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds the official to the PGlite database the embedded server uses', async () => {
    const dataDir = join(dir, 'pgdata');
    const run = usersAdd(
      { ...baseEnv(), SCRUTIN_DATA_DIR: dataDir },
      ['--username', 'demo-admin', '--role', 'admin', '--password-stdin'],
      PASSWORD,
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const db = await pgliteDatabase(dataDir);
    try {
      expect(await officials(db)).toEqual([{ username: 'demo-admin', role: 'admin' }]);
      expect((await login(db, { username: 'demo-admin', password: PASSWORD }, new Date(), 'loopback')).ok).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('refuses to write to an in-memory database that would vanish', () => {
    const run = usersAdd(baseEnv(), ['--username', 'ghost', '--role', 'admin', '--password-stdin'], PASSWORD);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/no database to write to: set DATABASE_URL .* or, in embedded mode, SCRUTIN_DATA_DIR/);
  });
});
