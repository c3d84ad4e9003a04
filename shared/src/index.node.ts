/**
 * `@scrutin/shared/node`: the whole domain for Node code, that is `.` with the hashes and
 * signatures (`./crypto`, `./protocol`) and the station kit (`./kit`). RCTab's readers are
 * not in it: they are `./rctab`.
 */
export * from './index.ts';
export * from './crypto/index.node.ts';
export * from './protocol/batch_crypto.node.ts';
export * from './protocol/export_sealing.node.ts';
export * from './kit/index.node.ts';
