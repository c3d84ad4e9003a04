import { z } from 'zod';
import { err, ok, type Result } from '../result.ts';

/**
 * A ballot's tracking code: 60 random bits the kiosk draws when the voter casts, as 12
 * Crockford base32 characters. It travels in the envelope and central keeps it in a table of
 * its own, with nothing linking it to a ballot (see docs/threat-model.md). Once the election's
 * polls have closed, anyone can ask whether it was received and counted; nobody can find a
 * ballot, or a choice, from it. It is printed as XXXX-XXXX-XXXX.
 */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const TRACKING_CODE_LENGTH = 12;

export const TrackingCodeSchema = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{12}$/, 'a tracking code is 12 Crockford base32 characters')
  .brand<'TrackingCode'>();
export type TrackingCode = z.infer<typeof TrackingCodeSchema>;

/** A fresh tracking code from the platform's cryptographic generator. */
export function newTrackingCode(): TrackingCode {
  const bytes = new Uint8Array(TRACKING_CODE_LENGTH);
  globalThis.crypto.getRandomValues(bytes);
  let out = '';
  // 256 is a multiple of 32: the low five bits of a uniform byte are uniform.
  for (const b of bytes) out += CROCKFORD[b & 31] ?? '';
  return out as TrackingCode;
}

/** Each Crockford character's value by its character code (-1: not a code character). */
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < CROCKFORD.length; i += 1) DIGIT[CROCKFORD.charCodeAt(i)] = i;

/**
 * A code's number as its two 30-bit halves (its first and last six characters), without
 * BigInt: the validators pack every counted code, and BigInt arithmetic costs several times
 * more than the rest of it.
 */
export function trackingCodeHalves(code: TrackingCode): readonly [high: number, low: number] {
  let high = 0;
  let low = 0;
  for (let i = 0; i < 6; i += 1) {
    high = high * 32 + (DIGIT[code.charCodeAt(i)] ?? 0);
    low = low * 32 + (DIGIT[code.charCodeAt(i + 6)] ?? 0);
  }
  return [high, low];
}

/**
 * A code as the number it spells: each character's place in the Crockford alphabet, five bits
 * each, the first character the highest (so codes sort as their numbers do). Central stores
 * counted codes this way, eight bytes each (docs/protocol.md §3).
 */
export function trackingCodeValue(code: TrackingCode): bigint {
  const [high, low] = trackingCodeHalves(code);
  return (BigInt(high) << 30n) | BigInt(low);
}

/** The code a number below 2^60 spells: the inverse of `trackingCodeValue`. */
export function trackingCodeOfValue(value: bigint): TrackingCode {
  let out = '';
  for (let shift = 55n; shift >= 0n; shift -= 5n) out += CROCKFORD[Number((value >> shift) & 31n)] ?? '';
  return out as TrackingCode;
}

/** XXXX-XXXX-XXXX, as printed and spoken. */
export function formatTrackingCode(code: TrackingCode): string {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

export type TrackingCodeError = { readonly kind: 'tracking-code-invalid' };

/**
 * A code as a voter types it: case, spaces and dashes do not matter, and the letters Crockford
 * reads as digits (O → 0, I and L → 1) are read as those digits.
 */
export function parseTrackingCode(input: string): Result<TrackingCode, TrackingCodeError> {
  const normalised = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  const parsed = TrackingCodeSchema.safeParse(normalised);
  return parsed.success ? ok(parsed.data) : err({ kind: 'tracking-code-invalid' });
}
