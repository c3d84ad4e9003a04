import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildStationKit, unwrap, type ElectionDefinition, type KitAudioOptions, type StationId } from '@scrutin/shared/node';
import type { Central } from '../../../server/src/central.ts';
import { generateCredentials } from '../../../server/src/credentials/generate.ts';
import { readCentralFile } from '../../../server/src/credentials/central_file.ts';
import type { CredentialsManifest } from '../../../server/src/credentials/manifest.ts';
import { loadCredentials, saveElection, setElectionState } from '../../../server/src/elections/store.ts';
import { issueEnrolmentToken } from '../../../server/src/sync/enrolment.ts';

/**
 * Puts an election on a central server the way officials do, and makes what each station
 * gets: the voters' credentials from the real generator (`scrutin credentials generate`),
 * loaded centrally from central.csv; for each chosen station a kit folder (its shard, the
 * central URL and key, the poll workers' PIN hashes, the audio ballot if asked) and a one-time enrolment token; and the
 * printed voter cards. Used by `npm start` and by the end-to-end tests.
 */
export interface VoterCard {
  readonly nas: string;
  readonly code: string;
}

export interface PreparedStation {
  readonly station: StationId;
  readonly kitDir: string;
  readonly token: string;
  readonly cards: readonly VoterCard[];
}

export interface PollWorker {
  readonly name: string;
  readonly pin: string;
}

export interface PrepareOptions {
  readonly central: Central;
  readonly election: ElectionDefinition;
  /** Where the credentials and the kits are written (must be empty or not exist). */
  readonly workDir: string;
  readonly stations: readonly StationId[];
  readonly pollWorkers: readonly PollWorker[];
  /** scrypt cost of the PIN hashes; the default is the production one. */
  readonly pinCost?: { readonly N: number; readonly r: number; readonly p: number };
  /** Render the audio ballot into the kits (espeak-ng). */
  readonly audio?: KitAudioOptions;
}

async function readCards(file: string): Promise<VoterCard[]> {
  const cards: VoterCard[] = [];
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let header = true;
  for await (const line of lines) {
    if (header) {
      header = false;
      continue;
    }
    const [nas = '', code = ''] = line.split(',');
    if (nas !== '') cards.push({ nas, code });
  }
  return cards;
}

export interface PreparedElection {
  readonly manifest: CredentialsManifest;
  readonly stations: readonly PreparedStation[];
  /** The printed cards of any station of the election (for cards taken to the wrong station). */
  cardsOf(station: StationId): Promise<readonly VoterCard[]>;
}

export async function prepareElection(options: PrepareOptions): Promise<PreparedElection> {
  const { central, election, workDir } = options;
  const { db, dedup } = central.ctx.services;
  unwrap(await saveElection(db, election));
  await setElectionState(db, election.id, 'open');
  const credentialsDir = join(workDir, 'credentials');
  const manifest = unwrap(await generateCredentials({ election, outDir: credentialsDir, workers: 1 }));
  await loadCredentials(db, dedup, election.id, readCentralFile(join(credentialsDir, manifest.central.file)));
  const stations: PreparedStation[] = [];
  for (const station of options.stations) {
    const entry = manifest.stations.find((s) => s.id === station);
    if (entry === undefined) throw new Error(`station ${station} is not in election ${election.id}`);
    const kitDir = join(workDir, 'kits', station);
    const built = await buildStationKit({
      outDir: kitDir,
      election,
      stationId: station,
      // The whole credentials folder: the kit gets the riding index too, so a card of another station of the riding is named.
      credentials: { kind: 'directory', dir: credentialsDir },
      centralUrl: central.url,
      centralPublicKey: central.ctx.centralKey.publicKey,
      pollWorkers: options.pollWorkers,
      ...(options.pinCost === undefined ? {} : { pinCost: options.pinCost }),
      ...(options.audio === undefined ? {} : { audio: options.audio }),
    });
    if (!built.ok) throw new Error(`the kit of ${station} could not be built: ${JSON.stringify(built.error)}`);
    const { token } = await issueEnrolmentToken(db, election.id, station);
    stations.push({ station, kitDir, token, cards: await readCards(join(credentialsDir, entry.cards)) });
  }
  return {
    manifest,
    stations,
    async cardsOf(station) {
      const entry = manifest.stations.find((s) => s.id === station);
      if (entry === undefined) throw new Error(`station ${station} is not in election ${election.id}`);
      return readCards(join(credentialsDir, entry.cards));
    },
  };
}
