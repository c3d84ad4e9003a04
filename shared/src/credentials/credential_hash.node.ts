import { hash } from 'node:crypto';
import type { CredentialHash, ElectionId } from '../ids.ts';
import type { Nas } from './nas.ts';
import type { VoterCode } from './voter_code.ts';

/**
 * credentialHash: what kiosks, shards, Redis and Postgres know of a voter card. The NAS and
 * the code themselves are never stored.
 *
 * Byte layout of the SHA-256 input (version 1):
 *
 *   offset  bytes  content
 *   0       21     ASCII "scrutin/credential/v1" (the domain tag, no length, no terminator)
 *   21      4      length of the election id in bytes, unsigned 32-bit big-endian
 *   25      E      election id, UTF-8 (ids are lower-case ASCII, so E = its length)
 *   25+E    4      00 00 00 09
 *   29+E    9      NAS, canonical: nine ASCII digits, no separators
 *   38+E    4      00 00 00 0D
 *   42+E    13     voter code, canonical: 13 upper-case Crockford base32 ASCII characters,
 *                  check character included, no dashes
 *   total   55 + E bytes
 *
 * The result is the lower-case hex digest (64 characters). The tag separates this hash
 * from any other SHA-256 in the system, the length prefixes make the encoding injective,
 * and the election id in the input makes a credential of one election useless in another.
 */

export const CREDENTIAL_HASH_TAG = 'scrutin/credential/v1';

const TAG = Buffer.from(CREDENTIAL_HASH_TAG, 'ascii');
const NAS_BYTES = 9;
const CODE_BYTES = 13;

/** The exact bytes hashed for a credential (see the layout above). */
export function credentialHashInput(electionId: ElectionId, nas: Nas, code: VoterCode): Buffer {
  return Buffer.concat([TAG, lengthPrefixed(electionId), lengthPrefixed(nas), lengthPrefixed(code)]);
}

function lengthPrefixed(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const out = Buffer.alloc(4 + bytes.length);
  out.writeUInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

export function credentialHash(electionId: ElectionId, nas: Nas, code: VoterCode): CredentialHash {
  return hash('sha256', credentialHashInput(electionId, nas, code), 'hex') as CredentialHash;
}

/** The hex form of a raw 32-byte credential hash. */
export function credentialHashFromBytes(digest: Uint8Array): CredentialHash {
  if (digest.length !== 32) throw new RangeError(`a credential hash is 32 bytes, not ${digest.length}`);
  return Buffer.from(digest.buffer, digest.byteOffset, digest.length).toString('hex') as CredentialHash;
}

/**
 * For bulk generation: the raw 32-byte digest of one election's credentials, reusing one
 * input buffer whose election part is written once. Same bytes as credentialHash.
 */
export interface CredentialHasher {
  /** The 32-byte digest (a fresh Buffer each call). */
  digest(nas: Nas, code: VoterCode): Buffer;
}

export function createCredentialHasher(electionId: ElectionId): CredentialHasher {
  const election = lengthPrefixed(electionId);
  const input = Buffer.alloc(TAG.length + election.length + 4 + NAS_BYTES + 4 + CODE_BYTES);
  TAG.copy(input, 0);
  election.copy(input, TAG.length);
  const nasAt = TAG.length + election.length + 4;
  const codeAt = nasAt + NAS_BYTES + 4;
  input.writeUInt32BE(NAS_BYTES, nasAt - 4);
  input.writeUInt32BE(CODE_BYTES, codeAt - 4);
  return {
    digest(nas, code) {
      if (nas.length !== NAS_BYTES || code.length !== CODE_BYTES) {
        throw new RangeError('credential hash input is not canonical (NAS 9, code 13 characters)');
      }
      // Canonical NAS and codes are ASCII: one byte per character, copied directly
      // (cheaper than Buffer#write for 22 bytes, which matters for 8 million credentials).
      for (let i = 0; i < NAS_BYTES; i += 1) input[nasAt + i] = nas.charCodeAt(i);
      for (let i = 0; i < CODE_BYTES; i += 1) input[codeAt + i] = code.charCodeAt(i);
      return hash('sha256', input, 'buffer');
    },
  };
}
