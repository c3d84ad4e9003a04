import { err, isWithinVotingWindow, ok, type ElectionDefinition, type Result } from '@scrutin/shared';
import { PIN_PATTERN, verifyPin } from '@scrutin/shared/kit';
import { appendAudit } from './audit_log.ts';
import type { StationDb } from './db.ts';

/**
 * Poll workers: PIN checks and the polls' lifecycle.
 *
 * A PIN is 4 to 12 digits, stored only as a scrypt hash (`scrypt$N$r$p$salt$hash`, salt and
 * hash in base64) in the station kit. After MAX_PIN_FAILURES wrong PINs in a row the station
 * refuses every PIN for LOCKOUT_MS. Every check, right or wrong, is in the audit log.
 *
 * The polls go setup → open → closed, never back. Ballots exist only while they are open
 * and the station clock is inside the election's voting window.
 */
export const MAX_PIN_FAILURES = 5;
export const LOCKOUT_MS = 5 * 60_000;
export { PIN_HASH_PATTERN, PIN_PATTERN, hashPin, verifyPin } from '@scrutin/shared/kit';

export type PollsState = 'setup' | 'open' | 'closed';

export type PinError =
  { readonly kind: 'pin-wrong'; readonly attemptsLeft: number } | { readonly kind: 'pin-locked'; readonly until: string };

interface PollsRow {
  state: PollsState;
  failed_pins: number;
  locked_until: number | null;
}

function pollsRow(db: StationDb): PollsRow {
  const row = db.prepare<[], PollsRow>('SELECT state, failed_pins, locked_until FROM polls WHERE id = 1').get();
  if (row === undefined) throw new Error('the polls row is missing: the station database was not migrated');
  return row;
}

export function pollsState(db: StationDb): PollsState {
  return pollsRow(db).state;
}

/** When PINs are refused until (ms since the epoch), or null. */
export function lockedUntil(db: StationDb, now: number): number | null {
  const until = pollsRow(db).locked_until;
  return until !== null && until > now ? until : null;
}

/**
 * Checks a PIN against every poll worker's hash; returns the worker's name. `action` says
 * what the PIN was asked for (`unlock`, `open-polls`, …), for the audit log.
 */
export async function checkPin(db: StationDb, pin: string, action: string, now: () => number): Promise<Result<string, PinError>> {
  const locked = lockedUntil(db, now());
  if (locked !== null) {
    appendAudit(db, { event: 'pin-refused', details: { action, failures: pollsRow(db).failed_pins } }, now());
    return err({ kind: 'pin-locked', until: new Date(locked).toISOString() });
  }
  const workers = db.prepare<[], { name: string; pin_hash: string }>('SELECT name, pin_hash FROM poll_workers ORDER BY name').all();
  let worker: string | undefined;
  if (PIN_PATTERN.test(pin)) {
    for (const w of workers) {
      // Every hash is checked, so the time taken does not tell which worker matched.
      if ((await verifyPin(pin, w.pin_hash)) && worker === undefined) worker = w.name;
    }
  }
  const at = now();
  return db
    .transaction((): Result<string, PinError> => {
      const row = pollsRow(db);
      if (worker !== undefined) {
        db.prepare('UPDATE polls SET failed_pins = 0, locked_until = NULL WHERE id = 1').run();
        appendAudit(db, { event: 'pin-accepted', details: { worker, action } }, at);
        return ok(worker);
      }
      const failures = row.failed_pins + 1;
      appendAudit(db, { event: 'pin-refused', details: { action, failures } }, at);
      if (failures >= MAX_PIN_FAILURES) {
        const until = at + LOCKOUT_MS;
        db.prepare('UPDATE polls SET failed_pins = 0, locked_until = ? WHERE id = 1').run(until);
        appendAudit(db, { event: 'pin-lockout', details: { until: new Date(until).toISOString() } }, at);
        return err({ kind: 'pin-locked', until: new Date(until).toISOString() });
      }
      db.prepare('UPDATE polls SET failed_pins = ? WHERE id = 1').run(failures);
      return err({ kind: 'pin-wrong', attemptsLeft: MAX_PIN_FAILURES - failures });
    })
    .immediate();
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
