export * from './index.ts';
export * from './crypto/hash.node.ts';
export * from './ballot/ballot_hash.node.ts';
export * from './batch/batch_crypto.node.ts';
export * from './credentials/credential_hash.node.ts';
export * from './rctab/ess_xlsx.node.ts';
export * from './rctab/load.node.ts';
