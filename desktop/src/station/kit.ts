import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import {
  PublicKeySchema,
  RidingCodeSchema,
  Sha256HexSchema,
  StationIdSchema,
  err,
  findStation,
  issuesOf,
  ok,
  parseElection,
  type ElectionDefinition,
  type PublicKey,
  type Result,
  type RidingCode,
  type Sha256Hex,
  type StationId,
  type ValidationIssue,
  sha256OfFile,
} from '@scrutin/shared/node';
import { PIN_HASH_PATTERN, hashPin } from './poll_workers.ts';

/**
 * The station kit, made centrally for one station (format in docs/station-kit.md): a folder
 * with `kit.json` and the station's credential shard. Loading copies the shard into the
 * station's data folder and verifies the copy (SHA-256 against kit.json, then its meta table
 * against the kit), so what is checked is what is used.
 */
export const STATION_KIT_FORMAT = 'scrutin/station-kit';
export const STATION_KIT_VERSION = 1;
export const KIT_FILE = 'kit.json';
/** Shard format 1 of server/src/credentials/shard.ts ("SCSH"). */
export const SHARD_APPLICATION_ID = 0x53435348;
export const SHARD_FORMAT_VERSION = 1;

const PollWorkerSchema = z.object({
  name: z.string().trim().min(1).max(64),
  pinHash: z.string().regex(PIN_HASH_PATTERN, 'a PIN hash is scrypt$N$r$p$salt$hash'),
});

export const StationKitSchema = z
  .object({
    format: z.literal(STATION_KIT_FORMAT),
    version: z.literal(STATION_KIT_VERSION),
    /** The election definition (docs/domain.md), checked with parseElection. */
    election: z.unknown(),
    stationId: StationIdSchema,
    riding: RidingCodeSchema,
    centralUrl: z.url({ protocol: /^https?$/ }),
    centralPublicKey: PublicKeySchema,
    pollWorkers: z.array(PollWorkerSchema).min(2, 'a kit names at least two poll workers').max(50),
    shard: z.object({
      file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'the shard is a file name in the kit folder'),
      sha256: Sha256HexSchema,
      voters: z.int().nonnegative(),
    }),
  })
  .superRefine((kit, ctx) => {
    const names = new Set<string>();
    kit.pollWorkers.forEach((w, i) => {
      if (names.has(w.name)) ctx.addIssue({ code: 'custom', path: ['pollWorkers', i, 'name'], message: `poll worker ${w.name} is named twice` });
      names.add(w.name);
    });
  });
export type StationKitFile = z.infer<typeof StationKitSchema>;

/** A kit after every check. */
export interface StationKit {
  readonly election: ElectionDefinition;
  readonly stationId: StationId;
  readonly riding: RidingCode;
  readonly centralUrl: string;
  readonly centralPublicKey: PublicKey;
  readonly pollWorkers: readonly { readonly name: string; readonly pinHash: string }[];
  readonly shardSha256: Sha256Hex;
  readonly voters: number;
  /** SHA-256 of kit.json's bytes, recorded with the kit. */
  readonly kitSha256: Sha256Hex;
}

export type KitError =
  | { readonly kind: 'kit-unreadable'; readonly path: string; readonly reason: string }
  | { readonly kind: 'kit-invalid'; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: 'kit-shard-tampered'; readonly expected: Sha256Hex; readonly actual: Sha256Hex }
  | { readonly kind: 'kit-shard-mismatch'; readonly reason: string }
  | { readonly kind: 'kit-other-election'; readonly expected: string; readonly actual: string }
  | { readonly kind: 'kit-other-station'; readonly expected: string; readonly actual: string };


/** Reads and checks kit.json (without the shard). */
export function readStationKit(dir: string): Result<{ readonly kit: StationKitFile; readonly election: ElectionDefinition; readonly kitSha256: Sha256Hex }, KitError> {
  const path = join(dir, KIT_FILE);
  let bytes: Buffer;
  let json: unknown;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    return err({ kind: 'kit-unreadable', path, reason: error instanceof Error ? error.message : String(error) });
  }
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return err({ kind: 'kit-invalid', issues: [{ path: KIT_FILE, message: `not JSON: ${error instanceof Error ? error.message : String(error)}` }] });
  }
  const parsed = StationKitSchema.safeParse(json);
  if (!parsed.success) return err({ kind: 'kit-invalid', issues: issuesOf(parsed.error) });
  const kit = parsed.data;
  const election = parseElection(kit.election);
  if (!election.ok) return err({ kind: 'kit-invalid', issues: election.error.map((i) => ({ path: `election.${i.path}`, message: i.message })) });
  const station = findStation(election.value, kit.stationId);
  if (station === undefined) return err({ kind: 'kit-invalid', issues: [{ path: 'stationId', message: `station ${kit.stationId} is not in election ${election.value.id}` }] });
  if (station.riding !== kit.riding) {
    return err({ kind: 'kit-invalid', issues: [{ path: 'riding', message: `station ${kit.stationId} votes in ${station.riding}, not ${kit.riding}` }] });
  }
  return ok({ kit, election: election.value, kitSha256: createHash('sha256').update(bytes).digest('hex') as Sha256Hex });
}

/**
 * Loads a kit: checks kit.json (and, for a station already set up, that the kit is for the
 * same election and station), copies the shard to `shardPath` (replacing any earlier one
 * only once the new one is verified) and verifies the copy.
 */
export function loadStationKit(
  dir: string,
  shardPath: string,
  expected?: { readonly election: string; readonly station: string },
): Result<StationKit, KitError> {
  const read = readStationKit(dir);
  if (!read.ok) return read;
  const { kit, election, kitSha256 } = read.value;
  if (expected !== undefined && expected.election !== election.id) return err({ kind: 'kit-other-election', expected: expected.election, actual: election.id });
  if (expected !== undefined && expected.station !== kit.stationId) return err({ kind: 'kit-other-station', expected: expected.station, actual: kit.stationId });
  const incoming = `${shardPath}.incoming`;
  rmSync(incoming, { force: true });
  try {
    copyFileSync(join(dir, kit.shard.file), incoming);
  } catch (error) {
    return err({ kind: 'kit-unreadable', path: join(dir, kit.shard.file), reason: error instanceof Error ? error.message : String(error) });
  }
  const checked = checkShard(incoming, kit, election);
  if (!checked.ok) {
    rmSync(incoming, { force: true });
    return checked;
  }
  renameSync(incoming, shardPath);
  return ok({
    election,
    stationId: kit.stationId,
    riding: kit.riding,
    centralUrl: kit.centralUrl,
    centralPublicKey: kit.centralPublicKey,
    pollWorkers: kit.pollWorkers,
    shardSha256: kit.shard.sha256,
    voters: kit.shard.voters,
    kitSha256,
  });
}

function checkShard(path: string, kit: StationKitFile, election: ElectionDefinition): Result<void, KitError> {
  const actual = sha256OfFile(path);
  if (actual !== kit.shard.sha256) return err({ kind: 'kit-shard-tampered', expected: kit.shard.sha256, actual });
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const applicationId = Number(db.pragma('application_id', { simple: true }));
    if (applicationId !== SHARD_APPLICATION_ID) return err({ kind: 'kit-shard-mismatch', reason: 'the shard file is not a Scrutin credential shard' });
    const meta = db
      .prepare<[], { format_version: number; election_id: string; station_id: string; riding: string; voter_count: number }>(
        'SELECT format_version, election_id, station_id, riding, voter_count FROM meta WHERE id = 1',
      )
      .get();
    if (meta === undefined) return err({ kind: 'kit-shard-mismatch', reason: 'the shard has no meta row' });
    if (meta.format_version !== SHARD_FORMAT_VERSION) return err({ kind: 'kit-shard-mismatch', reason: `shard format ${meta.format_version} is not supported` });
    if (meta.election_id !== election.id) return err({ kind: 'kit-other-election', expected: election.id, actual: meta.election_id });
    if (meta.station_id !== kit.stationId) return err({ kind: 'kit-other-station', expected: kit.stationId, actual: meta.station_id });
    if (meta.riding !== kit.riding) return err({ kind: 'kit-shard-mismatch', reason: `the shard is for riding ${meta.riding}, the kit for ${kit.riding}` });
    if (meta.voter_count !== kit.shard.voters) return err({ kind: 'kit-shard-mismatch', reason: `the shard has ${meta.voter_count} voters, the kit says ${kit.shard.voters}` });
    return ok(undefined);
  } catch (error) {
    return err({ kind: 'kit-shard-mismatch', reason: `the shard cannot be read: ${error instanceof Error ? error.message : String(error)}` });
  } finally {
    db?.close();
  }
}

export interface BuildStationKitOptions {
  readonly outDir: string;
  readonly election: ElectionDefinition;
  readonly stationId: StationId;
  /** The station's shard from `scrutin credentials generate`. */
  readonly shardPath: string;
  readonly centralUrl: string;
  readonly centralPublicKey: PublicKey;
  readonly pollWorkers: readonly { readonly name: string; readonly pin: string }[];
  /** scrypt cost for the PIN hashes; tests only (kits use the default). */
  readonly pinCost?: { readonly N: number; readonly r: number; readonly p: number };
}

/** Builds a kit folder (made centrally; used by tests until `scrutin kit build` exists). */
export async function buildStationKit(options: BuildStationKitOptions): Promise<StationKitFile> {
  const station = findStation(options.election, options.stationId);
  if (station === undefined) throw new Error(`station ${options.stationId} is not in election ${options.election.id}`);
  mkdirSync(options.outDir, { recursive: true });
  const file = basename(options.shardPath).replace(/[^A-Za-z0-9._-]/g, '_');
  copyFileSync(options.shardPath, join(options.outDir, file));
  const db = new Database(options.shardPath, { readonly: true, fileMustExist: true });
  const voters = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM credentials').get()?.n ?? 0;
  db.close();
  const kit: StationKitFile = {
    format: STATION_KIT_FORMAT,
    version: STATION_KIT_VERSION,
    election: options.election,
    stationId: options.stationId,
    riding: station.riding,
    centralUrl: options.centralUrl,
    centralPublicKey: options.centralPublicKey,
    pollWorkers: await Promise.all(options.pollWorkers.map(async (w) => ({ name: w.name, pinHash: await hashPin(w.pin, options.pinCost) }))),
    shard: { file, sha256: sha256OfFile(join(options.outDir, file)), voters },
  };
  writeFileSync(join(options.outDir, KIT_FILE), `${JSON.stringify(kit, null, 2)}\n`, { flag: 'wx' });
  return kit;
}
