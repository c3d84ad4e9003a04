import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/**
 * What build of Scrutin Station is running: its version and the SHA-256 of its app.asar
 * (the packaged application code). The release publishes the same hash for each platform
 * (`scrutin-station-VERSION-PLATFORM.asar` in SHA256SUMS, signed by the election authority),
 * so a technician can compare what a kiosk runs with what was released. The shell logs it at
 * start-up, and the technician screen shows it (shell_calls.ts, `window.scrutinShell.build()`).
 */
export interface BuildInfo {
  readonly version: string;
  readonly electron: string;
  /** Hex SHA-256 of app.asar; null when not packaged (development runs from the sources). */
  readonly asarSha256: string | null;
}

export async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * `openRead` must read app.asar as a plain file: inside Electron, pass `original-fs`'s
 * createReadStream (Electron's own fs shows an .asar as a folder).
 */
export async function buildInfo(options: {
  readonly version: string;
  readonly electron: string;
  readonly packaged: boolean;
  readonly asarPath: string;
  readonly openRead: (path: string) => Readable;
}): Promise<BuildInfo> {
  const asarSha256 = options.packaged ? await sha256Of(options.openRead(options.asarPath)) : null;
  return { version: options.version, electron: options.electron, asarSha256 };
}
