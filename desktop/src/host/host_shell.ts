import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, statfs } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import type { KioskBuild, MachineCheck } from '../api/kiosk_shell.ts';

/**
 * The browser host's answers to the kiosk's `KioskShell` calls (src/api/kiosk_shell.ts), served
 * at `/shell/*` by station_host.ts. The build's hash is the hash of the renderer files it serves
 * (a SHA256SUMS-like listing of every file, sorted, hashed in turn); the Electron shell's is its
 * app.asar's (src/main/shell_calls.ts). The printers are CUPS's (`lpstat -e`), as the Electron
 * shell gets them from Chromium, which asks CUPS.
 */

const run = promisify(execFile);

/** The version of the station app (desktop/package.json). */
export async function stationAppVersion(): Promise<string> {
  const manifest: unknown = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
  if (typeof version !== 'string') throw new Error('desktop/package.json has no version');
  return version;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** SHA-256 of `sha256  path` lines (as sha256sum writes them) for every file of the folder, in path order. */
export async function folderDigest(dir: string): Promise<string> {
  const listing = createHash('sha256');
  for (const file of await filesUnder(dir)) {
    const hash = createHash('sha256')
      .update(await readFile(join(dir, file)))
      .digest('hex');
    listing.update(`${hash}  ${file}\n`);
  }
  return listing.digest('hex');
}

export async function browserHostBuild(rendererDir: string): Promise<KioskBuild> {
  return {
    version: await stationAppVersion(),
    host: 'browser',
    runtime: `Node.js ${process.versions.node}`,
    sha256: await folderDigest(rendererDir),
    hashOf: 'renderer',
  };
}

/** CUPS's queues by name (`lpstat -e`); none when CUPS is not there or does not answer. */
export async function cupsPrinters(): Promise<string[]> {
  try {
    const { stdout } = await run('lpstat', ['-e'], { timeout: 5_000 });
    return stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .slice(0, 64);
  } catch {
    return [];
  }
}

export async function browserMachineCheck(dataDir: string, printers: () => Promise<string[]> = cupsPrinters): Promise<MachineCheck> {
  const [fs, names] = await Promise.all([statfs(dataDir), printers()]);
  return {
    disk: { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize },
    printers: names,
    time: new Date().toISOString(),
  };
}
