import { assertNever, type Result } from '@scrutin/shared';
import { z } from 'zod';
import type { Bilingual } from '../../api/station_api.ts';

/**
 * Removable drives (USB keys) for exports, as the poll worker chooses them: from a list of the
 * drives the system detected, never a typed path (docs/polling-day.md). A `DriveSource` lists
 * them, mounts one (no exec, no setuid, no device files) and says when one comes or goes.
 *
 * - Linux, the reference platform: udisks2 over D-Bus (udisks_drives.ts).
 * - Windows (to come): the same interface over the volume APIs: enumerate removable volumes
 *   (`GetLogicalDrives` + `GetDriveTypeW` = DRIVE_REMOVABLE, or WMI
 *   `Win32_Volume`/`Win32_LogicalDisk` where DriveType = 2), labels and sizes with
 *   `GetVolumeInformationW` / `GetDiskFreeSpaceExW`, arrival and removal through
 *   `WM_DEVICECHANGE` (DBT_DEVICEARRIVAL / DBT_DEVICEREMOVECOMPLETE) or WMI
 *   `Win32_VolumeChangeEvent`. Windows mounts volumes itself; "no exec" is the AppLocker /
 *   WDAC policy of the station image that forbids running anything from removable media.
 */

/** Opaque and stable while the drive stays plugged in (on Linux, the udisks2 block object path). */
export const DriveIdSchema = z.string().min(1).max(512).brand<'DriveId'>();
export type DriveId = z.infer<typeof DriveIdSchema>;

export interface RemovableDrive {
  readonly id: DriveId;
  /** The file system label, or the drive's vendor and model when it has none. */
  readonly label: string;
  /** The device node, for the technician (e.g. /dev/sdb1). */
  readonly device: string;
  readonly sizeBytes: number;
  readonly readOnly: boolean;
  /** Where it is mounted, or null when it is not (yet). */
  readonly mountPoint: string | null;
}

export interface MountedDrive extends RemovableDrive {
  readonly mountPoint: string;
  /** Space a new file may use (statfs f_bavail × f_bsize). */
  readonly freeBytes: number;
  /** Mounted noexec, nosuid and nodev, as the kernel's mount table says. */
  readonly secureMount: boolean;
  /** st_dev of the mount point: the writer checks it is still this file system. */
  readonly deviceNumber: number;
}

export type DriveEvent =
  | { readonly kind: 'added'; readonly id: DriveId }
  | { readonly kind: 'removed'; readonly id: DriveId }
  | { readonly kind: 'changed'; readonly id: DriveId };

export type DriveProblem =
  /** The drive service (udisks2) cannot be reached. */
  | { readonly kind: 'drives-unavailable'; readonly detail: string }
  | { readonly kind: 'drive-not-found'; readonly id: DriveId }
  | { readonly kind: 'mount-refused'; readonly id: DriveId; readonly detail: string }
  | { readonly kind: 'mount-not-authorized'; readonly id: DriveId };

export type DriveError = DriveProblem & { readonly message: Bilingual };

export interface DriveSource {
  /** The removable drives with a file system, mounted or not. */
  list(): Promise<Result<readonly RemovableDrive[], DriveError>>;
  /** Mounts the drive (noexec,nosuid,nodev) unless it is mounted already. */
  mount(id: DriveId): Promise<Result<MountedDrive, DriveError>>;
  /** Every removable drive, mounted: the list the poll worker chooses from. */
  available(): Promise<Result<readonly MountedDrive[], DriveError>>;
  /** Calls back when a drive appears, disappears or changes (mounted, unmounted); returns the unsubscribe. */
  watch(onChange: (event: DriveEvent) => void): () => void;
  close(): void;
}

export function driveError(problem: DriveProblem): DriveError {
  return { ...problem, message: describeDriveProblem(problem) };
}

export function describeDriveProblem(p: DriveProblem): Bilingual {
  switch (p.kind) {
    case 'drives-unavailable':
      return {
        fr: `Les clés USB ne peuvent pas être détectées (${p.detail}). Avisez le soutien technique.`,
        en: `USB keys cannot be detected (${p.detail}). Tell technical support.`,
      };
    case 'drive-not-found':
      return {
        fr: 'Cette clé USB n’est plus branchée. Rebranchez-la et choisissez-la de nouveau dans la liste.',
        en: 'This USB key is no longer plugged in. Plug it back in and choose it again from the list.',
      };
    case 'mount-refused':
      return {
        fr: `La clé USB n’a pas pu être ouverte (${p.detail}). Essayez une autre clé.`,
        en: `The USB key could not be opened (${p.detail}). Try another key.`,
      };
    case 'mount-not-authorized':
      return {
        fr: 'Le poste n’a pas le droit d’ouvrir cette clé USB. Avisez le soutien technique.',
        en: 'The station is not allowed to open this USB key. Tell technical support.',
      };
    default:
      return assertNever(p, 'drive problem');
  }
}
