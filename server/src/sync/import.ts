import { SignedBatchExportSchema, issuesOf, verifyBatchExport, type PublicKey, type SignedReceipt } from '@scrutin/shared/node';
import { ApiError } from '../api/errors.ts';
import { receiveBatch, type IntakeDeps } from './intake.ts';

/**
 * `scrutin import-batches FILE`: a station's export file, brought on a USB stick, goes
 * through exactly the checks of `POST /sync/batches`, one batch at a time, with the same
 * idempotency: importing the same file twice, or a batch that also arrived by network,
 * counts nothing twice.
 */
export interface ImportReport {
  readonly station: string;
  readonly receipts: readonly SignedReceipt[];
  readonly refused: readonly { readonly sequence: number; readonly code: string; readonly message: string }[];
  readonly alreadyReceived: number;
}

export async function importBatches(deps: IntakeDeps, file: unknown): Promise<ImportReport> {
  const parsed = SignedBatchExportSchema.safeParse(file);
  if (!parsed.success) throw new ApiError('invalid-batch', 'This is not a Scrutin batch export file.', issuesOf(parsed.error));
  const { body } = parsed.data;
  const { rows } = await deps.db.query<{ public_key: PublicKey | null }>(
    'SELECT public_key FROM stations WHERE election_id = $1 AND station_id = $2',
    [body.election, body.station],
  );
  const key = rows[0]?.public_key;
  if (key === undefined) throw new ApiError('unknown-station', `Station ${body.station} is not part of election ${body.election}.`);
  if (key === null)
    throw new ApiError('station-not-enrolled', `Station ${body.station} was never enrolled: its file cannot be authenticated.`);
  if (!verifyBatchExport(parsed.data, key))
    throw new ApiError('bad-signature', 'The export file is not signed by the key enrolled for this station.');
  if (body.batches.some((b) => b.header.station !== body.station || b.header.election !== body.election)) {
    throw new ApiError('invalid-batch', 'The file holds batches of another station or election.');
  }
  const receipts: SignedReceipt[] = [];
  const refused: { sequence: number; code: string; message: string }[] = [];
  let alreadyReceived = 0;
  for (const batch of [...body.batches].sort((a, b) => a.header.sequence - b.header.sequence)) {
    try {
      const result = await receiveBatch(deps, batch);
      receipts.push(result.receipt);
      if (result.replay) alreadyReceived += 1;
    } catch (error) {
      if (!(error instanceof ApiError) || error.code === 'service-unavailable' || error.code === 'internal-error') throw error;
      refused.push({ sequence: batch.header.sequence, code: error.code, message: error.message });
    }
  }
  return { station: body.station, receipts, refused, alreadyReceived };
}
