import { readFile, stat, statfs } from 'node:fs/promises';
import { Message, MessageType, Variant } from '@jellybrick/dbus-next';
import { err, ok, type Result } from '@scrutin/shared';
import { z } from 'zod';
import {
  driveError,
  type DriveError,
  type DriveEvent,
  type DriveId,
  type DriveSource,
  type MountedDrive,
  type RemovableDrive,
} from './drives.ts';
import { connectDbus, type DbusConnection } from './dbus_call.ts';

/**
 * Removable drives on Linux through udisks2 over D-Bus (the system bus; another bus address
 * for tests). udisks2 is what desktop file managers use: it sees USB keys come and go, and
 * mounts them for an unprivileged user under /media or /run/media when polkit allows it
 * (the station image grants the station user `filesystem-mount` without a prompt).
 *
 * A drive is offered when its block device carries a file system that udisks2 does not hide
 * or mark as a system device, and it is removable (HintAuto, or its drive says Removable or
 * MediaRemovable): an internal disk is never offered. It is mounted with `noexec,nosuid,nodev`
 * and `auth.no_user_interaction` (never a password dialog on the kiosk).
 *
 * Only plain method calls and signals are used (GetManagedObjects, Filesystem.Mount, the
 * ObjectManager and PropertiesChanged signals): no introspection.
 */
const UDISKS = 'org.freedesktop.UDisks2';
const ROOT = '/org/freedesktop/UDisks2';
const OBJECT_MANAGER = 'org.freedesktop.DBus.ObjectManager';
const PROPERTIES = 'org.freedesktop.DBus.Properties';
const BLOCK = 'org.freedesktop.UDisks2.Block';
const FILESYSTEM = 'org.freedesktop.UDisks2.Filesystem';
const DRIVE = 'org.freedesktop.UDisks2.Drive';

/** What the station asks udisks2 for when it mounts a drive. */
export const MOUNT_OPTIONS = 'noexec,nosuid,nodev';

export interface UdisksOptions {
  /** A D-Bus address (tests); the system bus when left out. */
  readonly busAddress?: string;
  /** Per call; defaults to 15 s (a mount can take a few seconds on a slow key). */
  readonly timeoutMs?: number;
}

const VariantRecord = z.record(z.string(), z.instanceof(Variant));
const ManagedObjects = z.record(z.string(), z.record(z.string(), VariantRecord));
type Properties = z.infer<typeof VariantRecord>;

const bytes = z.instanceof(Buffer).transform((b) => b.toString('utf8').replace(/\0+$/, ''));
const uint64 = z.union([z.bigint(), z.number()]).transform((n) => Number(n));

function read<T>(props: Properties | undefined, name: string, schema: z.ZodType<T>, fallback: T): T {
  const variant = props?.[name];
  if (variant === undefined) return fallback;
  const parsed = schema.safeParse(variant.value);
  return parsed.success ? parsed.data : fallback;
}

export class UdisksDriveSource implements DriveSource {
  private readonly dbus: DbusConnection;
  private readonly listeners = new Set<(event: DriveEvent) => void>();
  private matching: Promise<void> | null = null;

  constructor(options: UdisksOptions = {}) {
    this.dbus = connectDbus({
      ...(options.busAddress === undefined ? {} : { busAddress: options.busAddress }),
      timeoutMs: options.timeoutMs ?? 15_000,
    });
    this.dbus.bus.on('message', (message) => {
      this.onMessage(message);
    });
  }

  async list(): Promise<Result<readonly RemovableDrive[], DriveError>> {
    const reply = await this.call(new Message({ destination: UDISKS, path: ROOT, interface: OBJECT_MANAGER, member: 'GetManagedObjects' }));
    if (!reply.ok) return err(driveError({ kind: 'drives-unavailable', detail: reply.error }));
    const objects = ManagedObjects.safeParse(reply.value[0]);
    if (!objects.success)
      return err(driveError({ kind: 'drives-unavailable', detail: 'udisks2 answered GetManagedObjects with an unexpected shape' }));
    const drives: RemovableDrive[] = [];
    for (const [path, interfaces] of Object.entries(objects.data)) {
      const block = interfaces[BLOCK];
      const filesystem = interfaces[FILESYSTEM];
      if (block === undefined || filesystem === undefined) continue;
      const drive = objects.data[read(block, 'Drive', z.string(), '/')]?.[DRIVE];
      if (read(block, 'IdUsage', z.string(), '') !== 'filesystem') continue;
      if (read(block, 'HintIgnore', z.boolean(), false) || read(block, 'HintSystem', z.boolean(), true)) continue;
      const removable =
        read(block, 'HintAuto', z.boolean(), false) ||
        read(drive, 'Removable', z.boolean(), false) ||
        read(drive, 'MediaRemovable', z.boolean(), false);
      if (!removable) continue;
      const mountPoints = read(filesystem, 'MountPoints', z.array(bytes), []);
      const vendorModel = `${read(drive, 'Vendor', z.string(), '')} ${read(drive, 'Model', z.string(), '')}`.trim();
      const device = read(block, 'PreferredDevice', bytes, '') || read(block, 'Device', bytes, '');
      drives.push({
        id: path as DriveId,
        label: read(block, 'IdLabel', z.string(), '') || vendorModel || device,
        device,
        sizeBytes: read(block, 'Size', uint64, 0),
        readOnly: read(block, 'ReadOnly', z.boolean(), false),
        mountPoint: mountPoints[0] ?? null,
      });
    }
    return ok(drives.sort((a, b) => a.id.localeCompare(b.id)));
  }

  async mount(id: DriveId): Promise<Result<MountedDrive, DriveError>> {
    const listed = await this.list();
    if (!listed.ok) return listed;
    const drive = listed.value.find((d) => d.id === id);
    if (drive === undefined) return err(driveError({ kind: 'drive-not-found', id }));
    if (drive.mountPoint !== null) return describeMounted(drive, drive.mountPoint);
    const reply = await this.call(
      new Message({
        destination: UDISKS,
        path: id,
        interface: FILESYSTEM,
        member: 'Mount',
        signature: 'a{sv}',
        body: [{ options: new Variant('s', MOUNT_OPTIONS), 'auth.no_user_interaction': new Variant('b', true) }],
      }),
    );
    if (!reply.ok) {
      if (/NotAuthorized/.test(reply.error)) return err(driveError({ kind: 'mount-not-authorized', id }));
      if (/AlreadyMounted/.test(reply.error)) {
        const again = await this.list();
        const mounted = again.ok ? again.value.find((d) => d.id === id) : undefined;
        if (mounted?.mountPoint != null) return describeMounted(mounted, mounted.mountPoint);
      }
      if (/UnknownObject|UnknownMethod|ServiceUnknown/.test(reply.error)) return err(driveError({ kind: 'drive-not-found', id }));
      return err(driveError({ kind: 'mount-refused', id, detail: reply.error }));
    }
    const mountPoint = z.string().safeParse(reply.value[0]);
    if (!mountPoint.success)
      return err(driveError({ kind: 'mount-refused', id, detail: 'udisks2 did not say where it mounted the drive' }));
    return describeMounted({ ...drive, mountPoint: mountPoint.data }, mountPoint.data);
  }

  async available(): Promise<Result<readonly MountedDrive[], DriveError>> {
    const listed = await this.list();
    if (!listed.ok) return listed;
    const mounted: MountedDrive[] = [];
    for (const drive of listed.value) {
      const result = await this.mount(drive.id);
      // A drive pulled out meanwhile, or one that cannot be mounted, is simply not offered.
      if (result.ok) mounted.push(result.value);
    }
    return ok(mounted);
  }

  watch(onChange: (event: DriveEvent) => void): () => void {
    this.listeners.add(onChange);
    this.matching ??= this.addMatches();
    return () => this.listeners.delete(onChange);
  }

  close(): void {
    this.listeners.clear();
    this.dbus.close();
  }

  private async addMatches(): Promise<void> {
    for (const rule of [
      `type='signal',sender='${UDISKS}',interface='${OBJECT_MANAGER}',path='${ROOT}'`,
      `type='signal',sender='${UDISKS}',interface='${PROPERTIES}',member='PropertiesChanged',path_namespace='${ROOT}'`,
    ]) {
      await this.call(
        new Message({
          destination: 'org.freedesktop.DBus',
          path: '/org/freedesktop/DBus',
          interface: 'org.freedesktop.DBus',
          member: 'AddMatch',
          signature: 's',
          body: [rule],
        }),
      );
    }
  }

  private onMessage(message: Message): void {
    if (message.type !== MessageType.SIGNAL || this.listeners.size === 0) return;
    let event: DriveEvent | null = null;
    if (message.interface === OBJECT_MANAGER && message.path === ROOT) {
      const path = z.string().safeParse(message.body[0]);
      if (path.success && path.data.startsWith(`${ROOT}/block_devices/`)) {
        if (message.member === 'InterfacesAdded') event = { kind: 'added', id: path.data as DriveId };
        if (message.member === 'InterfacesRemoved') event = { kind: 'removed', id: path.data as DriveId };
      }
    } else if (
      message.interface === PROPERTIES &&
      message.member === 'PropertiesChanged' &&
      message.path.startsWith(`${ROOT}/block_devices/`)
    ) {
      if (message.body[0] === FILESYSTEM || message.body[0] === BLOCK) event = { kind: 'changed', id: message.path as DriveId };
    }
    if (event !== null) for (const listener of this.listeners) listener(event);
  }

  private call(message: Message): Promise<Result<unknown[], string>> {
    return this.dbus.call(message);
  }
}

/** Free space, device number and mount options of a mounted drive, from the kernel. */
export async function describeMounted(drive: RemovableDrive, mountPoint: string): Promise<Result<MountedDrive, DriveError>> {
  try {
    const [space, info, options] = await Promise.all([statfs(mountPoint), stat(mountPoint), mountOptions(mountPoint)]);
    return ok({
      ...drive,
      mountPoint,
      freeBytes: space.bavail * space.bsize,
      deviceNumber: info.dev,
      secureMount: options !== null && ['noexec', 'nosuid', 'nodev'].every((o) => options.includes(o)),
    });
  } catch {
    // The mount point vanished between the listing and now: the drive was pulled out.
    return err(driveError({ kind: 'drive-not-found', id: drive.id }));
  }
}

/** The options of the file system mounted at `mountPoint` (the last mount there wins), from /proc/self/mounts. */
export async function mountOptions(mountPoint: string): Promise<readonly string[] | null> {
  const table = await readFile('/proc/self/mounts', 'utf8');
  let found: string[] | null = null;
  for (const line of table.split('\n')) {
    const fields = line.split(' ');
    const target = fields[1]?.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    if (target === mountPoint && fields[3] !== undefined) found = fields[3].split(',');
  }
  return found;
}
