import { z } from 'zod';
import { err, ok, type Result } from '../result.ts';

/**
 * The NAS (numéro d'assurance sociale; SIN, social insurance number, in English): nine
 * decimal digits whose last digit is a Luhn (mod 10) check digit. It is the first half of a
 * voter card; the second half is the voter code (voter_code.ts).
 *
 * Input is forgiving (spaces and dashes are ignored); the canonical form is the nine
 * digits, displayed as `123 456 782`.
 */

export const NAS_LENGTH = 9;

/** A NAS in canonical form: nine digits with a valid Luhn check digit. */
export const NasSchema = z
  .string()
  .regex(/^[0-9]{9}$/, 'a NAS is nine digits')
  .refine(luhnValid, 'the NAS check digit does not match (Luhn)')
  .brand<'Nas'>();
export type Nas = z.infer<typeof NasSchema>;

/**
 * Why a typed NAS was refused. `position` is 1-based among the digits (separators are not
 * counted), as a poll worker reads the card: "the 4th digit".
 */
export type NasError =
  | { readonly kind: 'wrong-length'; readonly length: number; readonly expected: typeof NAS_LENGTH }
  | { readonly kind: 'invalid-character'; readonly char: string; readonly position: number }
  | { readonly kind: 'check-failed' };

const ZERO = 48; // '0'

/** True when a string of decimal digits ends with a valid Luhn (mod 10) check digit. */
export function luhnValid(digits: string): boolean {
  if (!/^[0-9]+$/.test(digits)) return false;
  return luhnSum(digits, false) % 10 === 0;
}

/** The Luhn (mod 10) check digit to append to a string of decimal digits. */
export function luhnCheckDigit(payload: string): number {
  if (!/^[0-9]+$/.test(payload)) throw new Error('luhnCheckDigit expects decimal digits');
  return (10 - (luhnSum(payload, true) % 10)) % 10;
}

/**
 * The Luhn sum, from the rightmost digit leftwards, doubling every second digit. When
 * `doubleFirst`, the rightmost digit is doubled (the payload, before its check digit).
 */
function luhnSum(digits: string, doubleFirst: boolean): number {
  let sum = 0;
  let double = doubleFirst;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - ZERO;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum;
}

/** Separators a person may type or paste between groups of digits; ignored. */
const SEPARATORS = new Set([' ', '\t', '\u00a0', '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212']);

/** Parses what was typed or scanned: spaces and dashes are ignored. */
export function parseNas(input: string): Result<Nas, NasError> {
  let digits = '';
  for (const char of input) {
    if (SEPARATORS.has(char)) continue;
    if (char >= '0' && char <= '9') {
      digits += char;
    } else {
      return err({ kind: 'invalid-character', char, position: digits.length + 1 });
    }
  }
  if (digits.length !== NAS_LENGTH) return err({ kind: 'wrong-length', length: digits.length, expected: NAS_LENGTH });
  if (!luhnValid(digits)) return err({ kind: 'check-failed' });
  return ok(digits as Nas);
}

/** `123456782` → `123 456 782`, the way it is printed on the card. */
export function formatNas(nas: Nas): string {
  return `${nas.slice(0, 3)} ${nas.slice(3, 6)} ${nas.slice(6, 9)}`;
}

/** How many distinct synthetic NAS exist: serials 0 to 9,999,999. */
export const SYNTHETIC_NAS_CAPACITY = 10_000_000;

/**
 * The synthetic NAS of a serial number (0 ≤ serial < SYNTHETIC_NAS_CAPACITY), for test,
 * demo and load-test voters: `0`, the serial on seven digits, then the Luhn check digit.
 *
 * They cannot belong to a real person: the first digit of a SIN is its region or kind
 * (1–7 by province, 8 for business numbers, 9 for temporary residents) and no SIN starting
 * with 0 is issued to a person. Distinct serials give distinct numbers, and every one is
 * Luhn-valid, so it passes the same checks as a real card.
 */
export function syntheticNas(serial: number): Nas {
  if (!Number.isSafeInteger(serial) || serial < 0) {
    throw new RangeError(`a synthetic NAS serial is a whole number ≥ 0, not ${serial}`);
  }
  if (serial >= SYNTHETIC_NAS_CAPACITY) {
    throw new RangeError(
      `synthetic NAS serials run out at ${SYNTHETIC_NAS_CAPACITY - 1} (${SYNTHETIC_NAS_CAPACITY} voters); serial ${serial} is beyond`,
    );
  }
  const payload = `0${String(serial).padStart(7, '0')}`;
  return `${payload}${luhnCheckDigit(payload)}` as Nas;
}

/** True for the numbers syntheticNas makes (a leading 0): never a real person's. */
export function isSyntheticNas(nas: Nas): boolean {
  return nas.startsWith('0');
}
