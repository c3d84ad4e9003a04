import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { err, ok, type Result } from '../result.ts';

/**
 * Reading a kit from a drive the station does not control: a file is opened without following
 * a symbolic link in its last component (O_NOFOLLOW) and must be a regular file, checked on the
 * open descriptor (so a drive cannot swap a file for a link between a check and the copy). A
 * link fails with ELOOP, a device or a folder with the error below; the caller reports either
 * as an unreadable kit.
 */
function openRegularFile(path: string): { readonly fd: number; readonly size: number } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    throw new Error(`${path} is not a regular file`);
  }
  return { fd, size: stat.size };
}

/** A file over the reader's bound (`maxBytes`), refused and never read whole. */
export interface FileTooLarge {
  readonly kind: 'too-large';
  /** The size the file had when opened, or more than the bound if it grew while being read. */
  readonly bytes: number;
  readonly maxBytes: number;
}

/**
 * The bytes of a regular file of at most `maxBytes`, never through a link. A larger file is
 * refused from its size on the open descriptor before anything is read, and the read itself
 * stops past the bound (a file that grows while it is read is refused too), so a drive cannot
 * make the station read a huge file whole. A missing file, a link or a file that is not a
 * regular file throws, as an unreadable file does.
 */
export function readFileNoFollow(path: string, maxBytes: number): Result<Buffer, FileTooLarge> {
  const { fd, size } = openRegularFile(path);
  try {
    if (size > maxBytes) return err({ kind: 'too-large', bytes: size, maxBytes });
    // Sized to the file and one byte more, to see it end; grown, up to one byte past the bound, if it grows.
    let buffer = Buffer.allocUnsafe(size + 1);
    let total = 0;
    for (;;) {
      if (total === buffer.length) {
        if (total > maxBytes) return err({ kind: 'too-large', bytes: total, maxBytes });
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, maxBytes + 1));
        buffer.copy(grown, 0, 0, total);
        buffer = grown;
      }
      const read = readSync(fd, buffer, total, buffer.length - total, null);
      if (read === 0) break;
      total += read;
    }
    return ok(buffer.subarray(0, total));
  } finally {
    closeSync(fd);
  }
}

/** Copies a regular file, never through a link, to `to` (created or truncated). */
export function copyFileNoFollow(from: string, to: string): void {
  const { fd: source, size } = openRegularFile(from);
  try {
    const target = openSync(to, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    try {
      // Sized to the file, up to 1 MiB: an audio kit copies hundreds of clips of a few kB each.
      const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(size, 1 << 20)));
      for (let read = readSync(source, buffer); read > 0; read = readSync(source, buffer)) {
        for (let written = 0; written < read;) written += writeSync(target, buffer, written, read - written);
      }
    } finally {
      closeSync(target);
    }
  } finally {
    closeSync(source);
  }
}
