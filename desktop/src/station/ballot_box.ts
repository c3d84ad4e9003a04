import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  BallotSchema,
  canonicalJson,
  castBallotOf,
  err,
  formatTrackingCode,
  issuesOf,
  newTrackingCode,
  ok,
  validateBallot,
  type Ballot,
  type BallotError,
  type Credential,
  type CredentialHash,
  type ElectionDefinition,
  type Result,
  type RidingCode,
  type Selection,
  type ValidationIssue,
} from '@scrutin/shared';
import { newBallotId } from '@scrutin/shared/crypto';
import type { Envelope } from '@scrutin/shared/protocol';
import type { StationDb } from './db.ts';

/**
 * The ballot box: casting stores the envelope {credential, tracking code, ballot without id}
 * in the outbox, marks the credential used (by its check value) and adds the ballot to the
 * station's running tally, in one transaction; the voter's tracking code is returned only
 * after the commit. Outbox rows are keyed by a random id in a WITHOUT ROWID table: no time, no
 * sequence, no insertion order.
 *
 * The tracking code is drawn here, at random: it proves that a ballot was received and
 * counted, and nothing about its choices (central keeps it apart from the ballot).
 */
export type CastError =
  | { readonly kind: 'ballot-malformed'; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: 'ballot-invalid'; readonly problems: readonly BallotError[] }
  | { readonly kind: 'already-voted' };

/** A voter's credential as the poll book found it: the secret, and the check value marked as used. */
export interface CheckedCredential {
  readonly credential: Credential;
  readonly credentialHash: CredentialHash;
}

/** Parses and validates a ballot for this station's ballot style; stores nothing. */
export function checkBallot(election: ElectionDefinition, riding: RidingCode, input: unknown): Result<Ballot, CastError> {
  const parsed = BallotSchema.safeParse(input);
  if (!parsed.success) return err({ kind: 'ballot-malformed', issues: issuesOf(parsed.error) });
  const ballot: Ballot = { ...parsed.data, id: newBallotId() };
  const valid = validateBallot(election, riding, ballot);
  if (!valid.ok) return err({ kind: 'ballot-invalid', problems: valid.error });
  return ok(ballot);
}

/**
 * What `last_cast` keeps of a check-in ticket (128 random bits the backend and the kiosk hold in
 * memory only): a digest to find the row, and a key under which the receipt is sealed. A reader
 * of the station's disk (its database, the WAL's older frames) sees neither the ticket nor any
 * receipt: only the kiosk that cast the ballot can open it again.
 */
const LAST_CAST_TAG = 'scrutin/last-cast/v1';
const ticketHash = (ticket: string, use: 'id' | 'key'): Buffer =>
  createHash('sha256').update(`${LAST_CAST_TAG}\u0000${use}\u0000${ticket}`, 'utf8').digest();
export const ticketDigest = (ticket: string): Buffer => ticketHash(ticket, 'id');

/** nonce (12) ‖ AES-256-GCM(receipt) ‖ tag (16), under the ticket's key. */
function sealReceipt(ticket: string, receipt: string): Buffer {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ticketHash(ticket, 'key'), nonce);
  const body = Buffer.concat([cipher.update(receipt, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

function openReceipt(ticket: string, sealed: Buffer): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', ticketHash(ticket, 'key'), sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/**
 * Stores a checked ballot for a credential; returns the tracking code (XXXX-XXXX-XXXX) after
 * the commit. The same transaction records the ticket's digest and the receipt, sealed under
 * the ticket, as the last cast (migration 0007), so a kiosk interrupted mid-cast can learn what
 * became of it.
 */
export function castBallot(
  db: StationDb,
  credential: CheckedCredential,
  ballot: Ballot,
  ticket: string,
): Result<{ readonly receipt: string }, CastError> {
  const tracking = newTrackingCode();
  const receipt = formatTrackingCode(tracking);
  const envelope: Envelope = { credential: credential.credential, tracking, ballot: castBallotOf(ballot) };
  const stored = db
    .transaction((): boolean => {
      const marked = db
        .prepare('INSERT INTO used_credentials (credential_hash) VALUES (?) ON CONFLICT DO NOTHING')
        .run(Buffer.from(credential.credentialHash, 'hex'));
      if (marked.changes !== 1) return false;
      db.prepare('INSERT INTO outbox (id, envelope) VALUES (?, ?)').run(randomBytes(16), canonicalJson(envelope));
      const count = db.prepare(
        'INSERT INTO cast_tally (contest, option, count) VALUES (?, ?, 1) ON CONFLICT DO UPDATE SET count = count + 1',
      );
      for (const selection of ballot.selections) count.run(selection.contest, firstChoice(selection) ?? '');
      db.prepare(
        'INSERT INTO last_cast (id, ticket_sha256, receipt_sealed) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET ticket_sha256 = excluded.ticket_sha256, receipt_sealed = excluded.receipt_sealed',
      ).run(ticketDigest(ticket), sealReceipt(ticket, receipt));
      return true;
    })
    .immediate();
  if (!stored) return err({ kind: 'already-voted' });
  return ok({ receipt });
}

/** The receipt of the last ballot cast, if it was cast with this ticket. */
export function lastCastReceipt(db: StationDb, ticket: string): string | null {
  const row = db
    .prepare<[Buffer], { receipt_sealed: Buffer }>('SELECT receipt_sealed FROM last_cast WHERE id = 1 AND ticket_sha256 = ?')
    .get(ticketDigest(ticket));
  return row === undefined ? null : openReceipt(ticket, row.receipt_sealed);
}

/** Forgets the last cast (the polls closed: no kiosk is still waiting for it). */
export function forgetLastCast(db: StationDb): void {
  db.prepare('DELETE FROM last_cast').run();
}

/** Marks a card as checked in (once per card): the closing report counts distinct voters. */
export function markCheckedIn(db: StationDb, credential: CheckedCredential): void {
  db.prepare('INSERT INTO checked_in_voters (credential_hash) VALUES (?) ON CONFLICT DO NOTHING').run(
    Buffer.from(credential.credentialHash, 'hex'),
  );
}

/** Voters checked in here whose card was never used for a ballot (from the two sets of marks, not a difference of counts). */
export function votersWithoutBallot(db: StationDb): number {
  return (
    db
      .prepare<[], { n: number }>(
        'SELECT count(*) AS n FROM checked_in_voters c WHERE NOT EXISTS (SELECT 1 FROM used_credentials u WHERE u.credential_hash = c.credential_hash)',
      )
      .get()?.n ?? 0
  );
}

/** Distinct voter cards checked in here. */
export function votersCheckedIn(db: StationDb): number {
  return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM checked_in_voters').get()?.n ?? 0;
}

/** The option a selection counts for on the closing report: the choice, or the first preference. */
export function firstChoice(selection: Selection): string | null {
  switch (selection.kind) {
    case 'referendum':
    case 'plurality':
      return selection.choice;
    case 'ranked':
      return selection.ranking[0] ?? null;
    default: {
      const never: never = selection;
      throw new Error(`unexpected selection ${JSON.stringify(never)}`);
    }
  }
}

/** One row of the running tally: ballots of `contest` whose option is `option` (null: blank). */
export interface TallyRow {
  readonly contest: string;
  readonly option: string | null;
  readonly count: number;
}

export function castTally(db: StationDb): TallyRow[] {
  return db
    .prepare<[], { contest: string; option: string; count: number }>('SELECT contest, option, count FROM cast_tally')
    .all()
    .map((r) => ({ contest: r.contest, option: r.option === '' ? null : r.option, count: r.count }));
}

/** How many sealed envelopes wait in the outbox. */
export function outboxSize(db: StationDb): number {
  return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()?.n ?? 0;
}

export function ballotsCast(db: StationDb): number {
  return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM used_credentials').get()?.n ?? 0;
}
