import { z } from 'zod';
import { err, ok, type Result } from '../result.ts';

/**
 * The voter code: the secret half of a voter card (the other half is the NAS).
 *
 * Twelve data characters in Crockford's base32 alphabet, drawn from a cryptographic RNG
 * (12 × 5 = 60 bits of entropy), then one check character in the same alphabet, so a kiosk
 * keypad needs exactly 32 keys. Printed as `XXXX-XXXX-XXXX-C`.
 *
 * The check character is a Damm check over the field GF(32), not Crockford's mod-37 check
 * (which needs the extra symbols `*~$=U`) nor Luhn mod 32 (which misses the transposition
 * `0Z` ↔ `Z0`): see docs/decisions/0002-voter-code-check-character.md. It catches every
 * single-character substitution and every transposition of two adjacent characters before
 * any lookup, so a typo is reported as a typo and not as an unknown credential.
 *
 * Typed input is forgiving: case does not matter, spaces and dashes are ignored, O reads as
 * 0 and I or L as 1 (Crockford's decoding rules). U is not in the alphabet and is refused.
 */

/** Crockford's base32 alphabet: digits and letters without I, L, O and U. */
export const VOTER_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const VOTER_CODE_DATA_LENGTH = 12;
/** Data characters plus the check character. */
export const VOTER_CODE_LENGTH = VOTER_CODE_DATA_LENGTH + 1;
export const VOTER_CODE_ENTROPY_BITS = VOTER_CODE_DATA_LENGTH * 5;

/** A voter code in canonical form: 13 upper-case alphabet characters, check included. */
export const VoterCodeSchema = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{13}$/, 'a voter code is 13 Crockford base32 characters')
  .refine(hasValidCheck, 'the voter code check character does not match')
  .brand<'VoterCode'>();
export type VoterCode = z.infer<typeof VoterCodeSchema>;

/**
 * Why a typed voter code was refused, for a poll-worker message. `position` is 1-based
 * among the code characters (separators are not counted), as printed on the card.
 */
export type VoterCodeError =
  | { readonly kind: 'wrong-length'; readonly length: number; readonly expected: typeof VOTER_CODE_LENGTH }
  | { readonly kind: 'invalid-character'; readonly char: string; readonly position: number }
  | { readonly kind: 'check-failed' };

/** Fills a byte array with cryptographically strong random bytes. */
export type RandomFill = (bytes: Uint8Array) => void;

/** Web Crypto: in browsers and in Node ≥ 19 as a global. At most 65,536 bytes a call. */
export const webCryptoFill: RandomFill = (bytes) => {
  globalThis.crypto.getRandomValues(bytes);
};

// Symbol value (0–31) of each accepted input character code, -1 when refused.
const VALUE_OF = new Int8Array(128).fill(-1);
for (let v = 0; v < 32; v += 1) {
  const upper = VOTER_CODE_ALPHABET.charCodeAt(v);
  VALUE_OF[upper] = v;
  VALUE_OF[String.fromCharCode(upper).toLowerCase().charCodeAt(0)] = v;
}
for (const [alias, value] of [
  ['O', 0],
  ['I', 1],
  ['L', 1],
] as const) {
  VALUE_OF[alias.charCodeAt(0)] = value;
  VALUE_OF[alias.toLowerCase().charCodeAt(0)] = value;
}

/** Separators a person may type or paste between groups; ignored. */
const SEPARATORS = new Set([' ', '\t', '\u00a0', '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212']);

/**
 * Multiplication by x (the value 2) in GF(2^5) = GF(2)[x] / (x^5 + x^2 + 1).
 *
 * The Damm quasigroup is a ∘ b = 2·a + b (+ is XOR in GF(2^5)). It is a quasigroup (each
 * row and column is a permutation, so any single substitution changes the result) and it is
 * totally anti-symmetric: (c∘a)∘b = (c∘b)∘a ⇒ 3·(a + b) = 0 ⇒ a = b, so any transposition
 * of two different adjacent characters changes it too.
 */
function times2(a: number): number {
  return a & 0x10 ? ((a << 1) ^ 0x25) & 0x1f : a << 1;
}

/** The Damm interim value after the given symbol values; 0 for a valid code with its check. */
function dammInterim(values: Iterable<number>): number {
  let interim = 0;
  for (const v of values) interim = times2(interim) ^ v;
  return interim;
}

function symbolValues(canonical: string): number[] {
  return Array.from(canonical, (c) => VOTER_CODE_ALPHABET.indexOf(c));
}

/** The check character for data characters in canonical form (upper case, no aliases). */
export function voterCodeCheckCharacter(data: string): string {
  const values = symbolValues(data);
  if (values.includes(-1)) throw new Error(`not canonical Crockford base32: ${JSON.stringify(data)}`);
  // The check c makes 2·interim + c = 0, i.e. c = 2·interim (characteristic 2: − is +).
  return VOTER_CODE_ALPHABET.charAt(times2(dammInterim(values)));
}

function hasValidCheck(canonical: string): boolean {
  const values = symbolValues(canonical);
  return !values.includes(-1) && dammInterim(values) === 0;
}

/** Parses what a voter or poll worker typed: `abcd-efgh-jkmn-p`, `ABCDEFGHJKMNP`, … */
export function parseVoterCode(input: string): Result<VoterCode, VoterCodeError> {
  const values: number[] = [];
  for (const char of input) {
    if (SEPARATORS.has(char)) continue;
    const code = char.charCodeAt(0);
    const value = char.length === 1 && code < 128 ? (VALUE_OF[code] ?? -1) : -1;
    if (value < 0) return err({ kind: 'invalid-character', char, position: values.length + 1 });
    values.push(value);
  }
  if (values.length !== VOTER_CODE_LENGTH) {
    return err({ kind: 'wrong-length', length: values.length, expected: VOTER_CODE_LENGTH });
  }
  if (dammInterim(values) !== 0) return err({ kind: 'check-failed' });
  return ok(values.map((v) => VOTER_CODE_ALPHABET.charAt(v)).join('') as VoterCode);
}

/** `ABCDEFGHJKMNP` → `ABCD-EFGH-JKMN-P`, the way it is printed on the card. */
export function formatVoterCode(code: VoterCode): string {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8, 12)}-${code.slice(12)}`;
}

const ALPHABET_CODES = Uint8Array.from(VOTER_CODE_ALPHABET, (c) => c.charCodeAt(0));

/**
 * The voter code whose 12 data characters come from `bytes[offset … offset + 11]`, one
 * character per byte (its low 5 bits: 256 is a multiple of 32, so uniform bytes give
 * uniform characters). The bytes must come from a cryptographic RNG.
 */
export function voterCodeFromBytes(bytes: Uint8Array, offset = 0): VoterCode {
  if (offset < 0 || offset + VOTER_CODE_DATA_LENGTH > bytes.length) {
    throw new RangeError(`a voter code needs ${VOTER_CODE_DATA_LENGTH} random bytes`);
  }
  const chars = new Array<number>(VOTER_CODE_LENGTH);
  let interim = 0;
  for (let i = 0; i < VOTER_CODE_DATA_LENGTH; i += 1) {
    const v = (bytes[offset + i] ?? 0) & 0x1f;
    interim = times2(interim) ^ v;
    chars[i] = ALPHABET_CODES[v] ?? 0;
  }
  chars[VOTER_CODE_DATA_LENGTH] = ALPHABET_CODES[times2(interim)] ?? 0;
  return String.fromCharCode(...chars) as VoterCode;
}

/** A fresh voter code from the platform's cryptographic RNG (or an injected one). */
export function randomVoterCode(fill: RandomFill = webCryptoFill): VoterCode {
  const bytes = new Uint8Array(VOTER_CODE_DATA_LENGTH);
  fill(bytes);
  return voterCodeFromBytes(bytes);
}

export interface VoterCodeGeneratorOptions {
  /** Defaults to Web Crypto's getRandomValues. */
  readonly fill?: RandomFill;
  /** Random bytes drawn per call to `fill`; at most 65,536 for Web Crypto. */
  readonly poolBytes?: number;
}

/**
 * For bulk generation: a function returning a fresh code on each call, drawing random bytes
 * from the RNG in large blocks rather than 12 at a time.
 */
export function createVoterCodeGenerator(options: VoterCodeGeneratorOptions = {}): () => VoterCode {
  const fill = options.fill ?? webCryptoFill;
  const codesPerPool = Math.max(1, Math.floor((options.poolBytes ?? 65_532) / VOTER_CODE_DATA_LENGTH));
  const pool = new Uint8Array(codesPerPool * VOTER_CODE_DATA_LENGTH);
  let offset = pool.length;
  return () => {
    if (offset === pool.length) {
      fill(pool);
      offset = 0;
    }
    const code = voterCodeFromBytes(pool, offset);
    offset += VOTER_CODE_DATA_LENGTH;
    return code;
  };
}
