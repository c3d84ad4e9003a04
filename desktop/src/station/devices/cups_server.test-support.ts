import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The station's cupsd.conf settings as the kiosk system ships and applies them
 * (installers/linux/kiosk: scrutin-kiosk-printer runs cupsctl with each line). Read as a
 * file, not imported: the desktop never imports the installers' code.
 */
export const STATION_CUPSD_SETTINGS = join(
  import.meta.dirname,
  '../../../../installers/linux/kiosk/root/usr/share/scrutin-station-kiosk/cupsd-station.conf',
);

/** The settings' directives, comments and blank lines left out. */
export function stationCupsdSettings(): string[] {
  return readFileSync(STATION_CUPSD_SETTINGS, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export interface PrivateCupsOptions {
  /** The station's settings (default), or CUPS's defaults when false. */
  readonly stationSettings?: boolean;
}

/**
 * A private CUPS scheduler for tests: the real `cupsd` of the machine, with its own
 * configuration, spool, state and a domain socket in a temp folder (the system's CUPS, if
 * any, is never touched). Its printers are real CUPS queues whose backend, `scrutin-capture`,
 * writes each job to `<printer folder>/job-<id>.out`, and behaves like a printer that ran
 * out of paper (it reports `media-empty-error` and stops the queue, as real backends do)
 * while a file named `paper-out` exists in the printer's folder.
 *
 * Its scheduler settings are the station's own, read from the one file the kiosk system
 * applies (`STATION_CUPSD_SETTINGS`: no job file or history kept, stop-printer, no time-out);
 * `{ stationSettings: false }` starts it with CUPS's defaults instead, so a test can show
 * what they would keep.
 */
export interface PrivateCups {
  /** For CUPS_SERVER / CupsConnection.server. */
  readonly server: string;
  readonly root: string;
  /** Adds an enabled, accepting queue; returns the folder its jobs are written to. */
  addPrinter(name: string): string;
  /** Runs a CUPS admin command (lpadmin, cupsdisable, cupsreject...) against this scheduler. */
  admin(command: string, args: readonly string[]): string;
  /** The jobs the printer printed so far, by job number. */
  printed(name: string): Map<number, string>;
  /** The spool's document files still present. */
  spooledDocuments(): string[];
  /** Every file the scheduler keeps (spool, cache, state, logs: not the printers' output), with its bytes. */
  schedulerFiles(): Map<string, Buffer>;
  stop(): Promise<void>;
}

const CAPTURE_BACKEND = `#!/bin/sh
# Scrutin's test backend: device URI scrutin-capture:<folder>
if [ $# -eq 0 ]; then echo 'direct scrutin-capture "Unknown" "Scrutin test capture"'; exit 0; fi
dir=\${DEVICE_URI#scrutin-capture:}
if [ -e "$dir/paper-out" ]; then
  echo "STATE: +media-empty-error" >&2
  echo "ERROR: out of paper" >&2
  exit 4
fi
echo "STATE: -media-empty-error" >&2
if [ $# -ge 6 ]; then cat "$6" > "$dir/job-$1.part"; else cat > "$dir/job-$1.part"; fi
mv "$dir/job-$1.part" "$dir/job-$1.out"
exit 0
`;

/** Throws with the reason when the machine cannot run the real thing (see .ci/run for the packages). */
export function requireCups(): void {
  for (const command of ['cupsd', 'lp', 'lpstat', 'lpoptions', 'lpadmin', 'ipptool', 'cupsenable']) {
    try {
      execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`${command} is missing: install the Debian packages cups, cups-client, cups-bsd and cups-ipp-utils (.ci/run does)`);
    }
  }
}

export async function startPrivateCups(options: PrivateCupsOptions = {}): Promise<PrivateCups> {
  requireCups();
  const root = mkdtempSync(join(tmpdir(), 'scrutin-cups-'));
  chmodSync(root, 0o755);
  const dirs = ['etc', 'spool', 'spool/tmp', 'cache', 'state', 'log', 'bin', 'bin/backend', 'printers'];
  for (const d of dirs) mkdirSync(join(root, d), { recursive: true, mode: 0o755 });
  for (const d of ['filter', 'daemon', 'cgi-bin', 'driver', 'monitor', 'notifier']) {
    if (existsSync(`/usr/lib/cups/${d}`)) symlinkSync(`/usr/lib/cups/${d}`, join(root, 'bin', d));
  }
  writeFileSync(join(root, 'bin/backend/scrutin-capture'), CAPTURE_BACKEND, { mode: 0o700 });
  const server = join(root, 'cups.sock');
  writeFileSync(
    join(root, 'etc/cupsd.conf'),
    `Listen ${server}
LogLevel info
WebInterface No
Browsing No
DefaultAuthType None
${options.stationSettings === false ? '' : stationCupsdSettings().join('\n')}
<Location />
  Order allow,deny
  Allow all
</Location>
<Location /admin>
  Order allow,deny
  Allow all
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
`,
  );
  writeFileSync(
    join(root, 'etc/cups-files.conf'),
    `ServerRoot ${root}/etc
RequestRoot ${root}/spool
TempDir ${root}/spool/tmp
CacheDir ${root}/cache
StateDir ${root}/state
ErrorLog ${root}/log/error_log
AccessLog ${root}/log/access_log
PageLog ${root}/log/page_log
ServerBin ${root}/bin
DataDir /usr/share/cups
`,
  );
  const daemon: ChildProcess = spawn('cupsd', ['-f', '-c', join(root, 'etc/cupsd.conf'), '-s', join(root, 'etc/cups-files.conf')], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => {
    daemon.once('exit', () => {
      resolve();
    });
  });
  const env = { ...process.env, CUPS_SERVER: server, LC_ALL: 'C' };
  const admin = (command: string, args: readonly string[]) => execFileSync(command, [...args], { env, encoding: 'utf8' });

  for (let i = 0; ; i++) {
    try {
      if (admin('lpstat', ['-r']).includes('scheduler is running')) break;
    } catch {
      // not listening yet
    }
    if (i > 100 || daemon.exitCode !== null) {
      const log = existsSync(join(root, 'log/error_log')) ? readFileSync(join(root, 'log/error_log'), 'utf8') : '';
      rmSync(root, { recursive: true, force: true });
      throw new Error(`the private cupsd did not start:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    server,
    root,
    admin,
    addPrinter(name) {
      const folder = join(root, 'printers', name);
      mkdirSync(folder, { recursive: true });
      admin('lpadmin', ['-p', name, '-E', '-v', `scrutin-capture:${folder}`]);
      return folder;
    },
    printed(name) {
      const folder = join(root, 'printers', name);
      const jobs = new Map<number, string>();
      for (const file of readdirSync(folder)) {
        const match = /^job-([0-9]+)\.out$/.exec(file);
        if (match?.[1] !== undefined) jobs.set(Number(match[1]), readFileSync(join(folder, file), 'utf8'));
      }
      return jobs;
    },
    spooledDocuments() {
      return readdirSync(join(root, 'spool')).filter((f) => f.startsWith('d'));
    },
    schedulerFiles() {
      const files = new Map<string, Buffer>();
      const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) walk(path);
          else if (entry.isFile()) files.set(path.slice(root.length + 1), readFileSync(path));
        }
      };
      for (const d of ['spool', 'cache', 'state', 'log', 'etc']) walk(join(root, d));
      return files;
    },
    async stop() {
      if (daemon.exitCode === null) {
        daemon.kill('SIGTERM');
        await exited;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
