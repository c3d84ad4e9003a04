import type { ElectionId, RidingCode, Sha256Hex, StationId } from '@scrutin/shared/node';

/**
 * `manifest.json`, written last by `scrutin credentials generate`: its presence means the
 * run completed. Paths are relative to the output directory, with `/` separators.
 */
export const CREDENTIALS_MANIFEST_FORMAT = 'scrutin/credentials-manifest';
export const CREDENTIALS_MANIFEST_VERSION = 1;

export interface StationManifestEntry {
  readonly id: StationId;
  readonly riding: RidingCode;
  readonly voters: number;
  /** `shards/<STATION>.sqlite` */
  readonly shard: string;
  /** SHA-256 of the shard file's bytes, for the station kit to verify. */
  readonly shardSha256: Sha256Hex;
  /**
   * `cards/<STATION>.csv` — secret: NAS and codes, to print and then destroy; never sent to
   * central. null when no cards were written (the embedded demo's in-server generation).
   */
  readonly cards: string | null;
}

export interface CredentialsManifest {
  readonly format: typeof CREDENTIALS_MANIFEST_FORMAT;
  readonly version: typeof CREDENTIALS_MANIFEST_VERSION;
  readonly electionId: ElectionId;
  /** ISO 8601, UTC. */
  readonly generatedAt: string;
  readonly totals: { readonly stations: number; readonly voters: number };
  /**
   * `central.csv`, header `credential_hash,station_id`, rows sorted by credential hash (so
   * their order says nothing about the voter list), and the SHA-256 of its bytes.
   */
  readonly central: { readonly file: string; readonly sha256: Sha256Hex; readonly order: typeof CENTRAL_ORDER };
  /** In the election definition's station order. */
  readonly stations: readonly StationManifestEntry[];
}

export const MANIFEST_FILE = 'manifest.json';
export const CENTRAL_FILE = 'central.csv';
export const CENTRAL_HEADER = 'credential_hash,station_id\n';
/** The central file's row order. */
export const CENTRAL_ORDER = 'credential_hash';
/** The external sort's spill files, removed once central.csv is written. */
export const CENTRAL_SORT_DIR = 'central.sorting';
export const CARDS_HEADER = 'nas,code,station_id,riding\n';
export const SHARDS_DIR = 'shards';
export const CARDS_DIR = 'cards';

export function shardFileOf(station: StationId): string {
  return `${SHARDS_DIR}/${station}.sqlite`;
}

export function cardsFileOf(station: StationId): string {
  return `${CARDS_DIR}/${station}.csv`;
}
