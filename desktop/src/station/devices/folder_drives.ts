import { basename, resolve } from 'node:path';
import { err, ok, type Result } from '@scrutin/shared';
import {
  driveError,
  type DriveError,
  type DriveEvent,
  type DriveId,
  type DriveSource,
  type MountedDrive,
  type RemovableDrive,
} from './drives.ts';
import { describeMounted } from './udisks_drives.ts';

/**
 * A drive source whose "drives" are folders fixed when the station starts: for tests, the
 * demo and development on a machine without udisks2 (the browser host's `--usb-folder`). The
 * poll worker still chooses from the list and the drive writer still refuses to write
 * anywhere else or over anything; only the list comes from the technician rather than from
 * the system. A station in a polling place uses udisks2 (udisks_drives.ts).
 */
export class FolderDriveSource implements DriveSource {
  private readonly folders: readonly string[];

  constructor(folders: readonly string[]) {
    this.folders = folders.map((f) => resolve(f));
  }

  list(): Promise<Result<readonly RemovableDrive[], DriveError>> {
    return Promise.resolve(
      ok(
        this.folders.map((folder) => ({
          id: `folder:${folder}` as DriveId,
          label: basename(folder),
          device: folder,
          sizeBytes: 0,
          readOnly: false,
          mountPoint: folder,
        })),
      ),
    );
  }

  async mount(id: DriveId): Promise<Result<MountedDrive, DriveError>> {
    const listed = await this.list();
    const drive = listed.ok ? listed.value.find((d) => d.id === id) : undefined;
    if (drive === undefined) return err(driveError({ kind: 'drive-not-found', id }));
    return describeMounted(drive, drive.device);
  }

  async available(): Promise<Result<readonly MountedDrive[], DriveError>> {
    const listed = await this.list();
    if (!listed.ok) return listed;
    const mounted: MountedDrive[] = [];
    // A folder that is gone is a drive pulled out: it is not listed.
    for (const drive of listed.value) {
      const described = await describeMounted(drive, drive.device);
      if (described.ok) mounted.push(described.value);
    }
    return ok(mounted);
  }

  /** The folders are fixed: nothing comes or goes. */
  watch(_onChange: (event: DriveEvent) => void): () => void {
    return () => undefined;
  }

  close(): void {
    // nothing held
  }
}
