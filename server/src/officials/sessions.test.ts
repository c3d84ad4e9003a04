import { createHash } from 'node:crypto';
import { unwrap } from '@scrutin/shared/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, postgresDatabase, type Database } from '../db/database.ts';
import { createTestDatabase, type TestDatabase } from '../testing/services.ts';
import { authenticate, backoffDelayMs, DEFAULT_LOGIN_POLICY, login, logout } from './sessions.ts';
import { NewOfficialSchema, type Username } from '@scrutin/shared/api';
import { hashPassword } from './passwords.ts';
import { createOfficial, disableOfficial, enableOfficial, listOfficials } from './users.ts';

/** Sessions, login back-off and disabled officials on the real Postgres. */
let testDb: TestDatabase;
let db: Database;
const t0 = new Date('2026-10-05T12:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const PASSWORD = 'a long enough passphrase';
/** Client keys (clientKey): the official's own desk and an attacker's address. */
const HOME = '192.0.2.10';
const STRANGER = '198.51.100.66';

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
    const session = unwrap(await login(db, { username: 'anna', password: PASSWORD }, t0, HOME));
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

  it('refuses a wrong password and an unknown username with the one same refusal', async () => {
    await official('bruno');
    expect(await login(db, { username: 'bruno', password: 'not the password' }, t0, HOME)).toEqual({
      ok: false,
      error: { kind: 'invalid-credentials', reason: 'wrong-password', username: 'bruno', failures: 1, waitUntil: undefined },
    });
    for (const username of ['nobody', 'Not A Name!']) {
      expect(await login(db, { username, password: PASSWORD }, t0, HOME)).toEqual({
        ok: false,
        error: { kind: 'invalid-credentials', reason: 'unknown-official', username: undefined, failures: 0, waitUntil: undefined },
      });
    }
    expect((await db.query('SELECT 1 FROM sessions WHERE username = $1', ['bruno'])).rows).toHaveLength(0);
  });

  it('resets the failure count of a client after a successful login', async () => {
    await official('chloe');
    for (let i = 0; i < DEFAULT_LOGIN_POLICY.freeFailures; i += 1)
      await login(db, { username: 'chloe', password: 'wrong wrong wrong' }, t0, HOME);
    unwrap(await login(db, { username: 'chloe', password: PASSWORD }, t0, HOME));
    for (let i = 0; i < DEFAULT_LOGIN_POLICY.freeFailures; i += 1) {
      expect(await login(db, { username: 'chloe', password: 'wrong wrong wrong' }, t0, HOME)).toMatchObject({
        ok: false,
        error: { reason: 'wrong-password', failures: i + 1 },
      });
    }
    unwrap(await login(db, { username: 'chloe', password: PASSWORD }, t0, HOME));
  });

  it('backs off exponentially per (official, client), and never locks the official out from another client', async () => {
    await official('david');
    // The audit's attack: a stranger's wrong guesses from their own address.
    const delays: number[] = [];
    let clock = t0;
    for (let failure = 1; failure <= 8; failure += 1) {
      const result = await login(db, { username: 'david', password: `wrong guess ${failure}` }, clock, STRANGER);
      expect(result).toMatchObject({ ok: false, error: { reason: 'wrong-password', failures: failure } });
      const waitUntil = result.ok ? undefined : result.error.waitUntil;
      const delay = waitUntil === undefined ? 0 : Date.parse(waitUntil) - clock.getTime();
      delays.push(delay);
      // The next attempt before the wait ends is refused unchecked — even the right password — with the same refusal.
      if (delay > 0) {
        expect(await login(db, { username: 'david', password: PASSWORD }, new Date(clock.getTime() + delay - 1), STRANGER)).toMatchObject({
          ok: false,
          error: { kind: 'invalid-credentials', reason: 'backing-off', failures: failure },
        });
      }
      if (failure < 8) clock = new Date(clock.getTime() + delay);
    }
    expect(delays).toEqual([0, 0, 0, 1000, 2000, 4000, 8000, 16000]);
    expect(backoffDelayMs(40)).toBe(DEFAULT_LOGIN_POLICY.maxDelayMs);

    // Meanwhile the real David, at his own desk, logs in at once.
    unwrap(await login(db, { username: 'david', password: PASSWORD }, clock, HOME));
    const [row] = (await listOfficials(db, clock)).filter((o) => o.username === 'david');
    expect(row).toMatchObject({ failedLogins: 8, lockedUntil: new Date(clock.getTime() + 16_000).toISOString(), disabledAt: null });
    // Once the stranger's wait is over, their next guess is checked again (and the wait doubles).
    expect(await login(db, { username: 'david', password: 'wrong guess 9' }, new Date(clock.getTime() + 16_000), STRANGER)).toMatchObject({
      ok: false,
      error: { reason: 'wrong-password', failures: 9 },
    });
  });

  it('does not let parallel guesses past the back-off', async () => {
    await official('emma');
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => login(db, { username: 'emma', password: `parallel guess ${i}` }, t0, STRANGER)),
    );
    const reasons = results.map((r) => (r.ok ? 'ok' : r.error.reason));
    // Four passwords were checked (three free, the fourth starts a wait); the other eight were refused unchecked.
    expect(reasons.filter((k) => k === 'wrong-password')).toHaveLength(DEFAULT_LOGIN_POLICY.freeFailures + 1);
    expect(reasons.filter((k) => k === 'backing-off')).toHaveLength(12 - DEFAULT_LOGIN_POLICY.freeFailures - 1);
    expect(await login(db, { username: 'emma', password: PASSWORD }, at(500), STRANGER)).toMatchObject({
      ok: false,
      error: { reason: 'backing-off' },
    });
    unwrap(await login(db, { username: 'emma', password: PASSWORD }, at(500), HOME));
  });

  it('spends one password hash on every refusal, so their timing does not tell them apart', async () => {
    await official('kate');
    await official('leo');
    unwrap(await disableOfficial(db, 'leo' as Username, t0));
    for (let i = 0; i < 4; i += 1) await login(db, { username: 'kate', password: `warm-up ${i}` }, t0, '203.0.113.9'); // now waiting
    const time = async (request: { username: string; password: string }, client: string) => {
      const samples: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const started = performance.now();
        const result = await login(db, request, t0, client);
        samples.push(performance.now() - started);
        expect(result.ok).toBe(false);
      }
      return samples.sort((a, b) => a - b)[1] ?? 0;
    };
    const wrong = await time({ username: 'kate', password: 'not the password' }, '203.0.113.10');
    const others = {
      unknown: await time({ username: 'nobody-at-all', password: PASSWORD }, HOME),
      malformed: await time({ username: 'Not A Name!', password: PASSWORD }, HOME),
      waiting: await time({ username: 'kate', password: PASSWORD }, '203.0.113.9'),
      disabled: await time({ username: 'leo', password: PASSWORD }, HOME),
    };
    // Each is one scrypt at N = 2^17 (hundreds of milliseconds); database work is noise beside it.
    for (const [kind, ms] of Object.entries(others)) {
      expect(ms / wrong, `${kind}: ${ms.toFixed(0)} ms against ${wrong.toFixed(0)} ms`).toBeGreaterThan(0.5);
      expect(ms / wrong, `${kind}: ${ms.toFixed(0)} ms against ${wrong.toFixed(0)} ms`).toBeLessThan(2);
    }
  });

  it('re-hashes a password stored at the former scrypt cost on the next successful login', async () => {
    await official('hugo');
    const former = await hashPassword(PASSWORD, { logN: 15, r: 8, p: 1 });
    await db.query('UPDATE officials SET password_hash = $2 WHERE username = $1', ['hugo', former]);
    unwrap(await login(db, { username: 'hugo', password: PASSWORD }, t0, HOME));
    const { rows } = await db.query<{ password_hash: string }>('SELECT password_hash FROM officials WHERE username = $1', ['hugo']);
    expect(rows[0]?.password_hash).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
    unwrap(await login(db, { username: 'hugo', password: PASSWORD }, t0, HOME));
  });

  it('refuses a disabled official (with the same refusal), ends their sessions, and admits them again once enabled', async () => {
    await official('iris');
    const session = unwrap(await login(db, { username: 'iris', password: PASSWORD }, t0, HOME));
    const disabled = unwrap(await disableOfficial(db, 'iris' as Username, t0));
    expect(disabled).toEqual({ disabledAt: t0.toISOString(), changed: true, sessionsEnded: 1 });
    expect(await authenticate(db, session.token, t0)).toBeUndefined();
    expect(await login(db, { username: 'iris', password: PASSWORD }, t0, HOME)).toMatchObject({
      ok: false,
      error: { kind: 'invalid-credentials', reason: 'disabled' },
    });
    expect(unwrap(await disableOfficial(db, 'iris' as Username, at(1000)))).toMatchObject({ disabledAt: t0.toISOString(), changed: false });
    expect(unwrap(await enableOfficial(db, 'iris' as Username))).toMatchObject({ disabledAt: null, changed: true });
    unwrap(await login(db, { username: 'iris', password: PASSWORD }, t0, HOME));
    expect(await disableOfficial(db, 'nobody' as Username, t0)).toEqual({
      ok: false,
      error: { kind: 'unknown-official', username: 'nobody' },
    });
  });

  it('ends the session of an official disabled while it is open, even one not deleted', async () => {
    await official('jules');
    const session = unwrap(await login(db, { username: 'jules', password: PASSWORD }, t0, HOME));
    // A session row that survived (written by a replica racing the disable): it authenticates nothing.
    await db.query('UPDATE officials SET disabled_at = $2 WHERE username = $1', ['jules', t0.toISOString()]);
    expect(await authenticate(db, session.token, t0)).toBeUndefined();
  });
});

describe('logout', () => {
  it('ends the session', async () => {
    await official('felix', 'observer');
    const session = unwrap(await login(db, { username: 'felix', password: PASSWORD }, t0, HOME));
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
    expect(await createOfficial(db, NewOfficialSchema.parse({ username: 'gina', password: 'password1234', role: 'admin' }))).toMatchObject({
      ok: false,
      error: { kind: 'common-password' },
    });
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
