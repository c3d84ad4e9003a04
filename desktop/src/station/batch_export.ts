import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type ElectionId, type Result, type StationId } from '@scrutin/shared';
import { sealBatchExport, signBatchExport, type BatchExportBody, type ExportPublicKey } from '@scrutin/shared/protocol';
import { unsyncedSignedBatches } from './batches.ts';
import type { StationDb } from './db.ts';

/**
 * The offline fallback (docs/station-kit.md): every batch not yet acknowledged by central,
 * written as one file signed by the station key (`SignedBatchExportSchema`), then sealed to
 * central's export key from the kit (`SealedBatchExportSchema`, HPKE), for a USB key: a lost
 * key shows only which station it is from.
 * `scrutin import-batches FILE` puts it through the same checks and the same idempotency as
 * the network, so a batch that also arrives by network later is counted once.
 */
export interface ExportedFile {
  readonly path: string;
  readonly batches: number;
  readonly ballots: number;
  readonly sha256: string;
}

export type ExportError =
  | { readonly kind: 'nothing-to-export' }
  /** The kit was loaded before kits carried central's export key: nothing is written in clear. */
  | { readonly kind: 'no-export-key' }
  | { readonly kind: 'write-failed'; readonly detail: string };

/** `path` is a file, or an existing folder to write a named file into. */
export function exportFilePath(path: string, station: StationId, now: number): string {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) return path;
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  return join(path, `scrutin-export-${station}-${stamp}.json`);
}

export async function writeBatchExport(
  db: StationDb,
  identity: {
    readonly election: ElectionId;
    readonly station: StationId;
    readonly privateKeyPem: string;
    readonly centralExportKey: ExportPublicKey | null;
  },
  path: string,
  now: number,
): Promise<Result<ExportedFile, ExportError>> {
  if (identity.centralExportKey === null) return err({ kind: 'no-export-key' });
  const batches = [...unsyncedSignedBatches(db)];
  if (batches.length === 0) return err({ kind: 'nothing-to-export' });
  const body: BatchExportBody = {
    format: 'scrutin-batch-export',
    version: 2,
    election: identity.election,
    station: identity.station,
    exportedAt: new Date(now).toISOString(),
    batches,
  };
  const sealed = await sealBatchExport(signBatchExport(body, identity.privateKeyPem), identity.centralExportKey);
  const bytes = Buffer.from(`${JSON.stringify(sealed)}\n`, 'utf8');
  const target = exportFilePath(path, identity.station, now);
  const partial = `${target}.partial`;
  try {
    // Written whole, flushed, then renamed: a pulled USB key leaves no half file under the name.
    const fd = openSync(partial, 'w');
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { force: true });
    return err({ kind: 'write-failed', detail: error instanceof Error ? error.message : String(error) });
  }
  return ok({
    path: target,
    batches: batches.length,
    ballots: batches.reduce((n, b) => n + b.header.envelopeCount, 0),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  });
}
