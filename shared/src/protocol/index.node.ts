/** `@scrutin/shared/protocol`: the sync protocol's shapes, and its hashes and signatures (Node). */
export * from './index.ts';
export * from './batch_crypto.node.ts';
export * from './export_sealing.node.ts';
