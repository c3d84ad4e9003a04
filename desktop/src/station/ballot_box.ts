import { randomBytes } from 'node:crypto';
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

/** Stores a checked ballot for a credential; returns the tracking code (XXXX-XXXX-XXXX) after the commit. */
export function castBallot(db: StationDb, credential: CheckedCredential, ballot: Ballot): Result<{ readonly receipt: string }, CastError> {
  const tracking = newTrackingCode();
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
      return true;
    })
    .immediate();
  if (!stored) return err({ kind: 'already-voted' });
  return ok({ receipt: formatTrackingCode(tracking) });
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
