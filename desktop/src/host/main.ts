import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { DriveSource } from '../station/devices/drives.ts';
import { FolderDriveSource } from '../station/devices/folder_drives.ts';
import { UdisksDriveSource } from '../station/devices/udisks_drives.ts';
import { SimulatedClock, type ClockSetter } from '../station/devices/clock.ts';
import { TimedatedClock } from '../station/devices/timedated_clock.ts';
import { Printer } from '../station/devices/printing.ts';
import { aesGcmKeyProtector, describeKekFileError, readKekFile, type KeyProtector } from '../station/key_protector.ts';
import { KIT_AUDIO_DIR, openStation } from '../station/station.ts';
import { ensureRendererBuilt, RENDERER_DIR } from './renderer_build.ts';
import { startStationHost } from './station_host.ts';

/**
 * `npm run station -- --data DIR [--kit PATH] [--port P] [--kek FILE] [--usb-folder DIR] [--printer QUEUE]`: one
 * polling station in a browser. The station backend runs in this process; the kiosk is at the
 * printed URL (127.0.0.1 only). With --kit, a station without a kit loads it at start (the
 * technician screen can too).
 *
 * The station's signing key is sealed at rest under the key-encryption key of `--kek` (or
 * `SCRUTIN_STATION_KEK_FILE`): 32 bytes, readable by its owner only, kept off the data folder
 * (docs/technicians.md). Without one the key is kept in clear, for development only, and the
 * host says so. Exports go to the USB keys udisks2 lists, or, for development, to the folders
 * given with `--usb-folder`. With `--printer`, reports print silently through CUPS on that queue
 * (checked when the polls open; `--voter-slips` adds each voter's receipt slip); without it the
 * station prints nothing and says so. The setup screen's "Set the clock" sets the system clock
 * through systemd-timedated (polkit decides), or, with `--simulated-clock`, only the station's
 * own time (an offset over the machine's clock, which is never touched: training and tests).
 */
function keyProtectorOf(kekFile: string | undefined): { ok: true; value: KeyProtector | undefined } | { ok: false; error: string } {
  if (kekFile === undefined || kekFile === '') {
    console.warn('No key-encryption key (--kek or SCRUTIN_STATION_KEK_FILE): the station key is kept in clear. Development only.');
    return { ok: true, value: undefined };
  }
  const kek = readKekFile(resolve(kekFile));
  return kek.ok ? { ok: true, value: aesGcmKeyProtector(kek.value) } : { ok: false, error: describeKekFileError(kek.error) };
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('a port is 0 to 65535');
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number, 1 or more');
  return n;
}

interface StationOptions {
  readonly data: string;
  readonly kit?: string;
  readonly port: number;
  readonly renderer: string;
  readonly maxBatch?: number;
  readonly kek?: string;
  readonly usbFolder?: string[];
  readonly printer?: string;
  readonly voterSlips?: boolean;
  readonly simulatedClock?: boolean;
}

const program = new Command('station')
  .description('Run a Scrutin polling station in the browser (the kiosk on http://127.0.0.1).')
  .requiredOption('--data <dir>', "the station's data folder (its database; created if missing)")
  .option('--kit <path>', 'a station kit folder (or its kit.json) to load if the station has none')
  .option('--port <port>', 'port on 127.0.0.1 (0: any free port)', port, 5180)
  .option('--renderer <dir>', 'the built renderer', RENDERER_DIR)
  .option('--max-batch <n>', 'about how many ballots one batch takes (at most 1,000)', count)
  .option('--kek <file>', 'the key-encryption key that seals the station key at rest (or SCRUTIN_STATION_KEK_FILE)')
  .option('--usb-folder <dir...>', 'development: folders listed as the USB keys exports may go to, instead of udisks2')
  .option('--printer <queue>', "the station's CUPS queue ('default': CUPS's default destination), checked when the polls open")
  .option('--voter-slips', 'print each voter a slip with their receipt code (needs --printer)')
  .option('--simulated-clock', "training: the setup screen's clock setting moves the station's own time only, never the machine's")
  .action(async (options: StationOptions) => {
    const sync = options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch };
    const keyProtector = keyProtectorOf(options.kek ?? process.env.SCRUTIN_STATION_KEK_FILE);
    if (!keyProtector.ok) {
      console.error(`The station cannot start: ${keyProtector.error}.`);
      process.exitCode = 1;
      return;
    }
    const drives: DriveSource =
      options.usbFolder === undefined ? new UdisksDriveSource() : new FolderDriveSource(options.usbFolder.map((f) => resolve(f)));
    const simulated = options.simulatedClock === true ? new SimulatedClock() : undefined;
    const clock: ClockSetter = simulated ?? new TimedatedClock();
    const opened = openStation({
      dataDir: resolve(options.data),
      sync,
      drives,
      clock,
      ...(simulated === undefined ? {} : { now: simulated.now }),
      ...(keyProtector.value === undefined ? {} : { keyProtector: keyProtector.value }),
      ...(options.printer === undefined
        ? {}
        : {
            printer: new Printer({ printer: options.printer === 'default' ? null : options.printer }),
            voterSlips: options.voterSlips === true,
          }),
    });
    if (!opened.ok) {
      console.error(
        opened.error.kind === 'station-key-locked'
          ? `The station key cannot be opened with this key-encryption key: ${opened.error.detail}`
          : `The station database cannot be opened: ${opened.error.kind}`,
      );
      drives.close();
      clock.close();
      process.exitCode = 1;
      return;
    }
    const station = opened.value;
    if (options.kit !== undefined) {
      const status = await station.status({});
      if (status.ok && status.value.kit === null) {
        const kitPath = resolve(options.kit).replace(/[/\\]kit\.json$/, '');
        const loaded = await station.loadKit({ path: kitPath });
        if (!loaded.ok) {
          console.error(`The kit was not loaded: ${loaded.error.message.en}`);
          station.close();
          drives.close();
          clock.close();
          process.exitCode = 1;
          return;
        }
        console.log(`Loaded the kit of station ${loaded.value.station} (${loaded.value.voters} voters).`);
      }
    }
    const host = await startStationHost({
      station,
      rendererDir: await ensureRendererBuilt(resolve(options.renderer)),
      audioDir: join(resolve(options.data), KIT_AUDIO_DIR),
      dataDir: resolve(options.data),
      port: options.port,
    });
    console.log(`Scrutin station kiosk: ${host.url}`);
    const stop = () => {
      void host.close().finally(() => {
        station.close();
        drives.close();
        clock.close();
        process.exit(0);
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

await program.parseAsync();
