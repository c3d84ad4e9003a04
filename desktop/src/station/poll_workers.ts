import { err, isWithinVotingWindow, ok, type ElectionDefinition, type Result } from '@scrutin/shared';
import { PIN_PATTERN, verifyPin } from '@scrutin/shared/kit';
import { Mutex } from 'async-mutex';
import { appendAudit } from './audit_log.ts';
import type { StationDb } from './db.ts';

/**
 * Poll workers: PIN checks and the polls' lifecycle.
 *
 * A PIN is 6 to 12 digits, stored only as a scrypt hash (`scrypt$N$r$p$salt$hash`, salt and
 * hash in base64) in the station kit. Every check, right or wrong, is in the audit log.
 *
 * PIN checks (issue 12):
 * - **One at a time.** `PinChecks` runs checks through a mutex, so parallel calls never race
 *   past the lockout.
 * - **The attempt is reserved first.** Before the slow hash is checked, one transaction
 *   refuses a locked-out worker or counts the attempt as a failure (and, if it is the one that
 *   reaches the limit, writes the lockout). A right PIN then clears the count. A check cut
 *   short (a crash, a killed process) stays counted as a failure.
 * - **Per poll worker.** The kiosk names the worker (chosen from the kit's list), and only that
 *   worker's hash is checked; wrong PINs lock out that worker only. A check that names no one
 *   (or a name not in the kit) tries every worker's hash and counts against a bucket of its
 *   own (`''`), so it locks out nobody but itself.
 * - **Backoff.** After MAX_PIN_FAILURES wrong PINs in a row the worker is locked out for
 *   LOCKOUT_MS, and each further wrong PIN after a lockout doubles it, up to MAX_LOCKOUT_MS.
 *
 * The polls go setup → open → closed, never back. Ballots exist only while they are open
 * and the station clock is inside the election's voting window.
 */
export const MAX_PIN_FAILURES = 5;
/** The first lockout; each later one doubles, up to MAX_LOCKOUT_MS. */
export const LOCKOUT_MS = 5 * 60_000;
export const MAX_LOCKOUT_MS = 80 * 60_000;
/** The lockout bucket of PIN checks that name no poll worker of the kit. */
export const UNNAMED_BUCKET = '';
export { PIN_HASH_PATTERN, PIN_PATTERN, hashPin, verifyPin } from '@scrutin/shared/kit';

export type PollsState = 'setup' | 'open' | 'closed';

export type PinError =
  { readonly kind: 'pin-wrong'; readonly attemptsLeft: number } | { readonly kind: 'pin-locked'; readonly until: string };

/** How long a worker is locked out after their `failures`-th wrong PIN in a row (0: not at all). */
export function lockoutMs(failures: number): number {
  if (failures < MAX_PIN_FAILURES) return 0;
  return Math.min(MAX_LOCKOUT_MS, LOCKOUT_MS * 2 ** Math.min(failures - MAX_PIN_FAILURES, 20));
}

interface PollsRow {
  state: PollsState;
}

interface LockoutRow {
  failures: number;
  locked_until: number | null;
}

function pollsRow(db: StationDb): PollsRow {
  const row = db.prepare<[], PollsRow>('SELECT state FROM polls WHERE id = 1').get();
  if (row === undefined) throw new Error('the polls row is missing: the station database was not migrated');
  return row;
}

export function pollsState(db: StationDb): PollsState {
  return pollsRow(db).state;
}

function lockoutRow(db: StationDb, bucket: string): LockoutRow {
  return (
    db.prepare<[string], LockoutRow>('SELECT failures, locked_until FROM pin_lockouts WHERE worker = ?').get(bucket) ?? {
      failures: 0,
      locked_until: null,
    }
  );
}

/** When `worker`'s PINs are refused until (ms since the epoch), or null. */
export function workerLockedUntil(db: StationDb, worker: string, now: number): number | null {
  const until = lockoutRow(db, worker).locked_until;
  return until !== null && until > now ? until : null;
}

/**
 * When every poll worker of the kit is locked out, until when the first of them is free again
 * (ms since the epoch); null while any of them may sign in.
 */
export function lockedUntil(db: StationDb, now: number): number | null {
  const workers = db.prepare<[], { name: string }>('SELECT name FROM poll_workers').all();
  if (workers.length === 0) return null;
  let earliest = Infinity;
  for (const { name } of workers) {
    const until = workerLockedUntil(db, name, now);
    if (until === null) return null;
    earliest = Math.min(earliest, until);
  }
  return earliest;
}

export interface PinAttempt {
  readonly pin: string;
  /** The poll worker the PIN is typed for (a name from the kit); absent: any of them. */
  readonly worker?: string | undefined;
}

/**
 * The station's PIN checks, one at a time. `action` says what the PIN was asked for
 * (`unlock`, `open-polls`, …), for the audit log. Answers the worker's name.
 */
export class PinChecks {
  private readonly mutex = new Mutex();

  constructor(
    private readonly db: StationDb,
    private readonly now: () => number,
  ) {}

  check(attempt: PinAttempt, action: string): Promise<Result<string, PinError>> {
    return this.mutex.runExclusive(() => this.checkNow(attempt, action));
  }

  private async checkNow({ pin, worker }: PinAttempt, action: string): Promise<Result<string, PinError>> {
    const { db, now } = this;
    const workers = db.prepare<[], { name: string; pin_hash: string }>('SELECT name, pin_hash FROM poll_workers ORDER BY name').all();
    const named = worker === undefined ? undefined : workers.find((w) => w.name === worker);
    const bucket = named?.name ?? UNNAMED_BUCKET;

    // 1. Reserve the attempt (or refuse a locked-out worker) before any slow hash.
    const reserved = db
      .transaction((): Result<number, PinError> => {
        const at = now();
        const row = lockoutRow(db, bucket);
        if (row.locked_until !== null && row.locked_until > at) {
          appendAudit(db, { event: 'pin-refused', details: { action, worker: bucket, failures: row.failures, locked: true } }, at);
          return err({ kind: 'pin-locked', until: new Date(row.locked_until).toISOString() });
        }
        const failures = row.failures + 1;
        const lockMs = lockoutMs(failures);
        db.prepare(
          `INSERT INTO pin_lockouts (worker, failures, locked_until) VALUES (?, ?, ?)
           ON CONFLICT (worker) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`,
        ).run(bucket, failures, lockMs > 0 ? at + lockMs : null);
        return ok(failures);
      })
      .immediate();
    if (!reserved.ok) return reserved;
    const failures = reserved.value;

    // 2. The slow hash: only the named worker's, or every worker's for an unnamed check.
    let matched: string | undefined;
    if (PIN_PATTERN.test(pin)) {
      const candidates = named === undefined ? (worker === undefined ? workers : []) : [named];
      for (const w of candidates) {
        // Every hash is checked, so the time taken does not tell which worker matched.
        if ((await verifyPin(pin, w.pin_hash)) && matched === undefined) matched = w.name;
      }
    }

    // 3. Settle the reservation.
    return db
      .transaction((): Result<string, PinError> => {
        const at = now();
        if (matched !== undefined) {
          db.prepare('DELETE FROM pin_lockouts WHERE worker = ?').run(bucket);
          appendAudit(db, { event: 'pin-accepted', details: { worker: matched, action } }, at);
          return ok(matched);
        }
        appendAudit(db, { event: 'pin-refused', details: { action, worker: bucket, failures } }, at);
        const until = lockoutRow(db, bucket).locked_until;
        if (until !== null) {
          appendAudit(db, { event: 'pin-lockout', details: { worker: bucket, until: new Date(until).toISOString() } }, at);
          return err({ kind: 'pin-locked', until: new Date(until).toISOString() });
        }
        return err({ kind: 'pin-wrong', attemptsLeft: MAX_PIN_FAILURES - failures });
      })
      .immediate();
  }
}

export type TransitionError =
  | { readonly kind: 'invalid-transition'; readonly from: PollsState; readonly to: PollsState }
  | { readonly kind: 'voting-window-over'; readonly closesAt: string };

/** setup → open (refused once the voting window is over) and open → closed. */
export function transitionPolls(
  db: StationDb,
  election: ElectionDefinition,
  to: 'open' | 'closed',
  worker: string,
  now: number,
): Result<PollsState, TransitionError> {
  return db
    .transaction((): Result<PollsState, TransitionError> => {
      const from = pollsState(db);
      const allowed = (from === 'setup' && to === 'open') || (from === 'open' && to === 'closed');
      if (!allowed) return err({ kind: 'invalid-transition', from, to });
      if (to === 'open' && now >= Date.parse(election.closesAt)) return err({ kind: 'voting-window-over', closesAt: election.closesAt });
      db.prepare('UPDATE polls SET state = ? WHERE id = 1').run(to);
      if (to === 'open') {
        appendAudit(db, { event: 'polls-opened', details: { worker } }, now);
      } else {
        const ballots = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM used_credentials').get()?.n ?? 0;
        appendAudit(db, { event: 'polls-closed', details: { worker, ballots } }, now);
      }
      return ok(to);
    })
    .immediate();
}

export type BallotGateError =
  | { readonly kind: 'polls-not-open'; readonly state: PollsState }
  | { readonly kind: 'outside-voting-window'; readonly opensAt: string; readonly closesAt: string };

/** Whether a voter may be checked in or a ballot cast now. */
export function ballotGate(db: StationDb, election: ElectionDefinition, now: number): Result<void, BallotGateError> {
  const state = pollsState(db);
  if (state !== 'open') return err({ kind: 'polls-not-open', state });
  if (!isWithinVotingWindow(election, now))
    return err({ kind: 'outside-voting-window', opensAt: election.opensAt, closesAt: election.closesAt });
  return ok(undefined);
}
