import type { StationId } from '@scrutin/shared';
import {
  SignedBatchExportSchema,
  describeOpenExportError,
  issuesOf,
  openBatchExport,
  verifyBatchExport,
  type OpenExportError,
  type PublicKey,
  type SignedBatchExport,
  type SignedReceipt,
} from '@scrutin/shared/node';
import { ApiError } from '../api/errors.ts';
import type { AppContext } from '../app/context.ts';
import type { CentralExportKey } from '../app/services.ts';
import { intakeDepsOf, receiveBatch, type IntakeDeps } from './intake.ts';

/**
 * `scrutin import-batches FILE`: a station's export file, brought on a USB stick, goes
 * through exactly the checks of `POST /sync/batches`, one batch at a time, with the same
 * idempotency: importing the same file twice, or a batch that also arrived by network,
 * counts nothing twice.
 */
export interface ImportReport {
  readonly station: StationId;
  readonly receipts: readonly SignedReceipt[];
  readonly refused: readonly { readonly sequence: number; readonly code: string; readonly message: string }[];
  readonly alreadyReceived: number;
}

export type ImportDeps = IntakeDeps & { readonly exportKey: CentralExportKey };

/** What an import needs, from central's context: the intake's, and the key that opens a sealed file. */
export function importDepsOf(ctx: AppContext): ImportDeps {
  return { ...intakeDepsOf(ctx), exportKey: ctx.centralExportKey };
}

/**
 * A station's file as it comes off the stick: sealed to central's export key
 * (protocol/export_sealing). Opened first, then imported like any signed export. A plain
 * export, a file sealed to another central or changed on the stick is refused and changes
 * nothing.
 */
export async function importSealedBatches(deps: ImportDeps, file: unknown): Promise<ImportReport> {
  return importBatches(deps, await openSealedExport(file, deps.exportKey));
}

/** Opens a sealed export file, or throws the API refusal that says why it does not open (4xx). */
export async function openSealedExport(file: unknown, exportKey: CentralExportKey): Promise<SignedBatchExport> {
  const opened = await openBatchExport(file, exportKey.privateKeyPem);
  if (!opened.ok) throw openExportRefusal(opened.error);
  return opened.value;
}

export function openExportRefusal(error: OpenExportError): ApiError {
  const message = describeOpenExportError(error);
  switch (error.kind) {
    case 'cannot-open':
      return new ApiError('export-unopenable', message, { reason: error.kind });
    case 'malformed':
    case 'invalid-contents':
      return new ApiError('invalid-batch', message, { reason: error.kind, issues: error.issues.slice(0, 50) });
    case 'not-sealed':
    case 'label-mismatch':
      return new ApiError('invalid-batch', message, { reason: error.kind });
  }
}

/** Imports an opened (or otherwise obtained) signed export: the station's signature is checked first. */
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
