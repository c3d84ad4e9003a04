import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSampleElection, StationIdSchema, unwrap, type StationId } from '@scrutin/shared';
import { FolderDriveSource, KIT_AUDIO_DIR, openStation, type Station, type SyncOptions } from '@scrutin/desktop';
import { startStationHost, type StationHost } from '@scrutin/desktop/host';
import { ensureRendererBuilt } from '@scrutin/desktop/host/renderer-build';
import { NewOfficialSchema } from '@scrutin/shared/api';
import type { KitAudioOptions } from '@scrutin/shared/kit';
import { createOfficial, ensureConsoleBuilt, loadConfig, startCentral, type Central } from '@scrutin/server';
import { prepareElection, type PollWorker, type PreparedElection, type VoterCard } from '@scrutin/server/testing';

/**
 * `npm start`: the whole system on one machine with only Node, composed from the packages'
 * public entry points. The central server in embedded mode (PGlite, in-process broker and
 * validator) with the sample election open now, set up by the one election fixture
 * (`@scrutin/server/testing`: credentials from the real generator, kits, enrolment tokens);
 * two polling stations, each a station backend with its browser host, set up the way a
 * technician does it (kit loaded, enrolled with a one-time token) and with their polls opened
 * by a poll worker's PIN. It prints the kiosks' URLs, a few voter cards per station, the PINs
 * and the results console.
 */
export const DEMO_STATIONS: readonly StationId[] = [
  // Abitibi-Ouest: a referendum question and a single-choice race.
  StationIdSchema.parse('ST-00001'),
  // Montréal-Centre: a referendum question and a ranked race.
  StationIdSchema.parse('ST-00007'),
];

export const DEMO_POLL_WORKERS: readonly PollWorker[] = [
  { name: 'Camille Roy', pin: '246810' },
  { name: 'Alex Martin', pin: '135790' },
];

export interface DemoStation {
  readonly station: StationId;
  readonly backend: Station;
  readonly host: StationHost;
  readonly cards: readonly VoterCard[];
}

export interface KioskDemo {
  readonly central: Central;
  /**
   * `scrutin simulate`'s arguments that vote into this election: stations no kiosk uses,
   * enrolled with an official's tokens, casting with the printed cards the demo's generator
   * wrote in its temporary folder (demo only: a real election's cards never leave the printer).
   */
  readonly simulateArgs: readonly string[];
  /** The election as set up: its credentials (every station's cards) and the two kits. */
  readonly election: PreparedElection;
  readonly official: { readonly username: string; readonly password: string };
  readonly stations: readonly DemoStation[];
  stop(): Promise<void>;
}

export interface KioskDemoOptions {
  /** Central server port (0: any free port). */
  readonly centralPort: number;
  /** First kiosk port; the second station gets the next one (0: any free ports). */
  readonly kioskPort: number;
  readonly cardsPerStation?: number;
  /** Ballots go to central at once (a batch per ballot), so the results move as people vote. */
  readonly sync?: Partial<SyncOptions>;
  /** Kits with the audio ballot (espeak-ng must be installed). */
  readonly audio?: KitAudioOptions;
  /** Told each step of the start-up as it begins (it takes a while: builds, credentials, kits). */
  readonly onProgress?: (step: DemoStep) => void;
}

/** The steps of the demo's start-up, in order. */
export type DemoStep =
  | { readonly kind: 'building' }
  | { readonly kind: 'central' }
  | { readonly kind: 'election'; readonly voters: number; readonly stations: number }
  | { readonly kind: 'station'; readonly station: StationId; readonly index: number; readonly of: number };

export async function startKioskDemo(options: KioskDemoOptions): Promise<KioskDemo> {
  const progress = options.onProgress ?? (() => undefined);
  const workDir = mkdtempSync(join(tmpdir(), 'scrutin-demo-'));
  progress({ kind: 'building' });
  const rendererDir = await ensureRendererBuilt();
  await ensureConsoleBuilt();
  const config = unwrap(loadConfig({ PORT: String(options.centralPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }));
  progress({ kind: 'central' });
  const central = await startCentral(config);
  const stations: DemoStation[] = [];
  const stop = async () => {
    for (const s of stations) {
      await s.host.close();
      s.backend.close();
    }
    await central.stop();
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const election = openSampleElection();
    progress({
      kind: 'election',
      voters: election.stations.reduce((n, s) => n + s.registeredVoters, 0),
      stations: DEMO_STATIONS.length,
    });
    const prepared = await prepareElection({
      central,
      election,
      workDir,
      stations: DEMO_STATIONS,
      pollWorkers: DEMO_POLL_WORKERS,
      ...(options.audio === undefined ? {} : { audio: options.audio }),
    });
    // The console builds the kit of any other station from these credentials (Gestion des bureaux).
    await central.ctx.credentialJobs.adopt(election, prepared.credentials.dir, prepared.credentials.manifest.totals.voters);
    const official = { username: 'demo-admin', password: randomBytes(12).toString('base64url') };
    const created = await createOfficial(central.ctx.services.db, NewOfficialSchema.parse({ ...official, role: 'admin' }));
    if (!created.ok) throw new Error(`the demo official could not be created: ${created.error.kind}`);
    const [firstWorker] = DEMO_POLL_WORKERS;
    if (firstWorker === undefined) throw new Error('the demo has no poll worker');
    for (const [i, p] of prepared.stations.entries()) {
      progress({ kind: 'station', station: p.station, index: i + 1, of: prepared.stations.length });
      const dataDir = join(workDir, 'stations', p.station);
      // The demo's "USB key" for exports: one folder, listed as the only removable drive.
      const usb = join(workDir, 'usb');
      mkdirSync(usb, { recursive: true });
      const backend = unwrap(
        openStation({ dataDir, drives: new FolderDriveSource([usb]), ...(options.sync === undefined ? {} : { sync: options.sync }) }),
      );
      unwrap(await backend.loadKit({ path: p.kitDir }));
      unwrap(await backend.enrol({ token: p.token, pin: firstWorker.pin }));
      unwrap(await backend.openPolls({ pin: firstWorker.pin }));
      const host = await startStationHost({
        station: backend,
        rendererDir,
        audioDir: join(dataDir, KIT_AUDIO_DIR),
        port: options.kioskPort === 0 ? 0 : options.kioskPort + i,
      });
      stations.push({ station: p.station, backend, host, cards: p.cards.slice(0, options.cardsPerStation ?? 4) });
    }
    const simulateArgs = [
      'simulate',
      ...['--url', central.url, '--admin-password', official.password],
      ...['--election', election.id, '--cards', prepared.credentials.dir],
      ...['--stations', '3', '--ballots', '150'],
    ];
    return { central, election: prepared, official, simulateArgs, stations, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
