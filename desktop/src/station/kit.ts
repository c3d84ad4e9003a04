/**
 * The station kit (docs/station-kit.md). Its format — schema, reading and verifying a kit
 * folder, building one — lives in `@scrutin/shared/kit` (shared/src/kit/), because the
 * central CLI (`scrutin kit build`) and the results console build kits and the station loads
 * them. This module is the station's view of it (the audio folder's format: kit_audio.ts there).
 */
export {
  KIT_AUDIO_DIR,
  KIT_FILE,
  KIT_FILE_MAX_BYTES,
  KIT_JSON_MAX_BYTES,
  RIDING_INDEX_FILE,
  SHARD_APPLICATION_ID,
  SHARD_FORMAT_VERSION,
  STATION_KIT_FORMAT,
  STATION_KIT_VERSION,
  StationKitSchema,
  buildStationKit,
  checkRidingIndex,
  checkKitAudio,
  checkShard,
  describeKitBuildError,
  kitSourcesFromCredentials,
  loadStationKit,
  readKitAudioManifest,
  readStationKit,
  type BuildStationKitOptions,
  type BuiltStationKit,
  type KitBuildError,
  type KitCredentials,
  type KitError,
  type StationKit,
  type StationKitFile,
} from '@scrutin/shared/kit';
