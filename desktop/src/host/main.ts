import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { KIT_AUDIO_DIR, openStation } from '../station/station.ts';
import { ensureRendererBuilt, RENDERER_DIR } from './renderer_build.ts';
import { startStationHost } from './station_host.ts';

/**
 * `npm run station -- --data DIR [--kit PATH] [--port P]`: one polling station in a browser.
 * The station backend runs in this process; the kiosk is at the printed URL (127.0.0.1 only).
 * With --kit, a station without a kit loads it at start (the technician screen can too).
 */
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

const program = new Command('station')
  .description('Run a Scrutin polling station in the browser (the kiosk on http://127.0.0.1).')
  .requiredOption('--data <dir>', "the station's data folder (its database; created if missing)")
  .option('--kit <path>', 'a station kit folder (or its kit.json) to load if the station has none')
  .option('--port <port>', 'port on 127.0.0.1 (0: any free port)', port, 5180)
  .option('--renderer <dir>', 'the built renderer', RENDERER_DIR)
  .option('--max-batch <n>', 'about how many ballots one batch takes (at most 1,000)', count)
  .action(async (options: { data: string; kit?: string; port: number; renderer: string; maxBatch?: number }) => {
    const sync = options.maxBatch === undefined ? {} : { maxBatch: options.maxBatch };
    const opened = openStation({ dataDir: resolve(options.data), sync });
    if (!opened.ok) {
      console.error(`The station database cannot be opened: ${opened.error.kind}`);
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
      port: options.port,
    });
    console.log(`Scrutin station kiosk: ${host.url}`);
    const stop = () => {
      void host.close().finally(() => {
        station.close();
        process.exit(0);
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

await program.parseAsync();
