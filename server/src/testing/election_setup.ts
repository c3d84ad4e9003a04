import type { TestVoter } from './fixtures.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unwrap, type ElectionDefinition, type ElectionId, type StationId } from '@scrutin/shared';
import { buildStationKit, describeKitBuildError, type KitAudioOptions, type PinCost } from '@scrutin/shared/kit';
import type { PublicKey } from '@scrutin/shared/protocol';
import type { Central } from '../central.ts';
import { readCentralFile } from '../credentials/central_file.ts';
import { describeGenerateCredentialsError, generateCredentials } from '../credentials/generate.ts';
import { CARDS_HEADER, type CredentialsManifest, type StationManifestEntry } from '../credentials/manifest.ts';
import { loadCredentials, saveElection, setElectionState, type CredentialEntry } from '../elections/store.ts';
import { issueEnrolmentToken } from '../sync/enrolment.ts';

/**
 * The one fixture that sets up an election and its stations the way officials and
 * technicians do, used by `npm start`, the tests, the benchmarks and the end-to-end tests:
 *
 * - `generateElectionCredentials`: the voters' credentials from the real generator
 *   (`scrutin credentials generate`): shards, printed cards, central.csv, manifest;
 * - `openElection`: the election saved on a central server, opened, and its credentials
 *   loaded (from central.csv, read by `readCentralFile`, or given as entries);
 * - `buildKit`: a station kit folder (its shard and riding index, the central URL and key,
 *   the poll workers' PIN hashes, the audio ballot if asked), as `scrutin kit build` makes it;
 * - `enrolmentToken`: a one-time enrolment token, as an official issues it;
 * - `prepareElection`: all of it for a list of stations.
 */
export interface VoterCard {
  readonly nas: string;
  readonly code: string;
}

export interface PollWorker {
  readonly name: string;
  readonly pin: string;
}

/** A cheap scrypt cost for the PIN hashes of test kits; real kits use the default. */
export const TEST_PIN_COST: PinCost = { N: 1024, r: 8, p: 1 };

export interface ElectionCredentials {
  readonly election: ElectionDefinition;
  /** The generator's output folder. */
  readonly dir: string;
  readonly manifest: CredentialsManifest;
  /** The path of central.csv. */
  readonly centralFile: string;
  /** The printed cards of a station of the election (NAS and code as printed). */
  cards(station: StationId): readonly VoterCard[];
}

/** Runs the real generator into `dir` (a new temporary folder when not given). */
export async function generateElectionCredentials(
  election: ElectionDefinition,
  options: { readonly dir?: string; readonly workers?: number } = {},
): Promise<ElectionCredentials> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'scrutin-credentials-'));
  const generated = await generateCredentials({ election, outDir: dir, workers: options.workers ?? 1 });
  if (!generated.ok) throw new Error(`the credentials could not be generated: ${describeGenerateCredentialsError(generated.error)}`);
  const manifest = generated.value;
  return {
    election,
    dir,
    manifest,
    centralFile: join(dir, manifest.central.file),
    cards: (station) => {
      const file = entryOf(manifest, station).cards;
      if (file === null) throw new Error(`no cards were written for station ${station}`);
      return readCardsFile(join(dir, file));
    },
  };
}

function entryOf(manifest: CredentialsManifest, station: StationId): StationManifestEntry {
  const entry = manifest.stations.find((s) => s.id === station);
  if (entry === undefined) throw new Error(`station ${station} is not in election ${manifest.electionId}`);
  return entry;
}

/** A station's cards file (`nas,code,station_id,riding`), as printed. */
export function readCardsFile(path: string): readonly VoterCard[] {
  const [header, ...lines] = readFileSync(path, 'utf8').split('\n');
  if (`${header ?? ''}\n` !== CARDS_HEADER) throw new Error(`${path} is not a voter cards file`);
  return lines
    .filter((line) => line !== '')
    .map((line) => {
      const [nas = '', code = ''] = line.split(',');
      return { nas, code };
    });
}

/**
 * Saves `election` on `central`, opens it and loads its credentials, when given: the
 * generator's central.csv, or the entries.
 */
export async function openElection(
  central: Central,
  election: ElectionDefinition,
  credentials?: ElectionCredentials | Iterable<CredentialEntry> | readonly TestVoter[],
): Promise<void> {
  const { db, dedup } = central.ctx.services;
  unwrap(await saveElection(db, election));
  await setElectionState(db, election.id, 'open');
  if (credentials === undefined) return;
  await loadCredentials(
    db,
    dedup,
    election.id,
    'centralFile' in credentials ? readCentralFile(credentials.centralFile) : entriesOf(credentials),
  );
}

/** Test voters as the check values central loads (anything else as it is). */
function* entriesOf(credentials: Iterable<CredentialEntry | TestVoter>): Generator<CredentialEntry> {
  for (const c of credentials) yield 'credentialHash' in c ? { credential: c.credentialHash, station: c.station } : c;
}

export interface KitOptions {
  /** Where the kit folder is written (must be empty or not exist). */
  readonly outDir: string;
  readonly centralUrl: string;
  readonly centralPublicKey: PublicKey;
  readonly pollWorkers: readonly PollWorker[];
  /** scrypt cost of the PIN hashes; the default is the production one. */
  readonly pinCost?: PinCost;
  /** false: a kit without a riding index (as kits made before it existed). */
  readonly ridingIndex?: boolean;
  /** Render the audio ballot into the kit (espeak-ng); without it, a kit without audio. */
  readonly audio?: KitAudioOptions;
}

/** The kit of `station`, built from the credentials run; returns its folder. */
export async function buildKit(credentials: ElectionCredentials, station: StationId, options: KitOptions): Promise<string> {
  const built = await buildStationKit({
    outDir: options.outDir,
    election: credentials.election,
    stationId: station,
    // The whole credentials folder gives the kit its riding index too, so a card of another station of the riding is named.
    credentials:
      options.ridingIndex === false
        ? { kind: 'shards', shardPath: join(credentials.dir, entryOf(credentials.manifest, station).shard) }
        : { kind: 'directory', dir: credentials.dir },
    centralUrl: options.centralUrl,
    centralPublicKey: options.centralPublicKey,
    pollWorkers: options.pollWorkers,
    ...(options.pinCost === undefined ? {} : { pinCost: options.pinCost }),
    ...(options.audio === undefined ? {} : { audio: options.audio }),
  });
  if (!built.ok) throw new Error(`the kit of ${station} could not be built: ${describeKitBuildError(built.error)}`);
  return options.outDir;
}

/** A one-time enrolment token for `station`, as an official issues it. */
export async function enrolmentToken(central: Central, election: ElectionId, station: StationId): Promise<string> {
  return (await issueEnrolmentToken(central.ctx.services.db, election, station)).token;
}

export interface PreparedStation {
  readonly station: StationId;
  readonly kitDir: string;
  readonly token: string;
  readonly cards: readonly VoterCard[];
}

export interface PreparedElection {
  readonly credentials: ElectionCredentials;
  readonly stations: readonly PreparedStation[];
}

export interface PrepareOptions {
  readonly central: Central;
  readonly election: ElectionDefinition;
  /** Where the credentials and the kits are written (must be empty or not exist). */
  readonly workDir: string;
  readonly stations: readonly StationId[];
  readonly pollWorkers: readonly PollWorker[];
  readonly pinCost?: PinCost;
  /** Render the audio ballot into the kits (espeak-ng). */
  readonly audio?: KitAudioOptions;
}

/**
 * The election open on `central` with the credentials of the real generator, and for each
 * chosen station its kit, a one-time enrolment token and its printed voter cards.
 */
export async function prepareElection(options: PrepareOptions): Promise<PreparedElection> {
  const { central, election, workDir } = options;
  const credentials = await generateElectionCredentials(election, { dir: join(workDir, 'credentials') });
  await openElection(central, election, credentials);
  const stations: PreparedStation[] = [];
  for (const station of options.stations) {
    const kitDir = await buildKit(credentials, station, {
      outDir: join(workDir, 'kits', station),
      centralUrl: central.url,
      centralPublicKey: central.ctx.centralKey.publicKey,
      pollWorkers: options.pollWorkers,
      ...(options.pinCost === undefined ? {} : { pinCost: options.pinCost }),
      ...(options.audio === undefined ? {} : { audio: options.audio }),
    });
    stations.push({ station, kitDir, token: await enrolmentToken(central, election.id, station), cards: credentials.cards(station) });
  }
  return { credentials, stations };
}
