import { z } from 'zod';
import { err, ok, type Result } from '@scrutin/shared';

/**
 * The station key's key-encryption key (KEK) in the Electron shell (issue 11, "station at
 * rest"): 32 random bytes, made on first start and kept on disk only sealed by the operating
 * system through Electron's `safeStorage` (DPAPI on Windows, the Keychain on macOS, the
 * Secret Service / KWallet on Linux). Main opens it and hands it to the station backend's
 * utility process as the first message on its private port (`KekMessageSchema`); the backend
 * seals the station's signing key with it (src/station/key_protector.ts). A copy of the data
 * folder, or of the sealed KEK file, gives nothing without the user's OS keyring.
 *
 * Electron is injected (`SafeStorage`, `KekFiles`), so the rules are tested without it
 * (station_kek.test.ts); main.ts passes the real `safeStorage` and fs.
 */
export const KEK_FILE = 'station-kek.sealed';
const KEK_BYTES = 32;

/** The part of Electron's `safeStorage` this uses. */
export interface SafeStorage {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: `basic_text` means no keyring, a hard-coded key: not a protection. */
  getSelectedStorageBackend?(): string;
}

export interface KekFiles {
  /** The file's bytes, or undefined when it does not exist. */
  read(path: string): Buffer | undefined;
  /** Creates the file, owner-only (0600), and fails if it exists. */
  createExclusive(path: string, bytes: Buffer): void;
}

export type StationKekError =
  { readonly kind: 'os-encryption-unavailable'; readonly detail: string } | { readonly kind: 'kek-unsealable'; readonly detail: string };

/** The first message main sends the backend: the KEK, base64. */
export const KekMessageSchema = z.strictObject({ kind: z.literal('station-kek'), kek: z.base64() });
export type KekMessage = z.infer<typeof KekMessageSchema>;

/** Opens the sealed KEK at `path`, or makes and seals one on first start. */
export function loadOrCreateStationKek(
  path: string,
  safeStorage: SafeStorage,
  files: KekFiles,
  random: (bytes: number) => Buffer,
): Result<Buffer, StationKekError> {
  if (!safeStorage.isEncryptionAvailable())
    return err({ kind: 'os-encryption-unavailable', detail: 'safeStorage has no operating-system key store' });
  const backend = safeStorage.getSelectedStorageBackend?.();
  if (backend === 'basic_text')
    return err({ kind: 'os-encryption-unavailable', detail: 'no Secret Service or KWallet: safeStorage would use a fixed key' });
  const sealed = files.read(path);
  if (sealed === undefined) {
    const kek = random(KEK_BYTES);
    try {
      files.createExclusive(path, safeStorage.encryptString(kek.toString('base64')));
    } catch (error) {
      return err({ kind: 'kek-unsealable', detail: error instanceof Error ? error.message : String(error) });
    }
    return ok(kek);
  }
  let text: string;
  try {
    text = safeStorage.decryptString(sealed);
  } catch (error) {
    return err({ kind: 'kek-unsealable', detail: error instanceof Error ? error.message : String(error) });
  }
  const kek = Buffer.from(text, 'base64');
  if (kek.length !== KEK_BYTES || kek.toString('base64') !== text)
    return err({ kind: 'kek-unsealable', detail: `the sealed key-encryption key is not ${KEK_BYTES} bytes` });
  return ok(kek);
}

export function describeStationKekError(error: StationKekError): string {
  return error.kind === 'os-encryption-unavailable'
    ? `the station key cannot be protected: ${error.detail}`
    : `the station's key-encryption key cannot be opened: ${error.detail}`;
}
