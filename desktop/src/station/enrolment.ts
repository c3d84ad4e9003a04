import { err, ok, type Result } from '@scrutin/shared';
import {
  EnrolResponseSchema,
  PublicKeySchema,
  generateStationKeyPair,
  SYNC_ENDPOINTS,
  refusalOf,
  syncUrl,
  type EnrolRequest,
  type PublicKey,
} from '@scrutin/shared/protocol';
import { appendAudit } from './audit_log.ts';
import type { StationDb } from './db.ts';
import { UNPROTECTED_KEYS, type KeyProtector, type KeyProtectorError } from './key_protector.ts';
import type { StationKit } from './kit.ts';

/**
 * Enrolment (docs/protocol.md §2): the station makes its Ed25519 key pair itself, stores it
 * (the private key never leaves the station database, where it is sealed by a KeyProtector) and posts the public key with the
 * one-time token. The key is committed before the request is sent, so a station restarted
 * half-way posts the same key with the same token again, which central accepts.
 */
export type EnrolmentError =
  | { readonly kind: 'enrolment-refused'; readonly code: string; readonly status: number; readonly detail: string }
  | { readonly kind: 'central-unreachable'; readonly detail: string }
  | { readonly kind: 'central-key-mismatch'; readonly kit: PublicKey; readonly central: string };

export interface StationKey {
  readonly publicKey: PublicKey;
  readonly privateKeyPem: string;
  readonly enrolledAt: string | null;
}

/**
 * The station's key, its private half opened with `protector` (the database holds it sealed,
 * src/station/key_protector.ts). openStation checks at start that the protector opens it, so a
 * failure here is a bug.
 */
export function stationKey(db: StationDb, protector: KeyProtector = UNPROTECTED_KEYS): StationKey | undefined {
  const row = db
    .prepare<[], { private_key_pem: string; public_key: string; enrolled_at: string | null }>(
      'SELECT private_key_pem, public_key, enrolled_at FROM station_key WHERE id = 1',
    )
    .get();
  if (row === undefined) return undefined;
  const opened = protector.open(row.private_key_pem);
  if (!opened.ok) throw new Error(`the station key cannot be opened (${opened.error.kind}): openStation should have refused to start`);
  return { publicKey: PublicKeySchema.parse(row.public_key), privateKeyPem: opened.value, enrolledAt: row.enrolled_at };
}

/**
 * Checks at start that `protector` opens the stored key, and seals a key still in clear (a
 * station set up before keys were sealed) in place. Nothing to do for a station without a key.
 */
export function checkStoredKey(db: StationDb, protector: KeyProtector): Result<void, KeyProtectorError> {
  return db
    .transaction((): Result<void, KeyProtectorError> => {
      const row = db.prepare<[], { private_key_pem: string }>('SELECT private_key_pem FROM station_key WHERE id = 1').get();
      if (row === undefined) return ok(undefined);
      const opened = protector.open(row.private_key_pem);
      if (opened.ok) return ok(undefined);
      if (opened.error.kind === 'station-key-locked') return opened;
      // In clear, and this protector seals: seal it now (the old page is wiped: secure_delete).
      db.prepare('UPDATE station_key SET private_key_pem = ? WHERE id = 1').run(protector.seal(row.private_key_pem));
      return ok(undefined);
    })
    .immediate();
}

/** The station's key, made and stored (sealed by `protector`) on first use. */
export function ensureStationKey(db: StationDb, now: number, protector: KeyProtector = UNPROTECTED_KEYS): StationKey {
  return db
    .transaction((): StationKey => {
      const existing = stationKey(db, protector);
      if (existing !== undefined) return existing;
      const pair = generateStationKeyPair();
      db.prepare('INSERT INTO station_key (id, private_key_pem, public_key, enrolled_at) VALUES (1, ?, ?, NULL)').run(
        protector.seal(pair.privateKeyPem),
        pair.publicKey,
      );
      appendAudit(db, { event: 'station-key-generated', details: { publicKey: pair.publicKey } }, now);
      return { publicKey: pair.publicKey, privateKeyPem: pair.privateKeyPem, enrolledAt: null };
    })
    .immediate();
}

export async function enrolStation(
  db: StationDb,
  kit: StationKit,
  token: string,
  options: { readonly fetch: typeof fetch; readonly now: () => number; readonly protector?: KeyProtector },
): Promise<Result<{ readonly publicKey: PublicKey; readonly enrolledAt: string }, EnrolmentError>> {
  const key = ensureStationKey(db, options.now(), options.protector);
  const fail = (error: EnrolmentError) => {
    appendAudit(
      db,
      { event: 'enrolment-failed', details: { reason: error.kind === 'enrolment-refused' ? error.code : error.kind } },
      options.now(),
    );
    return err(error);
  };
  let response: Response;
  let body: unknown;
  try {
    response = await options.fetch(syncUrl(kit.centralUrl, SYNC_ENDPOINTS.enrol), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        election: kit.election.id,
        station: kit.stationId,
        token: token.trim(),
        publicKey: key.publicKey,
      } satisfies EnrolRequest),
      signal: AbortSignal.timeout(30_000),
    });
    body = await response.json().catch(() => undefined);
  } catch (error) {
    return fail({ kind: 'central-unreachable', detail: error instanceof Error ? error.message : String(error) });
  }
  if (!response.ok) {
    const refused = refusalOf(response.status, body);
    if (response.status >= 500 || response.status === 429)
      return fail({ kind: 'central-unreachable', detail: `${response.status} ${refused.code}` });
    return fail({ kind: 'enrolment-refused', code: refused.code, status: response.status, detail: refused.message });
  }
  const answer = EnrolResponseSchema.safeParse(body);
  if (!answer.success) return fail({ kind: 'central-unreachable', detail: 'the enrolment answer does not follow the protocol' });
  if (answer.data.centralPublicKey !== kit.centralPublicKey) {
    return fail({ kind: 'central-key-mismatch', kit: kit.centralPublicKey, central: answer.data.centralPublicKey });
  }
  const enrolledAt = answer.data.enrolledAt;
  db.transaction(() => {
    db.prepare('UPDATE station_key SET enrolled_at = ? WHERE id = 1').run(enrolledAt);
    appendAudit(db, { event: 'enrolment-succeeded', details: { publicKey: key.publicKey, enrolledAt } }, options.now());
  }).immediate();
  return ok({ publicKey: key.publicKey, enrolledAt });
}
