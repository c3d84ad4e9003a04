import { z } from 'zod';
import { PublicKeySchema } from '../protocol/batch.ts';
import type { ElectionDefinition } from '../election/definition.ts';
import { ElectionModeSchema } from '../election/mode.ts';
import { RidingCodeSchema, Sha256HexSchema, StationIdSchema, type RidingCode, type Sha256Hex, type StationId } from '../ids.ts';
import type { ValidationIssue } from '../validation.ts';
import { KitAudioRefSchema } from './kit_audio.ts';
import type { PublicKey } from '../protocol/batch.ts';
import { ExportPublicKeySchema, type ExportPublicKey } from '../protocol/export_sealing.ts';

/**
 * The station kit's format (docs/station-kit.md): a folder made centrally for one station,
 * with `kit.json`, the station's credential shard and, optionally, the riding index (the
 * credential hashes of the other stations of its riding, so a voter at the wrong station is
 * told which one is theirs) and the audio ballot's clips (`audio/`, kit_audio.ts). Reading,
 * verifying and building kits is in the `*.node.ts` modules next to this one; the station
 * backend and the central CLI share them.
 */
export const STATION_KIT_FORMAT = 'scrutin/station-kit';
/**
 * Version 1; the riding index and the audio are optional fields. `centralExportKey` is required
 * since protocol format 2: a kit made before it is refused (kit-invalid) and must be rebuilt.
 */
export const STATION_KIT_VERSION = 1;
export const KIT_FILE = 'kit.json';
/**
 * The most bytes of kit.json a station reads (a kit's sample election's is a few tens of kB),
 * whether the technician types the kit's folder or picks it from a drive: a larger one is
 * refused (`kit-unsafe`, `too-large`) before it is read whole. Every other file of a kit on a
 * drive is bounded by KIT_FILE_MAX_BYTES.
 */
export const KIT_JSON_MAX_BYTES = 16 * 1024 * 1024;
export const KIT_FILE_MAX_BYTES = 256 * 1024 * 1024;
/** Shard format 1 of server/src/credentials/shard.ts ("SCSH"). */
export const SHARD_APPLICATION_ID = 0x53435348;
export const SHARD_FORMAT_VERSION = 1;
/** "SCRI" (SCrutin Riding Index), big-endian. */
export const RIDING_INDEX_APPLICATION_ID = 0x53435249;
export const RIDING_INDEX_FORMAT_VERSION = 1;
export const RIDING_INDEX_FILE = 'riding-index.sqlite';

/** A poll-worker PIN: 6 to 12 digits (a kit build refuses shorter ones). */
export const PIN_PATTERN = /^[0-9]{6,12}$/;
export const PIN_MIN_DIGITS = 6;
export const PIN_MAX_DIGITS = 12;

/** Hosts a kit may reach central on over plain `http` (this machine only, for tests and the demo). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * Whether a central URL may go in a kit: `https`, or plain `http` to the loopback interface
 * only (127.0.0.1, ::1, localhost). Anything else would send enrolment tokens and batches in
 * clear over the network.
 */
export function isAllowedCentralUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname.toLowerCase());
}

/** A kit's central URL: https, or http on the loopback interface only (isAllowedCentralUrl). */
export const CentralUrlSchema = z
  .url({ protocol: /^https?$/ })
  .refine(isAllowedCentralUrl, 'the central URL must be https (plain http only for 127.0.0.1, ::1 or localhost)');
/** `scrypt$N$r$p$salt$hash`, salt and hash in base64. */
export const PIN_HASH_PATTERN = /^scrypt\$[0-9]+\$[0-9]+\$[0-9]+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/;

const FileNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a file name in the kit folder');

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
    /**
     * The election's mode, stated where a technician reads it (`test` or `live`); it must be the
     * definition's (modeOf), and the station signs it into every batch header.
     */
    mode: ElectionModeSchema,
    stationId: StationIdSchema,
    riding: RidingCodeSchema,
    centralUrl: CentralUrlSchema,
    centralPublicKey: PublicKeySchema,
    /** Central's export key (X25519): the station seals its USB exports to it (protocol/export_sealing). */
    centralExportKey: ExportPublicKeySchema,
    pollWorkers: z.array(PollWorkerSchema).min(2, 'a kit names at least two poll workers').max(50),
    shard: z.object({
      file: FileNameSchema,
      sha256: Sha256HexSchema,
      voters: z.int().nonnegative(),
    }),
    /** The other stations of the riding and their voters' credential hashes (optional). */
    ridingIndex: z
      .object({
        file: FileNameSchema,
        sha256: Sha256HexSchema,
        stations: z.int().nonnegative(),
        voters: z.int().nonnegative(),
      })
      .optional(),
    /** The audio ballot's clips (optional): the audio folder and its manifest's SHA-256 (kit_audio.ts). */
    audio: KitAudioRefSchema.optional(),
  })
  .superRefine((kit, ctx) => {
    const names = new Set<string>();
    kit.pollWorkers.forEach((w, i) => {
      if (names.has(w.name))
        ctx.addIssue({ code: 'custom', path: ['pollWorkers', i, 'name'], message: `poll worker ${w.name} is named twice` });
      names.add(w.name);
    });
    if (kit.ridingIndex !== undefined && kit.ridingIndex.file === kit.shard.file) {
      ctx.addIssue({ code: 'custom', path: ['ridingIndex', 'file'], message: 'the riding index and the shard are different files' });
    }
  });
export type StationKitFile = z.infer<typeof StationKitSchema>;

/** A kit after every check. */
export interface StationKit {
  readonly election: ElectionDefinition;
  readonly stationId: StationId;
  readonly riding: RidingCode;
  readonly centralUrl: string;
  readonly centralPublicKey: PublicKey;
  /**
   * Central's export key, which the station seals its USB exports to. Null only for a kit a
   * station loaded before it knew export keys (desktop migration 5): it must load its kit again.
   */
  readonly centralExportKey: ExportPublicKey | null;
  readonly pollWorkers: readonly { readonly name: string; readonly pinHash: string }[];
  readonly shardSha256: Sha256Hex;
  readonly voters: number;
  /** SHA-256 of kit.json's bytes, recorded with the kit. */
  readonly kitSha256: Sha256Hex;
  /** SHA-256 of the riding index, or null for a kit without one. */
  readonly ridingIndexSha256: Sha256Hex | null;
}

export type KitError =
  | { readonly kind: 'kit-unreadable'; readonly path: string; readonly reason: string }
  | { readonly kind: 'kit-invalid'; readonly issues: readonly ValidationIssue[] }
  | { readonly kind: 'kit-shard-tampered'; readonly expected: Sha256Hex; readonly actual: Sha256Hex }
  | { readonly kind: 'kit-shard-mismatch'; readonly reason: string }
  /** A file of the audio folder (its manifest or a clip) is not the one the kit names. */
  | { readonly kind: 'kit-audio-tampered'; readonly file: string; readonly expected: Sha256Hex; readonly actual: Sha256Hex }
  /** The audio folder is incomplete or does not follow its format. */
  | { readonly kind: 'kit-audio-invalid'; readonly reason: string }
  | { readonly kind: 'kit-other-election'; readonly expected: string; readonly actual: string }
  | { readonly kind: 'kit-other-station'; readonly expected: string; readonly actual: string }
  /** A file of the kit larger than a kit's file can be (KIT_JSON_MAX_BYTES, KIT_FILE_MAX_BYTES): refused unread. */
  | { readonly kind: 'kit-unsafe'; readonly reason: 'too-large'; readonly file: string; readonly maxBytes: number };
