import { hash, scrypt, scryptSync } from 'node:crypto';
import type { Credential, CredentialHash, ElectionId } from '../ids.ts';
import { kdfMemoryBytes, type Kdf } from './kdf.ts';
import type { Nas } from './nas.ts';
import type { VoterCode } from './voter_code.ts';

/**
 * Credentials v2. A voter card (NAS and a 13-character code, 60 random bits) becomes:
 *
 *   credential      = scrypt(password = code, salt, N = 2^logN, r, p, 32 bytes)
 *   credentialHash  = SHA-256("scrutin/check/v2" ‖ 0x00 ‖ credential)      (the check value)
 *
 * The credential travels only inside an envelope, from the kiosk to the validator. Kits
 * (shards, riding index), Redis and Postgres hold only the check value. A stolen kit or a copy
 * of central's database therefore gives nothing central accepts (that needs the credential, a
 * SHA-256 preimage), and finding a voter's code from their check value costs a search over
 * the code's 2^60 values with one memory-hard derivation each, per voter (the salt holds the
 * election and the NAS, so no work is shared between voters or elections).
 *
 * Salt byte layout:
 *
 *   offset  bytes  content
 *   0       21     ASCII "scrutin/credential/v2"
 *   21      1      00
 *   22      4      length of the election id in bytes, unsigned 32-bit big-endian
 *   26      E      election id, UTF-8
 *   26+E    4      00 00 00 09
 *   30+E    9      NAS, canonical: nine ASCII digits
 *
 * The password is the code, canonical: 13 upper-case Crockford base32 ASCII characters, check
 * character included, no dashes. Hex everywhere is lower-case.
 */

export const CREDENTIAL_TAG = 'scrutin/credential/v2';
export const CHECK_VALUE_TAG = 'scrutin/check/v2';

const SALT_PREFIX = Buffer.concat([Buffer.from(CREDENTIAL_TAG, 'ascii'), Buffer.of(0)]);
const CHECK_PREFIX = Buffer.concat([Buffer.from(CHECK_VALUE_TAG, 'ascii'), Buffer.of(0)]);
const NAS_BYTES = 9;
const CODE_BYTES = 13;
const CREDENTIAL_BYTES = 32;

function lengthPrefixed(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const out = Buffer.alloc(4 + bytes.length);
  out.writeUInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

/** The scrypt salt of one voter (see the layout above). */
export function credentialSalt(electionId: ElectionId, nas: Nas): Buffer {
  if (nas.length !== NAS_BYTES) throw new RangeError('a canonical NAS is 9 digits');
  return Buffer.concat([SALT_PREFIX, lengthPrefixed(electionId), lengthPrefixed(nas)]);
}

function scryptOptions(kdf: Kdf) {
  return { N: 2 ** kdf.logN, r: kdf.r, p: kdf.p, maxmem: 2 * kdfMemoryBytes(kdf) + 1024 * 1024 };
}

function codeBytes(code: VoterCode): Buffer {
  if (code.length !== CODE_BYTES) throw new RangeError('a canonical voter code is 13 characters');
  return Buffer.from(code, 'ascii');
}

/** The credential of a card, synchronously (generation in worker threads, tests). */
export function deriveCredential(electionId: ElectionId, nas: Nas, code: VoterCode, kdf: Kdf): Credential {
  return scryptSync(codeBytes(code), credentialSalt(electionId, nas), CREDENTIAL_BYTES, scryptOptions(kdf)).toString('hex') as Credential;
}

/** The credential of a card, off the event loop (libuv's thread pool): what a kiosk calls at check-in. */
export function deriveCredentialAsync(electionId: ElectionId, nas: Nas, code: VoterCode, kdf: Kdf): Promise<Credential> {
  return new Promise((resolve, reject) => {
    scrypt(codeBytes(code), credentialSalt(electionId, nas), CREDENTIAL_BYTES, scryptOptions(kdf), (error, key) => {
      if (error === null) resolve(key.toString('hex') as Credential);
      else reject(error);
    });
  });
}

/** The check value of a credential: what kits and central store and look up. */
export function credentialHash(credential: Credential): CredentialHash {
  // One buffer, the prefix written once: the validator hashes every envelope's credential.
  const input = Buffer.allocUnsafe(CHECK_PREFIX.length + CREDENTIAL_BYTES);
  CHECK_PREFIX.copy(input, 0);
  if (input.write(credential, CHECK_PREFIX.length, 'hex') !== CREDENTIAL_BYTES || credential.length !== 2 * CREDENTIAL_BYTES) {
    throw new RangeError('a credential is 64 hex digits');
  }
  return hash('sha256', input, 'hex') as CredentialHash;
}

/** The check value of a raw 32-byte credential, as raw bytes. */
export function credentialHashBytes(credential: Uint8Array): Buffer {
  if (credential.length !== CREDENTIAL_BYTES) throw new RangeError(`a credential is 32 bytes, not ${credential.length}`);
  return hash('sha256', Buffer.concat([CHECK_PREFIX, credential]), 'buffer');
}

/** A card's check value in one call (derivation, then hash). */
export function cardCredentialHash(electionId: ElectionId, nas: Nas, code: VoterCode, kdf: Kdf): CredentialHash {
  return credentialHash(deriveCredential(electionId, nas, code, kdf));
}

/** The hex form of a raw 32-byte check value. */
export function credentialHashFromBytes(digest: Uint8Array): CredentialHash {
  if (digest.length !== 32) throw new RangeError(`a credential hash is 32 bytes, not ${digest.length}`);
  return Buffer.from(digest.buffer, digest.byteOffset, digest.length).toString('hex') as CredentialHash;
}

/**
 * For bulk generation: the raw 32-byte check values of one election's cards. The derivation
 * dominates (it is meant to); generation spreads voters over worker threads.
 */
export interface CredentialHasher {
  /** The 32-byte check value (a fresh Buffer each call). */
  digest(nas: Nas, code: VoterCode): Buffer;
}

export function createCredentialHasher(electionId: ElectionId, kdf: Kdf): CredentialHasher {
  const options = scryptOptions(kdf);
  return {
    digest(nas, code) {
      if (nas.length !== NAS_BYTES || code.length !== CODE_BYTES) {
        throw new RangeError('credential input is not canonical (NAS 9, code 13 characters)');
      }
      return credentialHashBytes(scryptSync(codeBytes(code), credentialSalt(electionId, nas), CREDENTIAL_BYTES, options));
    },
  };
}
