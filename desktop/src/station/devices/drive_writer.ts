import { createHash } from 'node:crypto';
import { open, readFile, realpath, rename, stat, statfs, unlink } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Mutex } from 'async-mutex';
import { assertNever, err, ok, type Result, type StationId } from '@scrutin/shared';
import type { Bilingual } from '../../api/station_api.ts';
import type { DriveError, DriveId, MountedDrive } from './drives.ts';

/**
 * Writes an export file onto a removable drive the poll worker chose from the list, so that
 * what is written is whole, is never written over anything, and is read back before "done":
 *
 * 1. one export at a time (a mutex: two exports never interleave);
 * 2. the folder must be on a drive listed right now (the listing is asked again), with
 *    symlinks resolved and on that drive's own file system (a link on the key pointing at
 *    the station's disk is refused);
 * 3. the space is checked; the file name, `scrutin-<station>-<kind>-<UTC time>.json`, is
 *    reserved with an exclusive create (`wx`), `-2`, `-3`... when taken: nothing is
 *    overwritten;
 * 4. the bytes go to a temporary name in the same folder, are fsync'd, renamed over the
 *    reserved (empty) name, and the folder is fsync'd;
 * 5. the file is read back and its SHA-256 compared.
 *
 * Errors are typed with words for the poll worker: drive full, drive removed, read-only.
 * On failure, only what this write created is removed.
 */
export type ExportKind = 'pending-batches' | 'full-backup' | 'closing-report' | 'audit-log' | 'test-deck';

export interface DriveWriteRequest {
  /** A listed drive's mount point, or a folder on it. */
  readonly directory: string;
  readonly station: StationId;
  readonly kind: ExportKind;
  /** The JSON value to write (e.g. what `sealExport` returns). */
  readonly content: unknown;
  /** Milliseconds since the epoch, for the file name. */
  readonly now: number;
}

export interface WrittenExport {
  readonly drive: DriveId;
  readonly path: string;
  readonly fileName: string;
  readonly bytes: number;
  readonly sha256: string;
}

export type DriveWriteProblem =
  | { readonly kind: 'drive-list-failed'; readonly cause: DriveError }
  | { readonly kind: 'not-on-a-drive'; readonly directory: string }
  | { readonly kind: 'drive-removed' }
  | { readonly kind: 'drive-full'; readonly neededBytes: number; readonly freeBytes: number | null }
  | { readonly kind: 'read-only' }
  | { readonly kind: 'permission-denied'; readonly detail: string }
  | { readonly kind: 'verification-failed'; readonly path: string }
  | { readonly kind: 'write-failed'; readonly code: string; readonly detail: string };

export type DriveWriteError = DriveWriteProblem & { readonly message: Bilingual };

export type DriveWriterEvent =
  | { readonly kind: 'write-started'; readonly directory: string; readonly exportKind: ExportKind }
  | { readonly kind: 'write-finished'; readonly path: string; readonly sha256: string }
  | { readonly kind: 'write-failed'; readonly problem: DriveWriteProblem['kind'] };

export interface DriveWriterOptions {
  /** Called at the start and end of each write (for the station's log). */
  readonly onEvent?: (event: DriveWriterEvent) => void;
}

/** The drives that may be written to, as listed now (`DriveSource.available`). */
export type ListDrives = () => Promise<Result<readonly MountedDrive[], DriveError>>;

const fail = (problem: DriveWriteProblem): { ok: false; error: DriveWriteError } =>
  err({ ...problem, message: describeDriveWriteProblem(problem) });

/** `20261005T213000Z`: sortable, and valid on FAT (no colon). */
export function exportTimestamp(now: number): string {
  return new Date(now)
    .toISOString()
    .replace(/\.[0-9]{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

export function exportFileName(station: StationId, kind: ExportKind, now: number, attempt = 1): string {
  return `scrutin-${station}-${kind}-${exportTimestamp(now)}${attempt > 1 ? `-${attempt}` : ''}.json`;
}

/** A Node file-system error, by its code. */
function problemOf(error: unknown, neededBytes: number): DriveWriteProblem {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN';
  const detail = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EFBIG':
      return { kind: 'drive-full', neededBytes, freeBytes: null };
    case 'EROFS':
      return { kind: 'read-only' };
    case 'EACCES':
    case 'EPERM':
      return { kind: 'permission-denied', detail };
    case 'ENOENT':
    case 'ENODEV':
    case 'ENXIO':
    case 'EIO':
    case 'ESTALE':
      return { kind: 'drive-removed' };
    default:
      return { kind: 'write-failed', code, detail };
  }
}

const within = (path: string, root: string) => path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);

export class DriveWriter {
  private readonly mutex = new Mutex();

  constructor(
    private readonly listDrives: ListDrives,
    private readonly options: DriveWriterOptions = {},
  ) {}

  write(request: DriveWriteRequest): Promise<Result<WrittenExport, DriveWriteError>> {
    return this.mutex.runExclusive(async () => {
      this.options.onEvent?.({ kind: 'write-started', directory: request.directory, exportKind: request.kind });
      const result = await this.writeNow(request);
      this.options.onEvent?.(
        result.ok
          ? { kind: 'write-finished', path: result.value.path, sha256: result.value.sha256 }
          : { kind: 'write-failed', problem: result.error.kind },
      );
      return result;
    });
  }

  private async writeNow(request: DriveWriteRequest): Promise<Result<WrittenExport, DriveWriteError>> {
    const target = await this.resolve(request.directory);
    if (!target.ok) return target;
    const { drive, directory } = target.value;
    const bytes = Buffer.from(`${JSON.stringify(request.content)}\n`, 'utf8');
    if (drive.readOnly) return fail({ kind: 'read-only' });

    let freeBytes: number;
    let blockSize: number;
    try {
      const space = await statfs(directory);
      freeBytes = space.bavail * space.bsize;
      blockSize = space.bsize;
    } catch (error) {
      return fail(problemOf(error, bytes.length));
    }
    const neededBytes = bytes.length + 2 * blockSize;
    if (freeBytes < neededBytes) return fail({ kind: 'drive-full', neededBytes, freeBytes });

    // Reserve the name: an exclusive create never replaces anything.
    let fileName = '';
    let finalPath = '';
    for (let attempt = 1; finalPath === ''; attempt++) {
      if (attempt > 1000) return fail({ kind: 'write-failed', code: 'EEXIST', detail: 'no free file name' });
      const name = exportFileName(request.station, request.kind, request.now, attempt);
      try {
        await (await open(join(directory, name), 'wx', 0o644)).close();
        fileName = name;
        finalPath = join(directory, name);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return fail(problemOf(error, neededBytes));
      }
    }

    const partial = join(directory, `.${fileName}.partial`);
    let partialCreated = false;
    let renamed = false;
    try {
      const handle = await open(partial, 'wx', 0o644);
      partialCreated = true;
      try {
        let written = 0;
        while (written < bytes.length) written += (await handle.write(bytes, written)).bytesWritten;
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(partial, finalPath);
      renamed = true;
      const folder = await open(directory, 'r');
      try {
        await folder.sync();
      } finally {
        await folder.close();
      }

      // Still the same drive, and the file reads back as written.
      if ((await stat(directory)).dev !== drive.deviceNumber) return fail({ kind: 'drive-removed' });
      const back = await readFile(finalPath);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (back.length !== bytes.length || createHash('sha256').update(back).digest('hex') !== sha256) {
        return fail({ kind: 'verification-failed', path: finalPath });
      }
      return ok({ drive: drive.id, path: finalPath, fileName, bytes: bytes.length, sha256 });
    } catch (error) {
      await this.cleanUp(partialCreated && !renamed ? partial : null, renamed ? null : finalPath);
      return fail(problemOf(error, neededBytes));
    }
  }

  /** The listed drive the folder is on, symlinks resolved, on the drive's own file system. */
  private async resolve(requested: string): Promise<Result<{ drive: MountedDrive; directory: string }, DriveWriteError>> {
    const listed = await this.listDrives();
    if (!listed.ok) return fail({ kind: 'drive-list-failed', cause: listed.error });
    let directory: string;
    try {
      directory = await realpath(requested);
      if (!(await stat(directory)).isDirectory()) return fail({ kind: 'not-on-a-drive', directory: requested });
    } catch (error) {
      return fail((error as NodeJS.ErrnoException).code === 'ENOENT' ? { kind: 'drive-removed' } : problemOf(error, 0));
    }
    for (const drive of listed.value) {
      let mountPoint: string;
      try {
        mountPoint = await realpath(drive.mountPoint);
      } catch {
        continue;
      }
      if (!within(directory, mountPoint)) continue;
      const [folder, mount] = await Promise.all([stat(directory), stat(mountPoint)]);
      if (mount.dev !== drive.deviceNumber) return fail({ kind: 'drive-removed' });
      if (folder.dev !== drive.deviceNumber) return fail({ kind: 'not-on-a-drive', directory: requested });
      return ok({ drive, directory });
    }
    return fail({ kind: 'not-on-a-drive', directory: requested });
  }

  /** Removes what this write created and did not finish; nothing else. */
  private async cleanUp(partial: string | null, placeholder: string | null): Promise<void> {
    for (const path of [partial, placeholder]) {
      if (path === null) continue;
      try {
        await unlink(path);
      } catch {
        // gone with the drive, or read-only now: nothing more can be done
      }
    }
  }
}

const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} Mo`;
const mibEn = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

export function describeDriveWriteProblem(p: DriveWriteProblem): Bilingual {
  switch (p.kind) {
    case 'drive-list-failed':
      return p.cause.message;
    case 'not-on-a-drive':
      return {
        fr: 'L’exportation ne peut aller que sur une clé USB choisie dans la liste. Choisissez une clé dans la liste.',
        en: 'Exports can only go to a USB key chosen from the list. Choose a key from the list.',
      };
    case 'drive-removed':
      return {
        fr: 'La clé USB a été retirée. Rebranchez-la, choisissez-la dans la liste et exportez de nouveau.',
        en: 'The USB key was removed. Plug it back in, choose it from the list and export again.',
      };
    case 'drive-full':
      return {
        fr: `La clé USB est pleine${p.freeBytes === null ? '' : ` (${mib(p.freeBytes)} libres, ${mib(p.neededBytes)} nécessaires)`}. Utilisez une autre clé.`,
        en: `The USB key is full${p.freeBytes === null ? '' : ` (${mibEn(p.freeBytes)} free, ${mibEn(p.neededBytes)} needed)`}. Use another key.`,
      };
    case 'read-only':
      return {
        fr: 'La clé USB est protégée en écriture. Déverrouillez-la (petit interrupteur) ou utilisez une autre clé.',
        en: 'The USB key is write-protected. Unlock it (small switch) or use another key.',
      };
    case 'permission-denied':
      return {
        fr: 'Le poste n’a pas le droit d’écrire sur cette clé USB. Utilisez une autre clé\u202f; sinon, avisez le soutien technique.',
        en: 'The station may not write to this USB key. Use another key; otherwise, tell technical support.',
      };
    case 'verification-failed':
      return {
        fr: 'Le fichier relu sur la clé USB ne correspond pas à ce qui a été écrit. La clé est peut-être défectueuse\u00a0: utilisez une autre clé.',
        en: 'The file read back from the USB key does not match what was written. The key may be faulty: use another key.',
      };
    case 'write-failed':
      return {
        fr: `L’écriture sur la clé USB a échoué (${p.code}). Réessayez avec une autre clé\u202f; si cela persiste, avisez le soutien technique.`,
        en: `Writing to the USB key failed (${p.code}). Try again with another key; if it persists, tell technical support.`,
      };
    default:
      return assertNever(p, 'drive write problem');
  }
}
