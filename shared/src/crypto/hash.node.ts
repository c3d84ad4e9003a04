import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
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

/** SHA-256 of some bytes, in hex. */
export function sha256Hex(bytes: Uint8Array): Sha256Hex {
  return createHash('sha256').update(bytes).digest('hex') as Sha256Hex;
}

/** SHA-256 of a file's bytes, read in 1 MiB chunks (shards can be large). */
export function sha256OfFile(path: string): Sha256Hex {
  const digest = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      digest.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return digest.digest('hex') as Sha256Hex;
}
