import { describe, expect, it } from 'vitest';
import {
  NasSchema,
  SYNTHETIC_NAS_CAPACITY,
  formatNas,
  isSyntheticNas,
  luhnCheckDigit,
  luhnValid,
  parseNas,
  syntheticNas,
  type Nas,
} from './nas.ts';

describe('Luhn', () => {
  it('accepts known valid numbers and refuses a changed digit', () => {
    expect(luhnValid('046454286')).toBe(true); // the SIN used in government examples
    expect(luhnValid('130692544')).toBe(true);
    expect(luhnValid('046454287')).toBe(false);
    expect(luhnValid('79927398713')).toBe(true); // the classic Luhn example
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('04645428a')).toBe(false);
  });

  it('computes the check digit', () => {
    expect(luhnCheckDigit('04645428')).toBe(6);
    expect(luhnCheckDigit('7992739871')).toBe(3);
    expect(luhnCheckDigit('00000000')).toBe(0);
  });

  it('detects every single-digit substitution', () => {
    for (const nas of ['046454286', '130692544', syntheticNas(1234567)]) {
      for (let i = 0; i < 9; i += 1) {
        for (let d = 0; d <= 9; d += 1) {
          const changed = nas.slice(0, i) + String(d) + nas.slice(i + 1);
          if (changed !== nas) expect(luhnValid(changed), changed).toBe(false);
        }
      }
    }
  });
});

describe('parseNas', () => {
  it('forgives spaces and dashes', () => {
    expect(parseNas('046 454 286')).toEqual({ ok: true, value: '046454286' });
    expect(parseNas(' 046-454-286 ')).toEqual({ ok: true, value: '046454286' });
    expect(parseNas('046–454–286')).toEqual({ ok: true, value: '046454286' }); // en dashes, pasted
    expect(parseNas('046454286')).toEqual({ ok: true, value: '046454286' });
  });

  it('refuses with a typed error a poll worker can act on', () => {
    expect(parseNas('046 4S4 286')).toEqual({ ok: false, error: { kind: 'invalid-character', char: 'S', position: 5 } });
    expect(parseNas('046 454 28')).toEqual({ ok: false, error: { kind: 'wrong-length', length: 8, expected: 9 } });
    expect(parseNas('')).toEqual({ ok: false, error: { kind: 'wrong-length', length: 0, expected: 9 } });
    expect(parseNas('046 454 287')).toEqual({ ok: false, error: { kind: 'check-failed' } });
  });

  it('formats as printed on the card', () => {
    expect(formatNas('046454286' as Nas)).toBe('046 454 286');
    const parsed = parseNas(formatNas(syntheticNas(42)));
    expect(parsed).toEqual({ ok: true, value: syntheticNas(42) });
  });

  it('has a schema for canonical NAS at boundaries', () => {
    expect(NasSchema.safeParse('046454286').success).toBe(true);
    expect(NasSchema.safeParse('046 454 286').success).toBe(false);
    expect(NasSchema.safeParse('046454287').success).toBe(false);
  });
});

describe('syntheticNas', () => {
  it('makes Luhn-valid numbers with a leading 0 (never issued to a person)', () => {
    for (const serial of [0, 1, 9, 10, 4_242_424, SYNTHETIC_NAS_CAPACITY - 1]) {
      const nas = syntheticNas(serial);
      expect(nas).toMatch(/^0[0-9]{8}$/);
      expect(luhnValid(nas)).toBe(true);
      expect(isSyntheticNas(nas)).toBe(true);
      expect(parseNas(nas)).toEqual({ ok: true, value: nas });
    }
    expect(syntheticNas(1_234_567)).toBe('012345674');
    expect(isSyntheticNas('046454286' as Nas)).toBe(true);
    expect(isSyntheticNas('130692544' as Nas)).toBe(false);
  });

  it('is unique per serial', () => {
    const seen = new Set<string>();
    const serials = [
      ...Array.from({ length: 200_000 }, (_, i) => i),
      ...Array.from({ length: 200_000 }, (_, i) => SYNTHETIC_NAS_CAPACITY - 1 - i),
    ];
    for (const serial of serials) seen.add(syntheticNas(serial));
    expect(seen.size).toBe(serials.length);
  });

  it('says clearly when serials run out', () => {
    expect(() => syntheticNas(SYNTHETIC_NAS_CAPACITY)).toThrow(/run out at 9999999 \(10000000 voters\)/);
    expect(() => syntheticNas(-1)).toThrow(RangeError);
    expect(() => syntheticNas(1.5)).toThrow(RangeError);
  });
});
