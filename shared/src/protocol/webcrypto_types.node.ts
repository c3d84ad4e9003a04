import type { webcrypto } from 'node:crypto';

export {};

/**
 * `@hpke/core`'s declarations name the WebCrypto key types as globals (`CryptoKey`,
 * `CryptoKeyPair`), which the DOM library declares and Node 20's types do not: here they are
 * Node's own WebCrypto types, so that export_sealing.node.ts is checked against them.
 * Interfaces, so that they merge with the DOM's where both are present.
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface CryptoKey extends webcrypto.CryptoKey {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface CryptoKeyPair extends webcrypto.CryptoKeyPair {}
}
