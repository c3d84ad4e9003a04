import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { assertNever, err, ok, type Result } from '@scrutin/shared';

/**
 * How the station's signing key is kept at rest (issue 11, "station at rest"): the database
 * holds the private key sealed by a `KeyProtector`, never in clear, so a copy of the data
 * folder alone does not let anyone sign batches as this station.
 *
 * The station backend only sees this interface. Both hosts give it the same protector,
 * AES-256-GCM under a 32-byte key-encryption key (KEK), and differ in where the KEK lives:
 * - the Electron shell keeps the KEK sealed by the operating system (`safeStorage`: DPAPI,
 *   the Keychain, libsecret) in the user-data folder, opens it in main and hands it to the
 *   backend process over its private message port (src/main/station_kek.ts);
 * - the browser host reads it from a file given by `--kek <file>` or
 *   `SCRUTIN_STATION_KEK_FILE` (docs/technicians.md), on another medium than the data folder.
 *
 * `UNPROTECTED_KEYS` stores the key in clear; it is for tests and development only, and the
 * browser host says so when it runs without a KEK.
 */
export interface KeyProtector {
  /** `aes-256-gcm`, or `none` for UNPROTECTED_KEYS. */
  readonly kind: 'aes-256-gcm' | 'none';
  /** The sealed form of a PEM private key, as stored in the database. */
  seal(privateKeyPem: string): string;
  /** The PEM back, or why it cannot be opened (another KEK, a damaged value). */
  open(stored: string): Result<string, KeyProtectorError>;
}

export type KeyProtectorError =
  /** The stored key is sealed and this protector cannot open it (another KEK, or none). */
  | { readonly kind: 'station-key-locked'; readonly detail: string }
  /** The stored key is in clear (a station set up before keys were sealed, or with no KEK). */
  | { readonly kind: 'station-key-in-clear' };

export type KekFileError =
  | { readonly kind: 'kek-unreadable'; readonly path: string; readonly detail: string }
  | { readonly kind: 'kek-malformed'; readonly path: string }
  /** Readable by the group or others: only the station's own user may read a KEK. */
  | { readonly kind: 'kek-too-open'; readonly path: string; readonly mode: string };

/** The prefix of a sealed key in the database; anything else is a PEM in clear. */
export const SEALED_KEY_PREFIX = 'scrutin-sealed-key/v1';
const ALGORITHM = 'aes-256-gcm';
/** Binds a sealed value to its use: a sealed key cannot be passed off as another sealed value. */
const AAD = Buffer.from('scrutin station signing key v1', 'utf8');
export const KEK_BYTES = 32;

export function isSealedKey(stored: string): boolean {
  return stored.startsWith(`${SEALED_KEY_PREFIX}:`);
}

/** AES-256-GCM under `kek` (32 bytes), a fresh 12-byte IV per seal. */
export function aesGcmKeyProtector(kek: Buffer): KeyProtector {
  if (kek.length !== KEK_BYTES) throw new Error(`a key-encryption key is ${KEK_BYTES} bytes, not ${kek.length}`);
  const key = Buffer.from(kek);
  return {
    kind: 'aes-256-gcm',
    seal(privateKeyPem) {
      const iv = randomBytes(12);
      const cipher = createCipheriv(ALGORITHM, key, iv).setAAD(AAD);
      const sealed = Buffer.concat([cipher.update(privateKeyPem, 'utf8'), cipher.final()]);
      return [SEALED_KEY_PREFIX, ALGORITHM, iv.toString('base64'), cipher.getAuthTag().toString('base64'), sealed.toString('base64')].join(
        ':',
      );
    },
    open(stored) {
      if (!isSealedKey(stored)) return err({ kind: 'station-key-in-clear' });
      const [, algorithm, iv, tag, sealed] = stored.split(':');
      if (algorithm !== ALGORITHM || iv === undefined || tag === undefined || sealed === undefined)
        return err({ kind: 'station-key-locked', detail: 'the sealed key is not AES-256-GCM' });
      try {
        const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64')).setAAD(AAD);
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        return ok(Buffer.concat([decipher.update(Buffer.from(sealed, 'base64')), decipher.final()]).toString('utf8'));
      } catch {
        return err({ kind: 'station-key-locked', detail: 'the key-encryption key does not open the station key' });
      }
    },
  };
}

/** Keys in clear: tests and development only. */
export const UNPROTECTED_KEYS: KeyProtector = {
  kind: 'none',
  seal: (privateKeyPem) => privateKeyPem,
  open: (stored) =>
    isSealedKey(stored)
      ? err({ kind: 'station-key-locked', detail: 'the station key is sealed and no key-encryption key was given' })
      : ok(stored),
};

/**
 * Reads a KEK file: 32 random bytes, raw, or as 64 hex digits or base64 (one line). The file
 * must be readable by its owner only (mode 0600 or 0400).
 */
export function readKekFile(path: string): Result<Buffer, KekFileError> {
  let bytes: Buffer;
  try {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) return err({ kind: 'kek-too-open', path, mode: mode.toString(8).padStart(4, '0') });
    bytes = readFileSync(path);
  } catch (error) {
    return err({ kind: 'kek-unreadable', path, detail: error instanceof Error ? error.message : String(error) });
  }
  if (bytes.length === KEK_BYTES) return ok(bytes);
  const text = bytes.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return ok(Buffer.from(text, 'hex'));
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) return ok(Buffer.from(text, 'base64'));
  return err({ kind: 'kek-malformed', path });
}

export function describeKekFileError(error: KekFileError): string {
  switch (error.kind) {
    case 'kek-unreadable':
      return `the key-encryption key file ${error.path} cannot be read: ${error.detail}`;
    case 'kek-malformed':
      return `the key-encryption key file ${error.path} is not 32 bytes (raw, 64 hex digits or base64)`;
    case 'kek-too-open':
      return `the key-encryption key file ${error.path} has mode ${error.mode}: make it readable by its owner only (chmod 600)`;
    default:
      return assertNever(error, 'KEK file error');
  }
}
