/**
 * `@scrutin/shared/kit`: the station kit, its shard, riding index and audio folder, built and read
 * (Node). The audio manifest's format (kit_audio.ts) is browser-safe and also in `.`, for the
 * kiosk renderer and the StationApi contract.
 */
export * from './station_kit.ts';
export * from './pin_hash.node.ts';
export * from './riding_index.node.ts';
export * from './kit_read.node.ts';
export * from './kit_build.node.ts';
export * from './kit_audio.ts';
export * from './kit_audio_build.node.ts';
export * from './kit_audio_read.node.ts';
