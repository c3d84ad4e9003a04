import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type ElectionId, type Result, type StationId } from '@scrutin/shared';
import { signBatchExport, type BatchExportBody, type SignedBatchExport } from '@scrutin/shared/protocol';
import { unsyncedSignedBatches } from './batches.ts';
import type { StationDb } from './db.ts';

/**
 * The offline fallback (docs/station-kit.md): every batch not yet acknowledged by central,
 * written as one file signed by the station key (`SignedBatchExportSchema`), for a USB key.
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
  /** The file exists already: an export never writes over anything. */
  | { readonly kind: 'target-exists'; readonly path: string }
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

/** The signed export of every batch not yet acknowledged (what goes on the drive, as JSON). */
export function sealedBatchExport(
  db: StationDb,
  identity: { readonly election: ElectionId; readonly station: StationId; readonly privateKeyPem: string },
  now: number,
): Result<{ readonly content: SignedBatchExport; readonly batches: number; readonly ballots: number }, ExportError> {
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
  return ok({
    content: signBatchExport(body, identity.privateKeyPem),
    batches: batches.length,
    ballots: batches.reduce((n, b) => n + b.header.envelopeCount, 0),
  });
}

/**
 * Writes the export to `path` (a file, or an existing folder to write a named file into), for
 * tools; the station itself writes only through the drive writer (devices/drive_writer.ts).
 * Never over an existing file: that is `target-exists`, and nothing is touched.
 */
export function writeBatchExport(
  db: StationDb,
  identity: { readonly election: ElectionId; readonly station: StationId; readonly privateKeyPem: string },
  path: string,
  now: number,
): Result<ExportedFile, ExportError> {
  const sealed = sealedBatchExport(db, identity, now);
  if (!sealed.ok) return sealed;
  const bytes = Buffer.from(`${JSON.stringify(sealed.value.content)}\n`, 'utf8');
  const target = exportFilePath(path, identity.station, now);
  if (existsSync(target)) return err({ kind: 'target-exists', path: target });
  const partial = `${target}.partial`;
  let reserved = false;
  try {
    // The name is reserved by an exclusive create, then the bytes are written whole to a temp
    // file, flushed and renamed over the (empty) reserved name: nothing else is ever replaced.
    closeSync(openSync(target, 'wx', 0o600));
    reserved = true;
    const fd = openSync(partial, 'wx', 0o600);
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
    if (reserved) rmSync(target, { force: true });
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return err({ kind: 'target-exists', path: target });
    return err({ kind: 'write-failed', detail: error instanceof Error ? error.message : String(error) });
  }
  return ok({
    path: target,
    batches: sealed.value.batches,
    ballots: sealed.value.ballots,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  });
}
