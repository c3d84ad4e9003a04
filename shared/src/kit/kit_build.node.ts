import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import type { PublicKey } from '../protocol/batch.ts';
import type { ExportPublicKey } from '../protocol/export_sealing.ts';
import { sha256OfFile } from '../crypto/hash.node.ts';
import type { ElectionDefinition } from '../election/definition.ts';
import { findStation } from '../election/election.ts';
import { modeOf } from '../election/mode.ts';
import { Sha256HexSchema, StationIdSchema, type StationId } from '../ids.ts';
import { err, ok, type Result } from '../result.ts';
import { issuesOf, type ValidationIssue } from '../validation.ts';
import { checkKitAudio } from './kit_audio_read.node.ts';
import { buildKitAudio, type KitAudioOptions } from './kit_audio_build.node.ts';
import type { KitAudioRef } from './kit_audio.ts';
import { checkRidingIndex, checkShard, readStationKit } from './kit_read.node.ts';
import { DEFAULT_PIN_COST, hashPin, type PinCost } from './pin_hash.node.ts';
import { buildRidingIndex, type RidingIndexSource } from './riding_index.node.ts';
import {
  KIT_FILE,
  PIN_PATTERN,
  isAllowedCentralUrl,
  RIDING_INDEX_FILE,
  STATION_KIT_FORMAT,
  STATION_KIT_VERSION,
  StationKitSchema,
  type KitError,
  type StationKitFile,
} from './station_kit.ts';

/**
 * Building a station kit, centrally (`scrutin kit build`, the results console's "download
 * kit"): copies the station's shard, builds the riding index from the shards of the other
 * stations of its riding, renders the audio ballot (if asked), hashes the poll workers' PINs,
 * writes kit.json, then loads the result back with the station's own checks, so a kit that is
 * built is a kit that loads.
 */
export type KitCredentials =
  /** The output folder of `scrutin credentials generate` (manifest.json, shards/). */
  | { readonly kind: 'directory'; readonly dir: string }
  /** Explicit shard files: the station's, and those of the other stations of its riding for the riding index. */
  | { readonly kind: 'shards'; readonly shardPath: string; readonly ridingShards?: readonly RidingIndexSource[] };

export interface BuildStationKitOptions {
  /** The kit folder to write: must not exist or be empty. */
  readonly outDir: string;
  readonly election: ElectionDefinition;
  readonly stationId: StationId;
  readonly credentials: KitCredentials;
  /** The central server's base URL (without /api/v1). */
  readonly centralUrl: string;
  /** The central receipt key's public half (base64). */
  readonly centralPublicKey: PublicKey;
  /** The central export key's public half (base64), which the station seals its USB exports to. */
  readonly centralExportKey: ExportPublicKey;
  /** At least two poll workers with their PINs (6 to 12 digits); only scrypt hashes are written. */
  readonly pollWorkers: readonly { readonly name: string; readonly pin: string }[];
  /** Include the riding index (default true when the credentials give the other stations' shards). */
  readonly ridingIndex?: boolean;
  /** scrypt cost of the PIN hashes; tests only (kits use the default). */
  readonly pinCost?: PinCost;
  /** Render the audio ballot's clips with espeak-ng into `audio/` (kit_audio_build.node.ts); without it, the kit has no audio. */
  readonly audio?: KitAudioOptions;
}

export interface BuiltStationKit {
  readonly dir: string;
  readonly kit: StationKitFile;
}

export type KitBuildError =
  | { readonly kind: 'unknown-station'; readonly station: string; readonly election: string }
  | { readonly kind: 'credentials-unreadable'; readonly path: string; readonly reason: string }
  | { readonly kind: 'credentials-mismatch'; readonly reason: string }
  | { readonly kind: 'out-dir-not-empty'; readonly path: string }
  | { readonly kind: 'invalid-options'; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: 'built-kit-refused'; readonly error: KitError }
  | { readonly kind: 'audio-failed'; readonly reason: string };

const ManifestSchema = z.object({
  format: z.literal('scrutin/credentials-manifest'),
  version: z.literal(1),
  electionId: z.string(),
  stations: z.array(
    z.object({ id: StationIdSchema, riding: z.string(), voters: z.int().nonnegative(), shard: z.string(), shardSha256: Sha256HexSchema }),
  ),
});

interface Sources {
  readonly shardPath: string;
  readonly ridingShards: readonly RidingIndexSource[] | undefined;
}

/** Where the station's shard and its riding's other shards are, from a credentials folder's manifest. */
export function kitSourcesFromCredentials(dir: string, election: ElectionDefinition, stationId: StationId): Result<Sources, KitBuildError> {
  const path = join(dir, 'manifest.json');
  let manifest: z.infer<typeof ManifestSchema>;
  try {
    const parsed = ManifestSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success)
      return err({
        kind: 'credentials-unreadable',
        path,
        reason: issuesOf(parsed.error)
          .map((i) => `${i.path}: ${i.message}`)
          .join('; '),
      });
    manifest = parsed.data;
  } catch (error) {
    return err({ kind: 'credentials-unreadable', path, reason: error instanceof Error ? error.message : String(error) });
  }
  if (manifest.electionId !== election.id)
    return err({ kind: 'credentials-mismatch', reason: `the credentials are for election ${manifest.electionId}, not ${election.id}` });
  const station = findStation(election, stationId);
  const entry = manifest.stations.find((s) => s.id === stationId);
  if (station === undefined || entry === undefined) return err({ kind: 'unknown-station', station: stationId, election: election.id });
  const shardPath = join(dir, entry.shard);
  const actual = safeSha256(shardPath);
  if (actual !== entry.shardSha256)
    return err({ kind: 'credentials-mismatch', reason: `the shard of ${stationId} does not have the SHA-256 of the credentials manifest` });
  const ridingShards = manifest.stations
    .filter((s) => s.id !== stationId && election.stations.some((d) => d.id === s.id && d.riding === station.riding))
    .map((s) => ({ stationId: s.id, shardPath: join(dir, s.shard) }));
  return ok({ shardPath, ridingShards });
}

function safeSha256(path: string): string | undefined {
  try {
    return sha256OfFile(path);
  } catch {
    return undefined;
  }
}

function voterCount(shardPath: string): Result<number, KitBuildError> {
  try {
    const db = new Database(shardPath, { readonly: true, fileMustExist: true });
    try {
      return ok(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM credentials').get()?.n ?? 0);
    } finally {
      db.close();
    }
  } catch (error) {
    return err({ kind: 'credentials-unreadable', path: shardPath, reason: error instanceof Error ? error.message : String(error) });
  }
}

/** Builds a station kit folder; see BuildStationKitOptions. */
export async function buildStationKit(options: BuildStationKitOptions): Promise<Result<BuiltStationKit, KitBuildError>> {
  const { election, stationId, outDir } = options;
  const station = findStation(election, stationId);
  if (station === undefined) return err({ kind: 'unknown-station', station: stationId, election: election.id });
  const badPins = options.pollWorkers.flatMap((w, i) =>
    PIN_PATTERN.test(w.pin) ? [] : [{ path: `pollWorkers.${i}.pin`, message: `the PIN of ${w.name} is not 6 to 12 digits` }],
  );
  const badUrl = isAllowedCentralUrl(options.centralUrl)
    ? []
    : [{ path: 'centralUrl', message: 'the central URL must be https (plain http only for 127.0.0.1, ::1 or localhost)' }];
  if (badPins.length > 0 || badUrl.length > 0) return err({ kind: 'invalid-options', issues: [...badUrl, ...badPins] });
  let sources: Sources;
  if (options.credentials.kind === 'directory') {
    const found = kitSourcesFromCredentials(options.credentials.dir, election, stationId);
    if (!found.ok) return found;
    sources = found.value;
  } else {
    sources = { shardPath: options.credentials.shardPath, ridingShards: options.credentials.ridingShards };
  }
  const voters = voterCount(sources.shardPath);
  if (!voters.ok) return voters;

  try {
    mkdirSync(outDir, { recursive: true });
    if (readdirSync(outDir).length > 0) return err({ kind: 'out-dir-not-empty', path: outDir });
  } catch (error) {
    return err({ kind: 'credentials-unreadable', path: outDir, reason: error instanceof Error ? error.message : String(error) });
  }
  const shardFile = `${stationId}.sqlite`;
  copyFileSync(sources.shardPath, join(outDir, shardFile));

  let ridingIndex: StationKitFile['ridingIndex'];
  if (options.ridingIndex !== false && sources.ridingShards !== undefined) {
    const built = buildRidingIndex(join(outDir, RIDING_INDEX_FILE), election, station.riding, sources.ridingShards);
    if (!built.ok) {
      rmSync(outDir, { recursive: true, force: true });
      return err({ kind: 'credentials-unreadable', path: built.error.station, reason: built.error.reason });
    }
    ridingIndex = {
      file: RIDING_INDEX_FILE,
      sha256: sha256OfFile(join(outDir, RIDING_INDEX_FILE)),
      stations: built.value.stations,
      voters: built.value.voters,
    };
  }

  const base = {
    format: STATION_KIT_FORMAT,
    version: STATION_KIT_VERSION,
    election,
    mode: modeOf(election),
    stationId,
    riding: station.riding,
    centralUrl: options.centralUrl,
    centralPublicKey: options.centralPublicKey,
    centralExportKey: options.centralExportKey,
    pollWorkers: await Promise.all(
      options.pollWorkers.map(async (w) => ({ name: w.name, pinHash: await hashPin(w.pin, options.pinCost ?? DEFAULT_PIN_COST) })),
    ),
    shard: { file: shardFile, sha256: sha256OfFile(join(outDir, shardFile)), voters: voters.value },
    ...(ridingIndex === undefined ? {} : { ridingIndex }),
  };
  const parsed = StationKitSchema.safeParse(base);
  if (!parsed.success) {
    rmSync(outDir, { recursive: true, force: true });
    return err({ kind: 'invalid-options', issues: issuesOf(parsed.error) });
  }

  // The audio last: it takes the longest, and a kit refused for its options renders nothing.
  let audio: KitAudioRef | undefined;
  if (options.audio !== undefined) {
    const built = await buildKitAudio(outDir, election, stationId, options.audio);
    if (!built.ok) {
      rmSync(outDir, { recursive: true, force: true });
      const e = built.error;
      return err({
        kind: 'audio-failed',
        reason:
          e.kind === 'audio-engine-missing'
            ? `${e.program} cannot be run (${e.reason}): install espeak-ng`
            : `espeak-ng could not say “${e.text}” (${e.language}): ${e.reason}`,
      });
    }
    audio = built.value;
  }
  const candidate = { ...base, ...(audio === undefined ? {} : { audio }) };
  writeFileSync(join(outDir, KIT_FILE), `${JSON.stringify(candidate, null, 2)}\n`, { flag: 'wx' });

  // Load it back as a station would: a kit that is built is a kit that loads.
  const read = readStationKit(outDir);
  const checked = read.ok ? checkShard(join(outDir, shardFile), read.value.kit, read.value.election) : read;
  const indexChecked =
    read.ok && checked.ok ? checkRidingIndex(join(outDir, RIDING_INDEX_FILE), read.value.kit, read.value.election) : checked;
  const audioRef = read.ok ? read.value.kit.audio : undefined;
  const audioChecked = indexChecked.ok && audioRef !== undefined ? checkKitAudio(join(outDir, audioRef.dir), audioRef) : indexChecked;
  if (!audioChecked.ok) {
    rmSync(outDir, { recursive: true, force: true });
    return err({ kind: 'built-kit-refused', error: audioChecked.error });
  }
  return ok({ dir: outDir, kit: { ...parsed.data, ...(audio === undefined ? {} : { audio }) } });
}

/** A message for a person, for the CLI and the console. */
export function describeKitBuildError(error: KitBuildError): string {
  switch (error.kind) {
    case 'unknown-station':
      return `station ${error.station} is not in election ${error.election}`;
    case 'credentials-unreadable':
      return `cannot read ${error.path}: ${error.reason}`;
    case 'credentials-mismatch':
      return error.reason;
    case 'out-dir-not-empty':
      return `${error.path} is not empty: a kit is written to a new folder`;
    case 'invalid-options':
      return error.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    case 'built-kit-refused':
      return `the built kit does not load: ${JSON.stringify(error.error)}`;
    case 'audio-failed':
      return `the audio ballot could not be rendered: ${error.reason}`;
    default: {
      const never: never = error;
      throw new Error(`unexpected kit build error ${JSON.stringify(never)}`);
    }
  }
}
