import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type ElectionId, type PublicKey, type Result, type StationId } from '@scrutin/shared';
import type { ClosingReportBody } from '../api/station_api.ts';
import {
  SealedBatchExportSchema,
  sealBatchExport,
  signBatchExport,
  type BatchExportBody,
  type ExportPublicKey,
  type SealedBatchExport,
} from '@scrutin/shared/protocol';
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

/** What the station signs and seals: its identity, and central's export key from the kit. */
export interface ExportIdentity {
  readonly election: ElectionId;
  readonly station: StationId;
  readonly privateKeyPem: string;
  /** Null for a kit loaded before kits carried it (desktop migration 5): the export is refused. */
  readonly centralExportKey: ExportPublicKey | null;
}

/**
 * The export of every batch not yet acknowledged, signed by the station and sealed to central's
 * export key (what goes on the drive, as JSON).
 */
export async function sealedBatchExport(
  db: StationDb,
  identity: ExportIdentity,
  now: number,
): Promise<Result<{ readonly content: SealedBatchExport; readonly batches: number; readonly ballots: number }, ExportError>> {
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
  return ok({
    content: await sealBatchExport(signBatchExport(body, identity.privateKeyPem), identity.centralExportKey),
    batches: batches.length,
    ballots: batches.reduce((n, b) => n + b.header.envelopeCount, 0),
  });
}

/**
 * The full backup written at close (docs/polling-day.md): everything the station holds that
 * central needs, for when the station or its link is lost, with nothing in clear that a finder
 * of the stick could read a vote or a voter from:
 *
 * - `pendingBatches`: every batch central has not acknowledged, signed and sealed to central's
 *   export key (as `exportBatches` writes it), or null when central has them all;
 * - `syncedBatches`: the sealed copies kept of the synced ones (migration 6), as stored;
 * - `closingReport`: the signed closing report (counts and the station's tally: public once
 *   printed).
 *
 * Central opens the batches with `scrutin import-batches` (the same checks and idempotency as
 * the network) and verifies the report with the station's key.
 */
export interface StationBackup {
  readonly format: 'scrutin-station-backup';
  readonly version: 1;
  readonly election: ElectionId;
  readonly station: StationId;
  readonly createdAt: string;
  readonly closingReport: { readonly body: ClosingReportBody; readonly signature: string; readonly publicKey: PublicKey };
  readonly pendingBatches: SealedBatchExport | null;
  readonly syncedBatches: readonly SealedBatchExport[];
}

export async function stationBackup(
  db: StationDb,
  identity: ExportIdentity & { readonly centralExportKey: ExportPublicKey },
  closingReport: StationBackup['closingReport'],
  now: number,
): Promise<{ readonly content: StationBackup; readonly batches: number; readonly ballots: number }> {
  const pending = await sealedBatchExport(db, identity, now);
  if (!pending.ok && pending.error.kind !== 'nothing-to-export') throw new Error(`backup: ${pending.error.kind}`);
  const synced = db
    .prepare<[], { sealed_copy: string; envelopes: number }>(
      'SELECT sealed_copy, envelopes FROM batches WHERE receipt IS NOT NULL AND sealed_copy IS NOT NULL ORDER BY sequence',
    )
    .all();
  const content: StationBackup = {
    format: 'scrutin-station-backup',
    version: 1,
    election: identity.election,
    station: identity.station,
    createdAt: new Date(now).toISOString(),
    closingReport,
    pendingBatches: pending.ok ? pending.value.content : null,
    syncedBatches: synced.map((row) => SealedBatchExportSchema.parse(JSON.parse(row.sealed_copy))),
  };
  return {
    content,
    batches: (pending.ok ? pending.value.batches : 0) + synced.length,
    ballots: (pending.ok ? pending.value.ballots : 0) + synced.reduce((n, row) => n + row.envelopes, 0),
  };
}

/**
 * Writes the export to `path` (a file, or an existing folder to write a named file into), for
 * tools; the station itself writes only through the drive writer (devices/drive_writer.ts).
 * Never over an existing file: that is `target-exists`, and nothing is touched.
 */
export async function writeBatchExport(
  db: StationDb,
  identity: ExportIdentity,
  path: string,
  now: number,
): Promise<Result<ExportedFile, ExportError>> {
  const sealed = await sealedBatchExport(db, identity, now);
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
