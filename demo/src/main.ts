import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { espeakVersion } from '@scrutin/shared/kit';
import { DEMO_POLL_WORKERS, startKioskDemo, type DemoStep } from './demo.ts';

/** `npm start` (see demo.ts). */
/** One line a step, so the minute of start-up is not silent. */
function stepLine(step: DemoStep): string {
  switch (step.kind) {
    case 'building':
      return '  [1/4] Building the kiosk and the results console (first run only)…';
    case 'central':
      return '  [2/4] Starting the central server (embedded PostgreSQL, broker and validator)…';
    case 'election':
      return `  [3/4] Opening the sample election: credentials for ${step.voters.toLocaleString('en')} voters, kits for ${step.stations} stations…`;
    case 'station':
      return `  [4/4] Station ${step.station} (${step.index} of ${step.of}): kit loaded, enrolled, polls opened…`;
  }
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('a port is 0 to 65535');
  return n;
}

const program = new Command('scrutin-demo')
  .description('The complete local demo: central server (embedded mode) and two polling-station kiosks in the browser.')
  .option('--port <port>', 'central server port', port, 8080)
  .option('--kiosk-port <port>', 'first kiosk port (the second kiosk takes the next one)', port, 5180)
  .action(async (options: { port: number; kioskPort: number }) => {
    // The audio ballot when espeak-ng is installed (its clips kept between runs, by what they say).
    const audio = (await espeakVersion()).ok;
    console.log(
      `Starting the Scrutin demo (embedded central server, two stations${audio ? ', audio ballot: rendering its clips the first time' : ''})…`,
    );
    const demo = await startKioskDemo({
      centralPort: options.port,
      kioskPort: options.kioskPort,
      ...(audio ? { audio: { cacheDir: join(tmpdir(), 'scrutin-clip-cache') } } : {}),
      onProgress: (step) => {
        console.log(stepLine(step));
      },
    });
    const definition = demo.election.credentials.election;
    const ridingOf = (station: string) => {
      const riding = definition.stations.find((s) => s.id === station)?.riding;
      const named = definition.ridings.find((r) => r.code === riding);
      return named?.name.fr ?? '';
    };
    const url = demo.central.url;
    const election = 'qc-demo-2026';
    const kiosks = demo.stations
      .map((s) => {
        const cards = s.cards.map((c) => `      ${c.nas}   ${c.code}`).join('\n');
        return `  ${s.station} — ${ridingOf(s.station)}  ${s.host.url}\n    Voter cards (NAS, code):\n${cards}`;
      })
      .join('\n\n');
    console.log(`
Scrutin demo — Élection générale du Québec (démo) / Québec general election (demo)
Polls are open now. Open a kiosk in your browser and vote with one of its cards.

Polling-station kiosks:
${kiosks}

${audio ? 'Audio ballot: press ? on a welcome screen (keys: docs/kiosk.md), or start it from the staff screen.' : 'No audio ballot: install espeak-ng (apt-get install espeak-ng) to have one.'}

Poll-worker PINs (the "Staff" button on a kiosk's welcome screen):
${DEMO_POLL_WORKERS.map((w) => `  ${w.name}: ${w.pin}`).join('\n')}

Central server          ${url}
  Results console       ${url}/console/
  Official (admin)      ${demo.official.username} / ${demo.official.password}
  Live results (JSON)   ${url}/api/v1/elections/${election}/results

Simulated voters: three more stations of this election (not the kiosks'), enrolled with tokens
and voting with their printed cards, 150 ballots in all — watch the results console move:
  npx scrutin ${demo.simulateArgs.join(' ')}

Everything lives in memory and a temporary folder; press Ctrl+C to stop.`);
    const stop = () => {
      void demo.stop().finally(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

await program.parseAsync();
