import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { err, ok, type Result } from '@scrutin/shared';

/**
 * The `scrutin-station-kiosk` Debian package: what turns a Debian 12 machine with the
 * `scrutin-station` app package into a polling-station kiosk (the kiosk user, its cage
 * session on tty1, the removable-drive and polkit rules, the printer queue, no console).
 * Built here with dpkg-deb from installers/linux/kiosk/ (the files as installed, the
 * maintainer scripts), so it can be built and checked without Electron; the app package
 * itself comes from electron-builder (installers/electron-builder.yml).
 */
export const KIOSK_PACKAGE = 'scrutin-station-kiosk';
/** The app package (electron-builder's deb.packageName). */
export const APP_PACKAGE = 'scrutin-station';
export const KIOSK_DIR = join(import.meta.dirname, '..', 'linux', 'kiosk');

/** What the kiosk system needs besides the app (Debian 12 package names). */
export const KIOSK_DEPENDS: readonly string[] = [
  'cage',
  'udisks2',
  'polkitd',
  'cups',
  'cups-client',
  'libpam-systemd',
  'systemd',
  'passwd',
];

export interface KioskPackageOptions {
  /** The release version (the same as the app's). */
  readonly version: string;
  readonly maintainer: string;
  /** Every file's time, and the changelog's date (SOURCE_DATE_EPOCH): the same input builds the same .deb. */
  readonly builtAt: Date;
}

export type KioskDebError =
  { readonly kind: 'invalid-version'; readonly version: string } | { readonly kind: 'dpkg-deb-failed'; readonly detail: string };

/** Debian policy 5.6.12: [epoch:]upstream[-revision]; ours is a plain upstream version. */
const VERSION = /^[0-9][A-Za-z0-9.+~]*$/;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]))),
  );
  return nested.flat().sort();
}

function rfc2822(date: Date): string {
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][date.getUTCDay()] ?? 'Mon';
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][date.getUTCMonth()] ?? 'Jan';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${day}, ${two(date.getUTCDate())} ${month} ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

export function kioskControl(options: KioskPackageOptions, installedSizeKiB: number): string {
  const depends = [`${APP_PACKAGE} (= ${options.version})`, ...KIOSK_DEPENDS].join(', ');
  return [
    `Package: ${KIOSK_PACKAGE}`,
    `Version: ${options.version}`,
    'Architecture: all',
    `Maintainer: ${options.maintainer}`,
    `Installed-Size: ${installedSizeKiB}`,
    `Depends: ${depends}`,
    'Recommends: ipp-usb',
    'Section: misc',
    'Priority: optional',
    'Description: polling-station kiosk system for Scrutin Station',
    ' Turns a Debian machine with the Scrutin Station app into a polling-station',
    ' kiosk: a dedicated user logged in automatically on tty1 into a cage Wayland',
    ' session running the app full screen, with no switching to a text console;',
    ' USB drives mounted by udisks2 without exec, suid or device files; a CUPS',
    ' queue for the station printer (scrutin-kiosk-printer).',
    '',
  ].join('\n');
}

function changelog(options: KioskPackageOptions): string {
  return [
    `${KIOSK_PACKAGE} (${options.version}) stable; urgency=medium`,
    '',
    `  * Scrutin Station ${options.version}: see the project's release notes.`,
    '',
    ` -- ${options.maintainer}  ${rfc2822(options.builtAt)}`,
    '',
  ].join('\n');
}

/** The year of the project's first commit. */
const FIRST_YEAR = 2026;

function copyright(builtAt: Date): string {
  const year = builtAt.getUTCFullYear();
  const years = year > FIRST_YEAR ? `${FIRST_YEAR}-${year}` : String(FIRST_YEAR);
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Scrutin

Files: *
Copyright: ${years} Scrutin contributors
License: GPL-3+
 This program is free software: you can redistribute it and/or modify it under
 the terms of the GNU General Public License as published by the Free Software
 Foundation, either version 3 of the License, or (at your option) any later
 version.
 .
 On Debian systems, the complete text of the GNU General Public License
 version 3 can be found in "/usr/share/common-licenses/GPL-3".
`;
}

/**
 * Lays the package out under `root` (which must be empty or missing): the installed files,
 * their documentation, and DEBIAN/ (control, md5sums, conffiles, maintainer scripts).
 */
export async function layoutKioskPackage(root: string, options: KioskPackageOptions): Promise<Result<void, KioskDebError>> {
  if (!VERSION.test(options.version)) return err({ kind: 'invalid-version', version: options.version });
  const source = join(KIOSK_DIR, 'root');
  for (const file of await filesUnder(source)) {
    const target = join(root, relative(source, file));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(file, target);
    const executable = ((await stat(file)).mode & 0o111) !== 0;
    await chmod(target, executable ? 0o755 : 0o644);
  }
  const doc = join(root, 'usr/share/doc', KIOSK_PACKAGE);
  await mkdir(doc, { recursive: true });
  await copyFile(join(KIOSK_DIR, 'README'), join(doc, 'README'));
  await writeFile(join(doc, 'copyright'), copyright(options.builtAt));
  await writeFile(join(doc, 'changelog.gz'), gzipSync(changelog(options), { level: 9 }));
  const man = join(root, 'usr/share/man/man8');
  await mkdir(man, { recursive: true });
  await writeFile(
    join(man, 'scrutin-kiosk-printer.8.gz'),
    gzipSync(await readFile(join(KIOSK_DIR, 'man', 'scrutin-kiosk-printer.8')), { level: 9 }),
  );

  const installed = await filesUnder(root);
  const md5sums = await Promise.all(
    installed.map(
      async (file) =>
        `${createHash('md5')
          .update(await readFile(file))
          .digest('hex')}  ${relative(root, file)}`,
    ),
  );
  const sizes = await Promise.all(installed.map(async (file) => Math.ceil((await stat(file)).size / 1024)));
  const installedSize = sizes.reduce((sum, size) => sum + size, 0);

  const control = join(root, 'DEBIAN');
  await mkdir(control, { recursive: true });
  await writeFile(join(control, 'control'), kioskControl(options, installedSize));
  await writeFile(join(control, 'md5sums'), `${md5sums.join('\n')}\n`);
  await copyFile(join(KIOSK_DIR, 'debian', 'conffiles'), join(control, 'conffiles'));
  for (const script of ['postinst', 'prerm', 'postrm']) {
    await copyFile(join(KIOSK_DIR, 'debian', script), join(control, script));
    await chmod(join(control, script), 0o755);
  }
  for (const dir of [root, ...(await directoriesUnder(root))]) await chmod(dir, 0o755);
  for (const path of [...(await filesUnder(root)), ...(await directoriesUnder(root)), root])
    await utimes(path, options.builtAt, options.builtAt);
  return ok(undefined);
}

async function directoriesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .filter((entry) => entry.isDirectory())
      .map(async (entry) => [join(dir, entry.name), ...(await directoriesUnder(join(dir, entry.name)))]),
  );
  return nested.flat();
}

/** The .deb's file name, as Debian names it. */
export function kioskDebName(version: string): string {
  return `${KIOSK_PACKAGE}_${version}_all.deb`;
}

/** Builds the .deb from a laid-out tree with dpkg-deb (root:root ownership, xz). */
export async function buildDeb(root: string, debFile: string, builtAt: Date): Promise<Result<string, KioskDebError>> {
  try {
    await promisify(execFile)('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, debFile], {
      env: { ...process.env, SOURCE_DATE_EPOCH: String(Math.floor(builtAt.getTime() / 1000)) },
    });
    return ok(debFile);
  } catch (error) {
    return err({ kind: 'dpkg-deb-failed', detail: error instanceof Error ? error.message : String(error) });
  }
}
