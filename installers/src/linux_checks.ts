import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type Ran } from './run.ts';

/**
 * The checks the Linux kiosk files go through (installers/src/*.test.ts): systemd's own
 * verifier on the units, shellcheck on the scripts.
 */

/** The host's unit directory: the units ours order themselves against (sysinit.target, dbus.socket, getty@.service…). */
const HOST_UNITS = '/usr/lib/systemd/system';

/**
 * `systemd-analyze verify` of `units` as installed from `tree` (a package's file tree), in a
 * scratch root that also holds the host's units. systemd reports unknown keys and bad values
 * as warnings with status 0: a clean unit prints nothing.
 */
export async function verifyUnits(tree: string, units: readonly string[]): Promise<Ran> {
  const root = await mkdtemp(join(tmpdir(), 'scrutin-systemd-verify-'));
  try {
    await mkdir(join(root, 'usr/lib/systemd'), { recursive: true });
    await cp(HOST_UNITS, join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    await cp(tree, root, { recursive: true });
    return await run('systemd-analyze', ['verify', `--root=${root}`, ...units]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** shellcheck down to its style notes, each script checked for the shell its #! names. */
export function shellcheck(files: readonly string[]): Promise<Ran> {
  return run('shellcheck', ['--severity=style', '--format=gcc', ...files]);
}
