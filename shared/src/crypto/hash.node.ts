import { createHash } from 'node:crypto';
import type { Sha256Hex } from '../ids.ts';

/**
 * Domain-separated SHA-256: SHA-256(tag ‖ 0x00 ‖ bytes). Every kind of object has its own tag
 * (`scrutin/ballot/v1`, `scrutin/envelope/v1`, ...), so a digest of one kind can never be
 * passed off as a digest of another.
 */
export function taggedSha256(tag: string, bytes: Uint8Array): Buffer {
  return createHash('sha256').update(tag, 'utf8').update(Buffer.of(0)).update(bytes).digest();
}

export function taggedSha256Hex(tag: string, bytes: Uint8Array): Sha256Hex {
  return taggedSha256(tag, bytes).toString('hex') as Sha256Hex;
}
