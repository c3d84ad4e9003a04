import { lstatSync, readdirSync, realpathSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { err, ok, type ElectionDefinition, type Result, type Sha256Hex } from '@scrutin/shared';
import { sha256OfFile } from '@scrutin/shared/crypto';
import {
  KIT_AUDIO_DIR,
  KIT_FILE,
  KIT_FILE_MAX_BYTES,
  KIT_JSON_MAX_BYTES,
  checkKitAudio,
  readStationKit,
  type KitError,
  type StationKitFile,
} from './kit.ts';

/**
 * Finding station kits on a removable drive, for the technician's setup screen: the drive's
 * own folder and the folders right under it that hold a `kit.json`. A kit is offered only
 * once it is recognised and checked on the drive itself, and a drive is never trusted:
 *
 * - nothing on it is followed out of it: a kit folder, `kit.json`, the shard, the riding index,
 *   the audio folder or anything in it that is a symbolic link (or not a plain file or folder)
 *   refuses the kit (`kit-unsafe`), whatever the link points to, and a kit folder whose real
 *   path is not on the drive too;
 * - nothing on it is read whole before its size is checked: `kit.json` at most
 *   KIT_JSON_MAX_BYTES (the shared reader's own bound, readStationKit, so a kit whose folder
 *   the technician types has the same), every other file at most KIT_FILE_MAX_BYTES, the
 *   audio folder at most KIT_AUDIO_MAX_FILES files; at most MAX_FOLDERS_CHECKED folders of a
 *   drive are looked at;
 * - what is offered is checked as loading checks it: kit.json's format, its election
 *   definition and the station in its riding (readStationKit), the SHA-256 of the shard and of
 *   the riding index against kit.json's, and the audio folder (checkKitAudio). Loading then
 *   checks the copies again, with the shard's own election, station and riding
 *   (loadStationKit): a kit whose parts belong to another election is refused there.
 *
 * Kits carry no signature of their own (docs/station-kit.md): their authenticity rests on the
 * chain of custody and on enrolment, whose central key must be the kit's.
 */
export { KIT_FILE_MAX_BYTES, KIT_JSON_MAX_BYTES };
export const KIT_AUDIO_MAX_FILES = 4096;
export const MAX_FOLDERS_CHECKED = 32;
/** The name of a kit folder on a drive: the drive's own folder ('.') or a folder right under it. */
export const KIT_FOLDER_PATTERN = /^(\.|[^/\\\0]{1,255})$/;

export type KitUnsafe =
  | { readonly kind: 'kit-unsafe'; readonly reason: 'link' | 'not-a-file' | 'outside-drive'; readonly file: string }
  | { readonly kind: 'kit-unsafe'; readonly reason: 'too-large'; readonly file: string; readonly maxBytes: number }
  | { readonly kind: 'kit-unsafe'; readonly reason: 'too-many-files'; readonly file: string; readonly maxFiles: number };

export type KitOnDriveError = KitError | KitUnsafe;

/** A kit found on a drive: where, what it is (when kit.json could be read) and whether it may be loaded. */
export interface KitOnDrive {
  readonly folder: string;
  readonly path: string;
  readonly kit: { readonly file: StationKitFile; readonly election: ElectionDefinition } | null;
  readonly problem: KitOnDriveError | null;
}

const within = (a: string, b: string) => a === b || a.startsWith(b.endsWith(sep) ? b : `${b}${sep}`);

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}

/** A plain file of at most `maxBytes`, never a link. */
function plainFile(path: string, file: string, maxBytes: number): Result<Stats, KitOnDriveError> {
  const stats = lstatOrNull(path);
  if (stats === null) return err({ kind: 'kit-unreadable', path: file, reason: 'missing' });
  if (stats.isSymbolicLink()) return err({ kind: 'kit-unsafe', reason: 'link', file });
  if (!stats.isFile()) return err({ kind: 'kit-unsafe', reason: 'not-a-file', file });
  if (stats.size > maxBytes) return err({ kind: 'kit-unsafe', reason: 'too-large', file, maxBytes });
  return ok(stats);
}

/** The audio folder: a plain folder of plain files, none of them too large, not too many. */
function plainAudioFolder(path: string): Result<void, KitOnDriveError> {
  const stats = lstatOrNull(path);
  if (stats === null) return err({ kind: 'kit-audio-invalid', reason: `the ${KIT_AUDIO_DIR} folder is missing` });
  if (stats.isSymbolicLink()) return err({ kind: 'kit-unsafe', reason: 'link', file: KIT_AUDIO_DIR });
  if (!stats.isDirectory()) return err({ kind: 'kit-unsafe', reason: 'not-a-file', file: KIT_AUDIO_DIR });
  const entries = readdirSync(path);
  if (entries.length > KIT_AUDIO_MAX_FILES)
    return err({ kind: 'kit-unsafe', reason: 'too-many-files', file: KIT_AUDIO_DIR, maxFiles: KIT_AUDIO_MAX_FILES });
  for (const name of entries) {
    const checked = plainFile(join(path, name), `${KIT_AUDIO_DIR}/${name}`, KIT_FILE_MAX_BYTES);
    if (!checked.ok) return checked;
  }
  return ok(undefined);
}

/** The SHA-256 of a plain file of the kit against kit.json's. */
function sameFile(dir: string, file: string, expected: Sha256Hex): Result<void, KitOnDriveError> {
  const checked = plainFile(join(dir, file), file, KIT_FILE_MAX_BYTES);
  if (!checked.ok) return checked;
  const actual = sha256OfFile(join(dir, file));
  return actual === expected ? ok(undefined) : err({ kind: 'kit-shard-tampered', expected, actual });
}

/**
 * Checks the kit in `folder` of the drive mounted at `mountPoint` ('.': the drive's own
 * folder). Null when the folder holds no kit.json at all (not a kit: not offered).
 */
export function checkKitOnDrive(mountPoint: string, folder: string): KitOnDrive | null {
  const refused = (path: string, problem: KitOnDriveError, kit: KitOnDrive['kit'] = null): KitOnDrive => ({ folder, path, kit, problem });
  let root: string;
  try {
    root = realpathSync(mountPoint);
  } catch {
    return null;
  }
  if (!KIT_FOLDER_PATTERN.test(folder) || folder === '..')
    return refused(mountPoint, { kind: 'kit-unsafe', reason: 'outside-drive', file: folder });
  const dir = folder === '.' ? root : join(root, folder);
  const stats = lstatOrNull(dir);
  if (stats === null) return null;
  if (stats.isSymbolicLink()) return refused(dir, { kind: 'kit-unsafe', reason: 'link', file: folder });
  if (!stats.isDirectory()) return null;
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    return null;
  }
  if (!within(real, root)) return refused(dir, { kind: 'kit-unsafe', reason: 'outside-drive', file: folder });
  if (lstatOrNull(join(dir, KIT_FILE)) === null) return null;
  const kitJson = plainFile(join(dir, KIT_FILE), KIT_FILE, KIT_JSON_MAX_BYTES);
  if (!kitJson.ok) return refused(dir, kitJson.error);
  const read = readStationKit(dir);
  if (!read.ok) return refused(dir, read.error);
  const { kit: file, election } = read.value;
  const kit = { file, election };
  const shard = sameFile(dir, file.shard.file, file.shard.sha256);
  if (!shard.ok) return refused(dir, shard.error, kit);
  if (file.ridingIndex !== undefined) {
    const index = sameFile(dir, file.ridingIndex.file, file.ridingIndex.sha256);
    if (!index.ok) return refused(dir, index.error, kit);
  }
  if (file.audio !== undefined) {
    const audioDir = join(dir, KIT_AUDIO_DIR);
    const plain = plainAudioFolder(audioDir);
    if (!plain.ok) return refused(dir, plain.error, kit);
    const audio = checkKitAudio(audioDir, file.audio);
    if (!audio.ok) return refused(dir, audio.error, kit);
  }
  return { folder, path: dir, kit, problem: null };
}

/**
 * The kits on the drive mounted at `mountPoint`: its own folder, then the folders right under
 * it (in name order, at most MAX_FOLDERS_CHECKED), each checked (checkKitOnDrive). A link
 * right under the drive is listed as refused, whatever it points to.
 */
export function kitsOnDrive(mountPoint: string): readonly KitOnDrive[] {
  const found: KitOnDrive[] = [];
  const own = checkKitOnDrive(mountPoint, '.');
  if (own !== null) found.push(own);
  let names: string[];
  try {
    names = readdirSync(mountPoint, { withFileTypes: true })
      .filter((e) => e.isDirectory() || e.isSymbolicLink())
      .map((e) => e.name)
      .sort()
      .slice(0, MAX_FOLDERS_CHECKED);
  } catch {
    return found;
  }
  for (const name of names) {
    const kit = checkKitOnDrive(mountPoint, name);
    if (kit !== null) found.push(kit);
  }
  return found;
}
