import { randomBytes } from 'node:crypto';
import {
  BallotSchema,
  canonicalJson,
  err,
  issuesOf,
  ok,
  validateBallot,
  type Ballot,
  type BallotError,
  type CredentialHash,
  type ElectionDefinition,
  type Result,
  type RidingCode,
  type ValidationIssue,
} from '@scrutin/shared';
import { newBallotId, receiptCode } from '@scrutin/shared/crypto';
import type { Envelope } from '@scrutin/shared/protocol';
import type { StationDb } from './db.ts';

/**
 * The ballot box: casting stores the sealed envelope {credentialHash, ballot} in the outbox
 * and marks the credential used, in one transaction; the voter's receipt code is returned
 * only after the commit. Outbox rows are keyed by a random id in a WITHOUT ROWID table: no
 * time, no sequence, no insertion order.
 *
 * The station gives every ballot a fresh random id (whatever id the UI sent), so ids are
 * never chosen by the screen.
 */
export type CastError =
  | { readonly kind: 'ballot-malformed'; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: 'ballot-invalid'; readonly problems: readonly BallotError[] }
  | { readonly kind: 'already-voted' };

/** Parses and validates a ballot for this station's ballot style; stores nothing. */
export function checkBallot(election: ElectionDefinition, riding: RidingCode, input: unknown): Result<Ballot, CastError> {
  const parsed = BallotSchema.safeParse(input);
  if (!parsed.success) return err({ kind: 'ballot-malformed', issues: issuesOf(parsed.error) });
  const ballot: Ballot = { ...parsed.data, id: newBallotId() };
  const valid = validateBallot(election, riding, ballot);
  if (!valid.ok) return err({ kind: 'ballot-invalid', problems: valid.error });
  return ok(ballot);
}

/** Stores a checked ballot for a credential; returns the receipt code after the commit. */
export function castBallot(db: StationDb, credential: CredentialHash, ballot: Ballot): Result<{ readonly receipt: string }, CastError> {
  const envelope: Envelope = { credentialHash: credential, ballot };
  const stored = db
    .transaction((): boolean => {
      const marked = db
        .prepare('INSERT INTO used_credentials (credential_hash) VALUES (?) ON CONFLICT DO NOTHING')
        .run(Buffer.from(credential, 'hex'));
      if (marked.changes !== 1) return false;
      db.prepare('INSERT INTO outbox (id, envelope) VALUES (?, ?)').run(randomBytes(16), canonicalJson(envelope));
      return true;
    })
    .immediate();
  if (!stored) return err({ kind: 'already-voted' });
  return ok({ receipt: receiptCode(ballot) });
}

/** How many sealed envelopes wait in the outbox. */
export function outboxSize(db: StationDb): number {
  return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM outbox').get()?.n ?? 0;
}

export function ballotsCast(db: StationDb): number {
  return db.prepare<[], { n: number }>('SELECT count(*) AS n FROM used_credentials').get()?.n ?? 0;
}
