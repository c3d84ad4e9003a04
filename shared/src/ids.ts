import { z } from 'zod';

/**
 * Branded identifiers: a station id can never be passed where a contest id is expected.
 * Each schema parses a boundary value into its branded type; `as` casts outside tests and
 * fixtures are a smell.
 */
const code = /^[A-Z0-9][A-Z0-9_-]*$/;

export const ElectionIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,63}$/, 'an election id is 2–64 lower-case letters, digits or dashes')
  .brand<'ElectionId'>();
export type ElectionId = z.infer<typeof ElectionIdSchema>;

export const RidingCodeSchema = z
  .string()
  .max(64)
  .regex(code, 'a riding code is upper-case letters, digits, dashes or underscores')
  .brand<'RidingCode'>();
export type RidingCode = z.infer<typeof RidingCodeSchema>;

export const PartyCodeSchema = z
  .string()
  .max(16)
  .regex(code, 'a party code is upper-case letters, digits, dashes or underscores')
  .brand<'PartyCode'>();
export type PartyCode = z.infer<typeof PartyCodeSchema>;

export const StationIdSchema = z
  .string()
  .regex(/^ST-[0-9]{5,}$/, 'a station id looks like ST-00042')
  .brand<'StationId'>();
export type StationId = z.infer<typeof StationIdSchema>;

export const ContestIdSchema = z
  .string()
  .max(64)
  .regex(code, 'a contest id is upper-case letters, digits, dashes or underscores')
  .brand<'ContestId'>();
export type ContestId = z.infer<typeof ContestIdSchema>;

export const CandidateIdSchema = z
  .string()
  .max(64)
  .regex(code, 'a candidate id is upper-case letters, digits, dashes or underscores')
  .brand<'CandidateId'>();
export type CandidateId = z.infer<typeof CandidateIdSchema>;

/**
 * A voter's credential: the 32-byte scrypt output of their card, lower-case hex. It travels
 * only inside an envelope and is never stored (see credentials/credential_hash.node.ts).
 */
export const CredentialSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'a credential is 64 lower-case hex digits')
  .brand<'Credential'>();
export type Credential = z.infer<typeof CredentialSchema>;

/**
 * The check value of a credential (SHA-256 under the tag "scrutin/check/v2"), lower-case hex:
 * what kits, Redis and Postgres store. Named credential hash throughout the code.
 */
export const CredentialHashSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'a credential hash is 64 lower-case hex digits')
  .brand<'CredentialHash'>();
export type CredentialHash = z.infer<typeof CredentialHashSchema>;

/** Lower-case hex SHA-256 digest of some canonical bytes. */
export const Sha256HexSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'a digest is 64 lower-case hex digits')
  .brand<'Sha256Hex'>();
export type Sha256Hex = z.infer<typeof Sha256HexSchema>;
