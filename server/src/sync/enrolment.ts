import { createHash, randomBytes } from 'node:crypto';
import { err, ok, type ElectionId, type PublicKey, type Result, type StationId } from '@scrutin/shared';
import type { EnrolRequest } from '@scrutin/shared/protocol';
import type { Database, Queryable } from '../db/database.ts';
import { ApiError } from '../api/errors.ts';

/**
 * Station enrolment: an official issues a one-time token for a station; the station, which
 * made its Ed25519 key pair itself, posts the public key with the token and the key is bound
 * to the station. Posting the same key with the same token again succeeds (a station that
 * restarted half-way through enrolment); any other reuse of a token is refused.
 */
const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export async function issueEnrolmentToken(
  db: Queryable,
  election: ElectionId,
  station: StationId,
  ttlHours = 72,
): Promise<{ token: string; expiresAt: string }> {
  const { rows } = await db.query('SELECT 1 FROM stations WHERE election_id = $1 AND station_id = $2', [election, station]);
  if (rows.length === 0) throw new ApiError('unknown-station', `Station ${station} is not part of election ${election}.`);
  const token = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlHours * 3_600_000).toISOString();
  await db.query('INSERT INTO enrolment_tokens (token_hash, election_id, station_id, expires_at) VALUES ($1, $2, $3, $4)', [
    tokenHash(token),
    election,
    station,
    expiresAt,
  ]);
  return { token, expiresAt };
}

export async function enrolStation(db: Database, request: EnrolRequest): Promise<{ station: StationId; enrolledAt: string }> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ station_id: string; election_id: string; expired: boolean; used: boolean }>(
      `SELECT station_id, election_id, expires_at < now() AS expired, used_at IS NOT NULL AS used
         FROM enrolment_tokens WHERE token_hash = $1 FOR UPDATE`,
      [tokenHash(request.token)],
    );
    const token = rows[0];
    const refuse = () =>
      new ApiError('bad-enrolment-token', 'This enrolment token is not valid for this station. Ask the returning officer for a new one.');
    if (token?.station_id !== request.station || token.election_id !== request.election) throw refuse();
    const station = await tx.query<{ public_key: PublicKey | null; enrolled_at: Date | null; revoked: boolean }>(
      'SELECT public_key, enrolled_at, revoked_at IS NOT NULL AS revoked FROM stations WHERE election_id = $1 AND station_id = $2 FOR UPDATE',
      [request.election, request.station],
    );
    const current = station.rows[0];
    if (current === undefined)
      throw new ApiError('unknown-station', `Station ${request.station} is not part of election ${request.election}.`);
    if (token.used) {
      if (current.public_key === request.publicKey && !current.revoked && current.enrolled_at !== null) {
        return { station: request.station, enrolledAt: new Date(current.enrolled_at).toISOString() };
      }
      throw refuse();
    }
    if (token.expired)
      throw new ApiError('bad-enrolment-token', 'This enrolment token has expired. Ask the returning officer for a new one.');
    const enrolledAt = new Date().toISOString();
    await tx.query('UPDATE enrolment_tokens SET used_at = now() WHERE token_hash = $1', [tokenHash(request.token)]);
    await tx.query('UPDATE stations SET public_key = $3, enrolled_at = $4, revoked_at = NULL WHERE election_id = $1 AND station_id = $2', [
      request.election,
      request.station,
      request.publicKey,
      enrolledAt,
    ]);
    return { station: request.station, enrolledAt };
  });
}

export async function revokeStation(db: Queryable, election: ElectionId, station: StationId): Promise<boolean> {
  const { rows } = await db.query(
    'UPDATE stations SET revoked_at = now() WHERE election_id = $1 AND station_id = $2 AND public_key IS NOT NULL AND revoked_at IS NULL RETURNING station_id',
    [election, station],
  );
  return rows.length === 1;
}

export type RevokeEnrolmentError =
  | { readonly kind: 'unknown-station' }
  | { readonly kind: 'already-revoked'; readonly revokedAt: string }
  | { readonly kind: 'never-enrolled' };

/**
 * Revokes the key a station enrolled (an official's decision: a stolen or broken station);
 * its batches are refused until it enrols again with a new token. Run it in the transaction
 * that records the audit entry.
 */
export async function revokeEnrolment(
  tx: Queryable,
  election: ElectionId,
  station: StationId,
): Promise<Result<{ readonly revokedAt: string | null }, RevokeEnrolmentError>> {
  const { rows } = await tx.query<{ enrolled: boolean; revoked_at: Date | string | null }>(
    'SELECT public_key IS NOT NULL AS enrolled, revoked_at FROM stations WHERE election_id = $1 AND station_id = $2 FOR UPDATE',
    [election, station],
  );
  const row = rows[0];
  if (row === undefined) return err({ kind: 'unknown-station' });
  if (row.revoked_at !== null) return err({ kind: 'already-revoked', revokedAt: new Date(row.revoked_at).toISOString() });
  if (!row.enrolled || !(await revokeStation(tx, election, station))) return err({ kind: 'never-enrolled' });
  const after = await tx.query<{ revoked_at: Date | string }>(
    'SELECT revoked_at FROM stations WHERE election_id = $1 AND station_id = $2',
    [election, station],
  );
  const revokedAt = after.rows[0]?.revoked_at;
  return ok({ revokedAt: revokedAt === undefined ? null : new Date(revokedAt).toISOString() });
}
