import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

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

/** The bytes of a regular file, never through a link. */
export function readFileNoFollow(path: string): Buffer {
  const { fd } = openRegularFile(path);
  try {
    return readFileSync(fd);
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
