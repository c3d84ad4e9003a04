import { createHash } from 'node:crypto';
import { unwrap } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, postgresDatabase, type Database } from '../db/database.ts';
import { createTestDatabase, type TestDatabase } from '../testing/services.ts';
import { authenticate, DEFAULT_LOGIN_POLICY, login, logout } from './sessions.ts';
import { NewOfficialSchema } from '@scrutin/shared/api';
import { createOfficial, listOfficials } from './users.ts';

/** Sessions and lockout on the real Postgres. */
let testDb: TestDatabase;
let db: Database;
const t0 = new Date('2026-10-05T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const PASSWORD = 'a long enough passphrase';

async function official(username: string, role: 'admin' | 'official' | 'observer' = 'official') {
  unwrap(await createOfficial(db, NewOfficialSchema.parse({ username, password: PASSWORD, role })));
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = postgresDatabase(testDb.url, 12);
  await migrate(db);
});
afterAll(async () => {
  await db.close();
  await testDb.drop();
});

describe('login', () => {
  it('opens a 12-hour session with its own CSRF token, storing only a hash of the session token', async () => {
    await official('anna', 'admin');
    const session = unwrap(await login(db, { username: 'anna', password: PASSWORD }, t0));
    expect(session).toMatchObject({ username: 'anna', role: 'admin', expiresAt: at(12 * 3_600_000).toISOString() });
    expect(session.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrfToken).not.toBe(session.token);

    const { rows } = await db.query<{ token_hash: Buffer }>('SELECT token_hash FROM sessions WHERE username = $1', ['anna']);
    expect(rows.map((r) => r.token_hash.toString('hex'))).toEqual([createHash('sha256').update(session.token).digest('hex')]);
    const dump = JSON.stringify((await db.query('SELECT * FROM sessions')).rows);
    expect(dump).not.toContain(session.token);

    expect(await authenticate(db, session.token, at(12 * 3_600_000 - 1000))).toMatchObject({
      username: 'anna',
      role: 'admin',
      csrfToken: session.csrfToken,
    });
    expect(await authenticate(db, session.token, at(12 * 3_600_000))).toBeUndefined();
  });

  it('refuses a wrong password and an unknown username alike', async () => {
    await official('bruno');
    expect(await login(db, { username: 'bruno', password: 'not the password' }, t0)).toEqual({
      ok: false,
      error: { kind: 'invalid-credentials', known: true },
    });
    expect(await login(db, { username: 'nobody', password: PASSWORD }, t0)).toEqual({
      ok: false,
      error: { kind: 'invalid-credentials', known: false },
    });
    expect(await login(db, { username: 'Not A Name!', password: PASSWORD }, t0)).toEqual({
      ok: false,
      error: { kind: 'invalid-credentials', known: false },
    });
    expect((await db.query('SELECT 1 FROM sessions WHERE username = $1', ['bruno'])).rows).toHaveLength(0);
  });

  it('resets the failure count after a successful login', async () => {
    await official('chloe');
    for (let i = 0; i < DEFAULT_LOGIN_POLICY.maxFailures - 1; i += 1)
      await login(db, { username: 'chloe', password: 'wrong wrong wrong' }, t0);
    unwrap(await login(db, { username: 'chloe', password: PASSWORD }, t0));
    for (let i = 0; i < DEFAULT_LOGIN_POLICY.maxFailures - 1; i += 1) {
      expect(await login(db, { username: 'chloe', password: 'wrong wrong wrong' }, t0)).toMatchObject({
        ok: false,
        error: { kind: 'invalid-credentials' },
      });
    }
    unwrap(await login(db, { username: 'chloe', password: PASSWORD }, t0));
  });

  it('locks the account for 15 minutes after 5 failures, even for the right password', async () => {
    await official('david');
    for (let i = 1; i < 5; i += 1) {
      expect(await login(db, { username: 'david', password: `wrong guess ${i}` }, at(i * 1000))).toMatchObject({
        ok: false,
        error: { kind: 'invalid-credentials' },
      });
    }
    const until = at(5000 + 15 * 60_000).toISOString();
    expect(await login(db, { username: 'david', password: 'wrong guess 5' }, at(5000))).toEqual({
      ok: false,
      error: { kind: 'locked', username: 'david', until, now: true },
    });
    expect(await login(db, { username: 'david', password: PASSWORD }, at(6000))).toEqual({
      ok: false,
      error: { kind: 'locked', username: 'david', until, now: false },
    });
    const [row] = (await listOfficials(db, at(6000))).filter((o) => o.username === 'david');
    expect(row).toMatchObject({ failedLogins: 5, lockedUntil: until });

    // After the lock, a fresh count: the right password works.
    unwrap(await login(db, { username: 'david', password: PASSWORD }, at(5000 + 15 * 60_000)));
    const [after] = (await listOfficials(db, at(5000 + 15 * 60_000))).filter((o) => o.username === 'david');
    expect(after).toMatchObject({ failedLogins: 0, lockedUntil: null });
  });

  it('does not let parallel guesses past the limit', async () => {
    await official('emma');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => login(db, { username: 'emma', password: `parallel guess ${i}` }, t0)),
    );
    const kinds = results.map((r) => (r.ok ? 'ok' : r.error.kind === 'locked' ? (r.error.now ? 'locked-now' : 'locked') : r.error.kind));
    // Exactly 5 passwords were checked (4 refused, the 5th locked the account); the other 7 were refused unchecked.
    expect(kinds.filter((k) => k === 'invalid-credentials')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'locked-now')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'locked')).toHaveLength(7);
    expect(await login(db, { username: 'emma', password: PASSWORD }, at(60_000))).toMatchObject({ ok: false, error: { kind: 'locked' } });
  });
});

describe('logout', () => {
  it('ends the session', async () => {
    await official('felix', 'observer');
    const session = unwrap(await login(db, { username: 'felix', password: PASSWORD }, t0));
    expect(await authenticate(db, session.token, t0)).toBeDefined();
    expect(await logout(db, session.token)).toBe(true);
    expect(await authenticate(db, session.token, t0)).toBeUndefined();
    expect(await logout(db, session.token)).toBe(false);
  });

  it('opens no session for a malformed or unknown token', async () => {
    expect(await authenticate(db, '', t0)).toBeUndefined();
    expect(await authenticate(db, "' OR 1=1 --", t0)).toBeUndefined();
    expect(await authenticate(db, 'A'.repeat(43), t0)).toBeUndefined();
  });
});

describe('officials', () => {
  it('refuses weak passwords and a second official with the same name', async () => {
    const weak = NewOfficialSchema.safeParse({ username: 'gina', password: 'short', role: 'admin' });
    expect(weak.success).toBe(false);
    expect(weak.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['password', 'a password needs at least 12 characters']]);
    expect(NewOfficialSchema.safeParse({ username: 'gina', password: 'aaaaaaaaaaaaaaaa', role: 'admin' }).success).toBe(false);
    expect(NewOfficialSchema.safeParse({ username: 'ginette', password: 'ginette-ginette-2026', role: 'admin' }).success).toBe(false);
    expect(NewOfficialSchema.safeParse({ username: 'gina', password: PASSWORD, role: 'king' }).success).toBe(false);
    await official('gina');
    expect(await createOfficial(db, NewOfficialSchema.parse({ username: 'gina', password: PASSWORD, role: 'admin' }))).toEqual({
      ok: false,
      error: { kind: 'exists', username: 'gina' },
    });
    const { rows } = await db.query<{ password_hash: string }>('SELECT password_hash FROM officials WHERE username = $1', ['gina']);
    expect(rows[0]?.password_hash).toMatch(/^\$scrypt\$/);
    expect(rows[0]?.password_hash).not.toContain(PASSWORD);
  });
});
