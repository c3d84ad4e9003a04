import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElectionIdSchema, openSampleElection, StationIdSchema, unwrap, type ElectionDefinition, type StationId } from '@scrutin/shared';
import { FolderDriveSource, KIT_AUDIO_DIR, openStation, Printer, SimulatedClock, type Station } from '@scrutin/desktop';
import { startPrivateCups, type PrivateCups } from '@scrutin/desktop/testing';
import { startStationHost, type StationHost } from '@scrutin/desktop/host';
import { buildE2eRenderer, ensureRendererBuilt } from '@scrutin/desktop/host/renderer-build';
import { loadConfig, startCentral, type Central, type Config } from '@scrutin/server';
import {
  createTestServices,
  prepareElection,
  TEST_LIMITS_ENV,
  TEST_PIN_COST,
  type PollWorker,
  type PreparedElection,
  type TestServices,
} from '@scrutin/server/testing';

/**
 * The world of a kiosk test: a central server on the real services (Postgres, Redis,
 * RabbitMQ, with a validator), in its own database and namespace, that can be stopped and
 * started again on the same port and data; the sample election loaded with credentials from
 * the real generator and kits for the stations under test; and, per station, a fresh station
 * backend behind a browser host. The stations start empty: the technician sets them up
 * through the kiosk.
 */
export const PLURALITY_STATION = StationIdSchema.parse('ST-00001');
/** Another station of ST-00001's riding (Abitibi-Ouest). */
export const NEIGHBOUR_STATION = StationIdSchema.parse('ST-00002');
export const RANKED_STATION = StationIdSchema.parse('ST-00007');
export const POLL_WORKERS: readonly PollWorker[] = [
  { name: 'Amélie Tremblay', pin: '482915' },
  { name: 'Jordan Gagnon', pin: '730164' },
];
export const PIN = '482915';

/**
 * The clips espeak-ng rendered for earlier runs, by clip id (the same words in the same voice
 * are the same bytes): a kit with audio then takes seconds rather than twenty. Each cached clip
 * is checked as a WAV file when used, and the kit lists the SHA-256 of what it holds.
 */
const CLIP_CACHE = join(tmpdir(), 'scrutin-test-clip-cache');

export interface EnvironmentOptions {
  /** Kits with the audio ballot (espeak-ng). */
  readonly audio?: boolean;
  /** `test`: the sample election's test rehearsal (id `…-test`, mode test, docs/decisions/0010-test-mode.md). */
  readonly mode?: 'test' | 'live';
}

export interface KioskOptions {
  /** The renderer build: the production one (default), or the end-to-end one whose audio ballot reports what it says. */
  readonly renderer?: 'production' | 'e2e';
  /**
   * A printer: the station prints silently to its own capture queue (`kiosk-<station>`) of the
   * environment's private CUPS scheduler (the unit tests' one, with the station's settings),
   * whose jobs the test reads back (`printed`). Without it the station has no printer.
   */
  readonly printer?: boolean;
}

let e2eRenderer: Promise<string> | undefined;

export interface KioskStation {
  readonly id: StationId;
  /** The station's clock: the machine's until the technician sets it (the machine's is never touched). */
  readonly clock: SimulatedClock;
  readonly url: string;
  readonly backend: Station;
  readonly host: StationHost;
}

/** A station's CUPS queue in the private scheduler. */
const printQueue = (id: StationId) => `kiosk-${id}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export class KioskEnvironment {
  private central: Central | undefined;
  private readonly stations: KioskStation[] = [];
  private cupsd: PrivateCups | undefined;

  private constructor(
    readonly election: ElectionDefinition,
    readonly prepared: PreparedElection,
    private readonly config: Config,
    private readonly services: TestServices,
    private readonly workDir: string,
    central: Central,
  ) {
    this.central = central;
  }

  static async start(stations: readonly StationId[], options: EnvironmentOptions = {}): Promise<KioskEnvironment> {
    const services = await createTestServices();
    const config = unwrap(
      loadConfig({
        ...services.env,
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        LOG_LEVEL: 'silent',
        // Every kiosk and browser of the run connects from loopback: one address to the limits.
        ...TEST_LIMITS_ENV,
      }),
    );
    const central = await startCentral(config, { withValidator: true });
    const workDir = mkdtempSync(join(tmpdir(), 'scrutin-e2e-'));
    const sample = openSampleElection();
    const election: ElectionDefinition =
      options.mode === 'test' ? { ...sample, id: ElectionIdSchema.parse(`${sample.id}-test`), mode: 'test' } : sample;
    const prepared = await prepareElection({
      central,
      election,
      workDir,
      stations,
      pollWorkers: POLL_WORKERS,
      pinCost: TEST_PIN_COST,
      ...(options.audio === true ? { audio: { cacheDir: CLIP_CACHE } } : {}),
    });
    return new KioskEnvironment(election, prepared, config, services, workDir, central);
  }

  /** The "USB stick" (a folder of this test), listed to every kiosk as its one removable drive. */
  usbDir(): string {
    const stick = join(this.workDir, 'usb');
    mkdirSync(stick, { recursive: true });
    return stick;
  }

  get centralUrl(): string {
    return `http://127.0.0.1:${this.config.port}`;
  }

  kit(station: StationId): { readonly kitDir: string; readonly token: string } {
    const found = this.prepared.stations.find((s) => s.station === station);
    if (found === undefined) throw new Error(`no kit for ${station}`);
    return found;
  }

  /** A new, empty polling station (no kit yet) and its kiosk URL. */
  async openKiosk(id: StationId, options: KioskOptions = {}): Promise<KioskStation> {
    // Ballots are sent one by one (a batch each): the test sees them counted without waiting.
    const dataDir = join(this.workDir, 'stations', id);
    let printer: Printer | undefined;
    if (options.printer === true) {
      this.cupsd ??= await startPrivateCups();
      this.cupsd.addPrinter(printQueue(id));
      printer = new Printer({ printer: printQueue(id) }, { server: this.cupsd.server });
    }
    // The setup screen's clock setting moves this station's own time (the browser host's --simulated-clock).
    const clock = new SimulatedClock();
    const backend = unwrap(
      openStation({
        dataDir,
        sync: { backoffCapMs: 2000 },
        drives: new FolderDriveSource([this.usbDir()]),
        clock,
        now: clock.now,
        ...(printer === undefined ? {} : { printer }),
      }),
    );
    // `npm test` builds the renderer first; a lone `npx playwright test` on a fresh clone builds it here.
    // The end-to-end build is made afresh once per run, from the sources as they are.
    const rendererDir = options.renderer === 'e2e' ? await (e2eRenderer ??= buildE2eRenderer()) : await ensureRendererBuilt();
    const host = await startStationHost({ station: backend, rendererDir, audioDir: join(dataDir, KIT_AUDIO_DIR), port: 0 });
    const station = { id, clock, url: host.url, backend, host };
    this.stations.push(station);
    return station;
  }

  /** The private CUPS scheduler of the kiosks opened with a printer. */
  get cups(): PrivateCups {
    if (this.cupsd === undefined) throw new Error('no kiosk was opened with a printer');
    return this.cupsd;
  }

  /** What a station's printer printed, job after job. */
  printed(id: StationId): string[] {
    return [...this.cups.printed(printQueue(id)).entries()].sort(([a], [b]) => a - b).map(([, text]) => text);
  }

  /** Runs a CUPS admin command (cupsdisable, cupsenable...) on a station's queue. */
  printerAdmin(command: 'cupsdisable' | 'cupsenable', id: StationId): void {
    this.cups.admin(command, [printQueue(id)]);
  }

  /** The central server goes away (API, validator, connections); its data stays. */
  async stopCentral(): Promise<void> {
    await this.central?.stop();
    this.central = undefined;
  }

  /** The central server comes back on the same address with the same data. */
  async restartCentral(): Promise<void> {
    this.central ??= await startCentral(this.config, { withValidator: true });
  }

  async results(): Promise<ElectionResults> {
    const response = await fetch(`${this.centralUrl}/api/v1/elections/${this.election.id}/results`);
    if (!response.ok) throw new Error(`results: HTTP ${response.status}`);
    return (await response.json()) as ElectionResults;
  }

  async stop(): Promise<void> {
    for (const s of this.stations.splice(0)) {
      await s.host.close();
      s.backend.close();
    }
    await this.stopCentral();
    await this.cupsd?.stop();
    await this.services.drop();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** The parts of GET /api/v1/elections/:id/results the tests read. */
export interface ElectionResults {
  readonly turnout: { readonly ballots: number };
  readonly referendums: readonly {
    readonly contest: string;
    readonly national: { readonly counts: { readonly oui: number; readonly non: number; readonly blank?: number } };
  }[];
  readonly [key: string]: unknown;
}
