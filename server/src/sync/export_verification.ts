import { err, issuesOf, ok, type ElectionId, type Result, type Sha256Hex, type StationId } from '@scrutin/shared';
import type { Verification } from '@scrutin/shared/api';
import {
  SEALED_EXPORT_FORMAT,
  SignedBatchExportSchema,
  openBatchExport,
  verifyBatch,
  verifyBatchExport,
  type OpenExportError,
  type PublicKey,
  type SignedBatchExport,
} from '@scrutin/shared/protocol';
import type { Queryable } from '../db/database.ts';

/**
 * A station's batch file (its own record of what it sent, docs/station-kit.md) checked
 * against central's record: every batch signature verified with the station's enrolled key,
 * every batch hash compared with the one central recorded for that sequence. The file is
 * read, never stored.
 */
export type ExportVerificationError =
  | { readonly kind: 'other-election'; readonly election: ElectionId }
  | { readonly kind: 'unknown-station'; readonly station: StationId }
  | { readonly kind: 'never-enrolled'; readonly station: StationId };

/**
 * The file an official uploads: a station's export as it came off the stick, sealed to
 * central's export key (opened here with its private half), or an already opened signed
 * export. Either way it is only read.
 */
export async function openStationExport(file: unknown, exportPrivateKeyPem: string): Promise<Result<SignedBatchExport, OpenExportError>> {
  if (typeof file === 'object' && file !== null && (file as { format?: unknown }).format === SEALED_EXPORT_FORMAT) {
    return openBatchExport(file, exportPrivateKeyPem);
  }
  const plain = SignedBatchExportSchema.safeParse(file);
  return plain.success ? ok(plain.data) : err({ kind: 'malformed', issues: issuesOf(plain.error) });
}

export async function verifyStationExport(
  db: Queryable,
  election: ElectionId,
  file: SignedBatchExport,
): Promise<Result<Verification, ExportVerificationError>> {
  if (file.body.election !== election) return err({ kind: 'other-election', election: file.body.election });
  const station = file.body.station;
  const { rows } = await db.query<{ public_key: PublicKey | null }>(
    'SELECT public_key FROM stations WHERE election_id = $1 AND station_id = $2',
    [election, station],
  );
  const key = rows[0]?.public_key;
  if (key === undefined) return err({ kind: 'unknown-station', station });
  if (key === null) return err({ kind: 'never-enrolled', station });
  const recorded = await db.query<{ sequence: number; hash: Sha256Hex }>(
    `SELECT sequence, encode(batch_hash, 'hex') AS hash FROM batches WHERE election_id = $1 AND station_id = $2 ORDER BY sequence`,
    [election, station],
  );
  const central = new Map(recorded.rows.map((r) => [r.sequence, r.hash]));
  const inFile = new Set<number>();
  const batches = [...file.body.batches]
    .sort((a, b) => a.header.sequence - b.header.sequence)
    .map((batch) => {
      inFile.add(batch.header.sequence);
      const wrongStation = batch.header.station !== station || batch.header.election !== election;
      const verified = verifyBatch(batch, key);
      const recordedHash = central.get(batch.header.sequence);
      const hash = verified.ok ? verified.value : null;
      return {
        sequence: batch.header.sequence,
        envelopes: batch.header.envelopeCount,
        signature: wrongStation ? 'wrong-station' : verified.ok ? 'valid' : verified.error.kind,
        batchHash: hash,
        central:
          recordedHash === undefined ? ('not-received' as const) : hash === recordedHash ? ('matches' as const) : ('differs' as const),
      };
    });
  return ok({
    election,
    station,
    fileSignature: verifyBatchExport(file, key) ? 'valid' : 'invalid',
    batches,
    valid: batches.filter((b) => b.signature === 'valid').length,
    matching: batches.filter((b) => b.central === 'matches').length,
    notReceived: batches.filter((b) => b.central === 'not-received').length,
    differing: batches.filter((b) => b.central === 'differs').length,
    missingFromFile: [...central.keys()].filter((s) => !inFile.has(s)),
  });
}
