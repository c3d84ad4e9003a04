/** `@scrutin/shared/kit`: the station kit, its shard and riding index, built and read (Node). */
export * from './station_kit.ts';
export * from './pin_hash.node.ts';
export * from './riding_index.node.ts';
export * from './kit_read.node.ts';
export * from './kit_build.node.ts';
