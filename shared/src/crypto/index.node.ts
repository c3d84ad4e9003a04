/** `@scrutin/shared/crypto`: domain-separated hashes of ballots and credentials (Node). */
export * from './hash.node.ts';
export * from '../ballot/ballot_hash.node.ts';
export * from '../credentials/credential_hash.node.ts';
