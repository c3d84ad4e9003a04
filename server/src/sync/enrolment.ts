import { createHash, randomBytes } from 'node:crypto';
import { err, ok, type ElectionId, type PublicKey, type Result, type StationId } from '@scrutin/shared';
import type { EnrolRequest } from '@scrutin/shared/protocol';
import type { Database, Queryable } from '../db/database.ts';
import { ApiError } from '../api/errors.ts';
import { recordAudit, UNKNOWN_ACTOR } from '../officials/audit.ts';

/**
 * Station enrolment (docs/protocol.md §2): an official issues a one-time token for a station;
 * the station, which made its Ed25519 key pair itself, posts the public key with the token
 * and the key is bound to the station.
 *
 * A station cannot be taken over with a token:
 * - a token is issued only for a station with no active key (never enrolled, or revoked);
 * - a token is single use and expires (`DEFAULT_TOKEN_TTL_HOURS` unless the official or
 *   ENROLMENT_TOKEN_TTL_HOURS says otherwise);
 * - enrolling, and revoking, invalidate every other unused token of the station;
 * - a station with an active key refuses every enrolment (`409 station-already-enrolled`),
 *   so replacing a key takes an official's revocation and a new token: re-keying is an
 *   explicit, audited act, and a re-enrolment raises an alert.
 * Posting the same key with the same token again succeeds without a change (a station that
 * restarted half-way through enrolment).
 */
export const DEFAULT_TOKEN_TTL_HOURS = 24;

const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** The actor of the audit entries a station writes itself by enrolling. */
export const stationActor = (station: StationId): string => `(station ${station})`;

export type IssueTokenError =
  { readonly kind: 'unknown-station' } | { readonly kind: 'station-already-enrolled'; readonly enrolledAt: string };

export interface IssuedToken {
  readonly token: string;
  readonly expiresAt: string;
}

/** Issues a token for `station`, which must have no active key. Run it in the transaction that records the audit entry. */
export async function issueToken(
  db: Queryable,
  request: {
    readonly election: ElectionId;
    readonly station: StationId;
    readonly ttlHours?: number | undefined;
    /** The official who asked for it (named in the audit entry of the enrolment). */
    readonly issuedBy?: string | undefined;
  },
): Promise<Result<IssuedToken, IssueTokenError>> {
  const { rows } = await db.query<{ active: boolean; enrolled_at: Date | string | null }>(
    `SELECT public_key IS NOT NULL AND revoked_at IS NULL AS active, enrolled_at
       FROM stations WHERE election_id = $1 AND station_id = $2 FOR UPDATE`,
    [request.election, request.station],
  );
  const station = rows[0];
  if (station === undefined) return err({ kind: 'unknown-station' });
  if (station.active) return err({ kind: 'station-already-enrolled', enrolledAt: new Date(station.enrolled_at ?? 0).toISOString() });
  const token = randomBytes(24).toString('base64url');
  const inserted = await db.query<{ expires_at: Date | string }>(
    `INSERT INTO enrolment_tokens (token_hash, election_id, station_id, expires_at, issued_by)
     VALUES ($1, $2, $3, now() + make_interval(hours => $4::int), $5) RETURNING expires_at`,
    [tokenHash(token), request.election, request.station, request.ttlHours ?? DEFAULT_TOKEN_TTL_HOURS, request.issuedBy ?? null],
  );
  const expiresAt = inserted.rows[0]?.expires_at;
  if (expiresAt === undefined) throw new Error('the enrolment token was not stored');
  return ok({ token, expiresAt: new Date(expiresAt).toISOString() });
}

export function issueTokenError(error: IssueTokenError, election: ElectionId, station: StationId): ApiError {
  switch (error.kind) {
    case 'unknown-station':
      return new ApiError('unknown-station', `Station ${station} is not part of election ${election}.`);
    case 'station-already-enrolled':
      return new ApiError(
        'station-already-enrolled',
        `Station ${station} has been enrolled since ${error.enrolledAt}: revoke its key first if it must be enrolled again.`,
        { enrolledAt: error.enrolledAt },
      );
    default:
      throw new Error(`unexpected issue error ${JSON.stringify(error satisfies never)}`);
  }
}

/** `issueToken`, with a refusal thrown as the API's typed error (for the CLI, tests and benches). */
export async function issueEnrolmentToken(
  db: Queryable,
  election: ElectionId,
  station: StationId,
  ttlHours: number = DEFAULT_TOKEN_TTL_HOURS,
  issuedBy?: string,
): Promise<IssuedToken> {
  const issued = await issueToken(db, { election, station, ttlHours, issuedBy });
  if (!issued.ok) throw issueTokenError(issued.error, election, station);
  return issued.value;
}

export type EnrolError =
  | { readonly kind: 'unknown-election' }
  | { readonly kind: 'unknown-station' }
  | { readonly kind: 'bad-token' }
  | { readonly kind: 'token-expired'; readonly expiredAt: string }
  | { readonly kind: 'station-already-enrolled'; readonly enrolledAt: string };

export interface Enrolled {
  readonly station: StationId;
  readonly enrolledAt: string;
  /** The same key posted again with its token: nothing changed. */
  readonly replay: boolean;
  /** A key replacing a revoked one: its generation (1 for the first replacement), else null. */
  readonly rekeyed: { readonly generation: number; readonly previousRevokedAt: string } | null;
  /** Unused tokens of the station invalidated by this enrolment. */
  readonly invalidatedTokens: number;
}

/**
 * Binds the request's key to its station, in one transaction with its audit entry (and, for
 * a re-enrolment, its alert). Precedence of refusals: unknown election, unknown station,
 * unknown token (or one of another station), station already enrolled, token used or
 * invalidated, token expired.
 */
export async function enrol(db: Database, request: EnrolRequest): Promise<Result<Enrolled, EnrolError>> {
  return db.transaction(async (tx) => {
    const election = await tx.query('SELECT 1 FROM elections WHERE id = $1', [request.election]);
    if (election.rows.length === 0) return err({ kind: 'unknown-election' });
    const stations = await tx.query<{
      public_key: PublicKey | null;
      enrolled_at: Date | string | null;
      revoked_at: Date | string | null;
      key_generation: number;
    }>(
      `SELECT public_key, enrolled_at, revoked_at, key_generation FROM stations
        WHERE election_id = $1 AND station_id = $2 FOR UPDATE`,
      [request.election, request.station],
    );
    const station = stations.rows[0];
    if (station === undefined) return err({ kind: 'unknown-station' });
    const tokens = await tx.query<{
      station_id: string;
      election_id: string;
      expires_at: Date | string;
      expired: boolean;
      used: boolean;
      used_public_key: string | null;
      invalidated: boolean;
      issued_by: string | null;
    }>(
      `SELECT station_id, election_id, expires_at, expires_at <= now() AS expired, used_at IS NOT NULL AS used,
              used_public_key, invalidated_at IS NOT NULL AS invalidated, issued_by
         FROM enrolment_tokens WHERE token_hash = $1 FOR UPDATE`,
      [tokenHash(request.token)],
    );
    const token = tokens.rows[0];
    if (token?.station_id !== request.station || token.election_id !== request.election) return err({ kind: 'bad-token' });
    const active = station.public_key !== null && station.revoked_at === null;
    if (active && token.used && token.used_public_key === request.publicKey && station.public_key === request.publicKey) {
      return ok({
        station: request.station,
        enrolledAt: new Date(station.enrolled_at ?? 0).toISOString(),
        replay: true,
        rekeyed: null,
        invalidatedTokens: 0,
      });
    }
    if (active) return err({ kind: 'station-already-enrolled', enrolledAt: new Date(station.enrolled_at ?? 0).toISOString() });
    if (token.used || token.invalidated) return err({ kind: 'bad-token' });
    if (token.expired) return err({ kind: 'token-expired', expiredAt: new Date(token.expires_at).toISOString() });

    await tx.query('UPDATE enrolment_tokens SET used_at = now(), used_public_key = $2 WHERE token_hash = $1', [
      tokenHash(request.token),
      request.publicKey,
    ]);
    const invalidated = await tx.query(
      `UPDATE enrolment_tokens SET invalidated_at = now(), invalidated_reason = 'station-enrolled'
        WHERE election_id = $1 AND station_id = $2 AND used_at IS NULL AND invalidated_at IS NULL RETURNING 1`,
      [request.election, request.station],
    );
    const rekeyed =
      station.public_key === null || station.revoked_at === null
        ? null
        : { generation: station.key_generation + 1, previousRevokedAt: new Date(station.revoked_at).toISOString() };
    const updated = await tx.query<{ enrolled_at: Date | string }>(
      `UPDATE stations SET public_key = $3, enrolled_at = now(), revoked_at = NULL, key_generation = $4
        WHERE election_id = $1 AND station_id = $2 RETURNING enrolled_at`,
      [request.election, request.station, request.publicKey, rekeyed?.generation ?? station.key_generation],
    );
    const enrolledAt = new Date(updated.rows[0]?.enrolled_at ?? 0).toISOString();
    const detail = {
      election: request.election,
      station: request.station,
      publicKey: request.publicKey,
      tokenIssuedBy: token.issued_by ?? UNKNOWN_ACTOR,
      invalidatedTokens: invalidated.rows.length,
    };
    if (rekeyed === null) {
      await recordAudit(tx, stationActor(request.station), 'station.enrolled', detail);
    } else {
      await recordAudit(tx, stationActor(request.station), 'station.re_enrolled', { ...detail, ...rekeyed });
      await tx.query(`INSERT INTO alerts (election_id, station_id, kind, detail) VALUES ($1, $2, 'station-rekeyed', $3)`, [
        request.election,
        request.station,
        JSON.stringify({ ...rekeyed, tokenIssuedBy: detail.tokenIssuedBy }),
      ]);
    }
    return ok({ station: request.station, enrolledAt, replay: false, rekeyed, invalidatedTokens: invalidated.rows.length });
  });
}

/** The typed API error of an enrolment refusal (docs/protocol.md §2). */
export function enrolError(error: EnrolError, request: EnrolRequest): ApiError {
  switch (error.kind) {
    case 'unknown-election':
      return new ApiError('unknown-election', `There is no election ${request.election} on this server.`);
    case 'unknown-station':
      return new ApiError('unknown-station', `Station ${request.station} is not part of election ${request.election}.`);
    case 'bad-token':
      return new ApiError(
        'bad-enrolment-token',
        'This enrolment token is not valid for this station (unknown, already used or replaced). Ask the returning officer for a new one.',
      );
    case 'token-expired':
      return new ApiError('token-expired', `This enrolment token expired at ${error.expiredAt}. Ask the returning officer for a new one.`, {
        expiredAt: error.expiredAt,
      });
    case 'station-already-enrolled':
      return new ApiError(
        'station-already-enrolled',
        `Station ${request.station} has been enrolled since ${error.enrolledAt}. To replace its key, an official must revoke it and issue a new token.`,
        { enrolledAt: error.enrolledAt },
      );
    default:
      throw new Error(`unexpected enrolment error ${JSON.stringify(error satisfies never)}`);
  }
}

/** `enrol`, with a refusal thrown as the API's typed error. */
export async function enrolStation(db: Database, request: EnrolRequest): Promise<Enrolled> {
  const enrolled = await enrol(db, request);
  if (!enrolled.ok) throw enrolError(enrolled.error, request);
  return enrolled.value;
}

export type RevokeEnrolmentError =
  | { readonly kind: 'unknown-station' }
  | { readonly kind: 'already-revoked'; readonly revokedAt: string }
  | { readonly kind: 'never-enrolled' };

/**
 * Revokes the key a station enrolled (an official's decision: a stolen or broken station) and
 * invalidates its unused tokens; its batches are refused until it enrols again with a token
 * issued after the revocation. Run it in the transaction that records the audit entry.
 */
export async function revokeEnrolment(
  tx: Queryable,
  election: ElectionId,
  station: StationId,
): Promise<Result<{ readonly revokedAt: string; readonly invalidatedTokens: number }, RevokeEnrolmentError>> {
  const { rows } = await tx.query<{ enrolled: boolean; revoked_at: Date | string | null }>(
    'SELECT public_key IS NOT NULL AS enrolled, revoked_at FROM stations WHERE election_id = $1 AND station_id = $2 FOR UPDATE',
    [election, station],
  );
  const row = rows[0];
  if (row === undefined) return err({ kind: 'unknown-station' });
  if (row.revoked_at !== null) return err({ kind: 'already-revoked', revokedAt: new Date(row.revoked_at).toISOString() });
  if (!row.enrolled) return err({ kind: 'never-enrolled' });
  const revoked = await tx.query<{ revoked_at: Date | string }>(
    'UPDATE stations SET revoked_at = now() WHERE election_id = $1 AND station_id = $2 RETURNING revoked_at',
    [election, station],
  );
  const invalidated = await tx.query(
    `UPDATE enrolment_tokens SET invalidated_at = now(), invalidated_reason = 'station-revoked'
      WHERE election_id = $1 AND station_id = $2 AND used_at IS NULL AND invalidated_at IS NULL RETURNING 1`,
    [election, station],
  );
  return ok({ revokedAt: new Date(revoked.rows[0]?.revoked_at ?? 0).toISOString(), invalidatedTokens: invalidated.rows.length });
}
