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
