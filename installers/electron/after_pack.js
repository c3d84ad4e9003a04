// @ts-check
import { join } from 'node:path';
import { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } from '@electron/fuses';

/**
 * electron-builder's afterPack hook (installers/electron-builder.yml): flips the Electron
 * fuses of the packaged binary, then reads them back and fails the build if one is not as
 * configured. electron-builder runs it after the app is laid out and before it signs
 * anything (an Authenticode signature covers the flipped binary).
 *
 * Plain JavaScript because electron-builder imports it as it is (type-checked with JSDoc by
 * installers/tsconfig.json).
 */

/**
 * Fuses are switches compiled into the Electron binary; once flipped, no command-line
 * switch or environment variable turns them back.
 * - RunAsNode off: ELECTRON_RUN_AS_NODE cannot turn the kiosk into a plain Node.js.
 * - EnableNodeOptionsEnvironmentVariable off: NODE_OPTIONS is ignored (no --require of
 *   foreign code into main or the station backend).
 * - EnableNodeCliInspectArguments off: --inspect and friends are ignored (no debugger).
 * - EnableEmbeddedAsarIntegrityValidation on: the app.asar must match the hash embedded in
 *   the binary (enforced by Electron on Windows and macOS; Linux relies on dm-verity /
 *   the read-only root of the kiosk image, see docs/technicians.md).
 * - OnlyLoadAppFromAsar on: Electron loads the app from app.asar only (no app/ folder or
 *   default_app beside it).
 * - EnableCookieEncryption on: cookies at rest are encrypted with the OS keystore key.
 * - LoadBrowserProcessSpecificV8Snapshot off: the default snapshot.
 * - GrantFileProtocolExtraPrivileges off: file:// gets no extra rights (the kiosk is
 *   served from app://kiosk/).
 * @type {Readonly<Record<FuseV1Options, boolean>>}
 */
export const FUSE_SETTINGS = Object.freeze({
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
});

/** '0', '1' and 'r' in the binary's fuse wire (@electron/fuses' FuseState). */
const DISABLED = 0x30;
const ENABLED = 0x31;
const REMOVED = 0x72;

/**
 * The state of each fuse we set, as the binary holds it.
 * @param {string} binary
 * @returns {Promise<Map<string, number | undefined>>}
 */
async function currentStates(binary) {
  const wire = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (await getCurrentFuseWire(binary)));
  return new Map(Object.keys(FUSE_SETTINGS).map((index) => [index, typeof wire[index] === 'number' ? wire[index] : undefined]));
}

/** @param {string} index */
const fuseName = (index) => FuseV1Options[Number(index)] ?? index;

/**
 * The Electron binary electron-builder laid out (the same names it uses for its own fuses).
 * @param {{ appOutDir: string, electronPlatformName: string, packager: { appInfo: { productFilename: string } } & { executableName?: string } }} context
 * @returns {string}
 */
export function electronBinary(context) {
  switch (context.electronPlatformName) {
    case 'linux':
      if (context.packager.executableName === undefined) throw new Error('afterPack: the Linux packager has no executable name');
      return join(context.appOutDir, context.packager.executableName);
    case 'win32':
      return join(context.appOutDir, `${context.packager.appInfo.productFilename}.exe`);
    default:
      throw new Error(`afterPack: Scrutin Station is not packaged for ${context.electronPlatformName}`);
  }
}

/**
 * Flips the fuses of one Electron binary and checks the result.
 * @param {string} binary
 * @returns {Promise<void>}
 */
export async function applyFuses(binary) {
  // A fuse this Electron removed cannot protect anything: stop rather than ship without it.
  const removed = [...(await currentStates(binary))].filter(([, state]) => state === REMOVED).map(([index]) => fuseName(index));
  if (removed.length > 0) throw new Error(`afterPack: this Electron has removed the fuses ${removed.join(', ')}: review FUSE_SETTINGS`);
  await flipFuses(binary, { version: FuseVersion.V1, ...FUSE_SETTINGS });
  const wrong = [...(await currentStates(binary))]
    .filter(([index, state]) => state !== (FUSE_SETTINGS[/** @type {FuseV1Options} */ (Number(index))] ? ENABLED : DISABLED))
    .map(([index, state]) => `${fuseName(index)}: ${String(state)}`);
  if (wrong.length > 0) throw new Error(`afterPack: fuses not set in ${binary}: ${wrong.join(', ')}`);
}

/**
 * @param {import('electron-builder').AfterPackContext} context
 * @returns {Promise<void>}
 */
export default async function afterPack(context) {
  const binary = electronBinary(/** @type {Parameters<typeof electronBinary>[0]} */ (/** @type {unknown} */ (context)));
  await applyFuses(binary);
  console.log(`  • fuses set in ${binary}`);
}
